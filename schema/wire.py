"""graphql-transport-ws `next` messages as text: result data encoded to JSON once however
many sockets it goes to, and the message around it assembled by string."""

from __future__ import annotations

import json
from collections import OrderedDict


# json.dumps(data, separators=(",", ":")) without building its encoder on every call (its
# arguments differ from the defaults): the same text, ~1 µs less per HTTP response.
compact_json = json.JSONEncoder(separators=(",", ":")).encode


class SharedEncoding:
    """The JSON text of recent result data, by object: a change executed once for its whole
    audience (schema.presence.SharedEventExecution) hands every subscriber the same `data`
    object, so it is encoded once, not once per socket."""

    SIZE = 64

    def __init__(self) -> None:
        # Holding the object keeps its id from being reused while it is in here.
        self._texts: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def text(self, data: object) -> str:
        kept = self._texts.get(id(data))
        if kept is not None and kept[0] is data:
            return kept[1]
        text = compact_json(data)
        self._texts[id(data)] = (data, text)
        if len(self._texts) > self.SIZE:
            self._texts.popitem(last=False)
        return text


SHARED_ENCODING = SharedEncoding()


def next_text(operation_id: str, payload_text: str) -> str:
    """The `next` message of one operation, its payload already encoded."""
    return f'{{"id":{json.dumps(operation_id)},"type":"next","payload":{payload_text}}}'


def data_payload_text(data: object) -> str:
    return f'{{"data":{SHARED_ENCODING.text(data)}}}'
