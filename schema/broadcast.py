"""A subscription whose events are the same for a whole audience, written straight to each
subscriber's socket: one reader of the bus per topic executes each change once per audience
and query, encodes it once, and writes the same `next` text to every socket that asked for
exactly that (PRS3).

Through strawberry, every event went to every subscriber along its own chain of async
generators (bus queue, stream, resolver, graphql-core's mapping, strawberry's stream and
extension hooks, the protocol handler, the adapter): about 66 µs per delivery against 25 µs
for a bare broadcast. Here a delivery is one socket write.

graphql-transport-ws is kept as it is. The operation is strawberry's: it subscribes,
validates, authorizes and sends the snapshot as ever; its stream then stops yielding and
waits, while the bus reader writes the operation's `next` messages with its id. The client's
`complete`, or the socket closing, cancels the operation as before, and that takes it off
the reader. Order: the subscriber is listening (its events kept aside) before its snapshot
is read, the events kept aside go out after the snapshot through strawberry, and only once
none is left does the reader write for it, so each subscriber gets every change in commit
order. A socket that is slow to take data gets its own writer task; one that fails is left
out; neither holds up the others.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import types
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Coroutine, Protocol

from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)

from core.events import Event, EventBus
from schema.rate_limit import refusal
from schema.wire import data_payload_text, next_text

log = logging.getLogger("backline.broadcast")

# Set in the task of each graphql-transport-ws operation: which operation this is, and (for a
# subscription) the graphql-core executor of its events.
OPERATION: contextvars.ContextVar[Operation | None] = contextvars.ContextVar("backline_operation", default=None)
EXECUTOR: contextvars.ContextVar[Any] = contextvars.ContextVar("backline_subscription_executor", default=None)


class BroadcastingTransportWSHandler(BaseGraphQLTransportWSHandler):
    """strawberry's graphql-transport-ws handler, telling each operation's resolvers which
    operation they run in (its id, its socket)."""

    async def run_operation(self, operation: Operation) -> None:
        OPERATION.set(operation)  # this task runs this one operation
        limiter = getattr(self.view, "limiter", None)
        if limiter is None or self.schema.is_subscription(operation.query, operation.operation_name):
            await super().run_operation(operation)
            return
        # A query or mutation over the socket runs a few at a time per caller, as over HTTP
        # (schema.fair_share); a subscription is long-lived and holds no slot.
        key = limiter.key(getattr(self.context, "authenticated", None), self.websocket.ws.scope)
        async with limiter.slots.slot(key):
            await super().run_operation(operation)

    async def handle_subscribe(self, message) -> None:
        """SEC3: every operation sent over the socket takes a token from its caller's bucket,
        as a request over HTTP does (schema.rate_limit); a refused one gets an `error`
        message on its id, and the socket stays open."""
        limiter = getattr(self.view, "limiter", None)
        if limiter is not None and self.connection_acknowledged and message.get("id") not in self.operations:
            wait = limiter.wait(getattr(self.context, "authenticated", None), self.websocket.ws.scope)
            if wait:
                await self.send_message({"id": message["id"], "type": "error", "payload": [refusal(wait)]})
                return
        await super().handle_subscribe(message)

    async def handle_connection_init_timeout(self) -> None:
        """strawberry's time-out for connection_init (close 4408), on Backline's clock instead
        of asyncio's, so that tests move it on a manual clock instead of sleeping."""
        try:
            due = asyncio.get_running_loop().create_future()

            async def fire() -> None:
                if not due.done():
                    due.set_result(None)

            timer = self.view.backline.clock.call_later(self.connection_init_wait_timeout.total_seconds(), fire)
            try:
                await due
            finally:
                timer.cancel()
            if self.connection_init_received:
                return
            self.connection_timed_out = True
            await self.websocket.close(code=4408, reason="Connection initialisation timeout")
        except Exception as error:  # noqa: BLE001 - as strawberry's: reported, never raised
            await self.handle_task_exception(error)

    async def handle_task_exception(self, error: Exception) -> None:
        """A client that goes away while one of its operations sends is a normal event, not a
        fault: logged at debug level, where strawberry logs every failure of an operation's
        task as an ERROR with its traceback. Anything else still is an ERROR."""
        if client_gone(error):
            log.debug("WebSocket client went away while an operation was sending: %r", error)
            return
        await super().handle_task_exception(error)


def client_gone(error: BaseException | None) -> bool:
    """Whether `error`, or what caused it, says the peer closed or dropped the connection."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, (WebSocketDisconnected, WebSocketDisconnect, ConnectionError)) or (
                type(error).__name__ in ("ClientDisconnected", "ConnectionClosed", "ConnectionClosedOK",
                                         "ConnectionClosedError")):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class Audience(Protocol):
    """Whose events a subscriber receives; hashable: equal audiences share executions."""

    def accepts(self, payload: dict) -> bool: ...

    def __hash__(self) -> int: ...


@dataclass(frozen=True)
class Route:
    """Where a subscription's events may be written directly: its operation and socket."""

    operation: Operation
    executor: Any
    send_text: Callable[[str], Coroutine[Any, Any, None]]

    @classmethod
    def current(cls) -> "Route | None":
        """The route of the subscription being resolved; None outside graphql-transport-ws
        (then the stream is strawberry's own, as for any other subscription)."""
        operation, executor = OPERATION.get(), EXECUTOR.get()
        ws = getattr(getattr(operation, "handler", None), "websocket", None)
        if executor is None or not hasattr(ws, "ws"):
            return None
        return cls(operation, executor, ws.ws.send_text)

    def shape(self) -> tuple:
        """What the result looks like: executions with equal shapes give equal data."""
        operation = self.executor.operation
        name = operation.name.value if operation.name else None
        return operation.loc.source.body if operation.loc else id(operation), name, repr(self.executor.variable_values)


async def shared_stream(route: Route, bus: EventBus, topic: str,
                        opening: Callable[[], Awaitable[tuple[Audience, list[Any], int]]],
                        payload_of: Callable[[Event], Any]) -> AsyncIterator[Any]:
    """A subscription's stream: what `opening()` reads (after listening: a snapshot, or the
    events replayed from a cursor) and the position it covers, then every later event of
    `topic` its audience accepts, as `payload_of(event)` (the same object for every
    subscriber, whose result does not depend on who watches: see SharedEventExecution)."""
    listener = fanout_for(bus, topic).listen(route)
    try:
        audience, opened, listener.floor = await opening()
        for payload in opened:
            yield payload
        while listener.kept:
            event = listener.kept.popleft()
            if listener.covers(event):
                continue
            if audience.accepts(event.payload):
                yield payload_of(event)
        # Nothing is waiting and nothing arrives before this returns: the reader takes over.
        listener.go_live(audience, payload_of)
        await listener.until_ended()
    finally:
        listener.close()


_FANOUTS: weakref.WeakKeyDictionary[EventBus, dict[str, "Fanout"]] = weakref.WeakKeyDictionary()


def fanout_for(bus: EventBus, topic: str) -> "Fanout":
    fanout = fanout_of(bus, topic)
    if fanout is None:
        fanout = _FANOUTS.setdefault(bus, {})[topic] = Fanout(bus, topic)
    return fanout


def fanout_of(bus: EventBus, topic: str) -> "Fanout | None":
    """The fanout of a topic while anyone listens to it."""
    return _FANOUTS.get(bus, {}).get(topic)


class Fanout:
    """One bus subscription for a topic while anyone listens, read by one task. Each event is
    handled without a pause: kept aside for listeners still sending their snapshot, written
    to the others."""

    def __init__(self, bus: EventBus, topic: str) -> None:
        self.bus, self.topic = bus, topic
        self.subscription = bus.subscribe({topic})
        self.opening: set[Listener] = set()
        self.groups: dict[tuple, Group] = {}
        self.stopped = False
        self.task = asyncio.get_running_loop().create_task(self._read())

    def listen(self, route: Route) -> "Listener":
        listener = Listener(self, route)
        self.opening.add(listener)
        return listener

    def listeners(self) -> list["Listener"]:
        return [*self.opening, *(listener for group in self.groups.values() for listener in group.listeners)]

    async def _read(self) -> None:
        error = None
        try:
            async for event in self.subscription:
                for listener in self.opening:
                    listener.kept.append(event)
                for group in tuple(self.groups.values()):
                    group.deliver(event)
        except Exception as failed:  # a bug here ends every stream, with an error
            log.exception("Broadcasting %s events failed", self.topic)
            error = failed
        finally:
            self._stop()
            for listener in self.listeners():
                listener.end(error)

    def join(self, listener: "Listener", audience: Audience, payload_of: Callable[[Event], Any]) -> None:
        self.opening.discard(listener)
        key = (audience, payload_of, listener.route.shape())
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key, audience, payload_of, listener.route)
        group.listeners[listener] = None
        listener.group = group

    def leave(self, listener: "Listener") -> None:
        self.opening.discard(listener)
        group = listener.group
        if group is not None:
            group.listeners.pop(listener, None)
            if not group.listeners and self.groups.get(group.key) is group:
                del self.groups[group.key]
        if not self.opening and not self.groups:
            self._stop()

    def _stop(self) -> None:
        # The next listener starts a new fanout: this one's queued events came before it.
        if not self.stopped:
            self.stopped = True
            self.subscription.close()
            fanouts = _FANOUTS.get(self.bus)
            if fanouts is not None and fanouts.get(self.topic) is self:
                del fanouts[self.topic]


class Group:
    """Listeners with the same audience and the same query and variables: each event they
    accept is executed and encoded once for all of them."""

    def __init__(self, key: tuple, audience: Audience, payload_of: Callable[[Event], Any], route: Route) -> None:
        self.key = key
        self.audience = audience
        self.payload_of = payload_of
        self.executor = route.executor  # any member's: the result is the same for all
        self.schema = route.operation.handler.schema
        self.listeners: dict[Listener, None] = {}  # in the order they joined

    def deliver(self, event: Event) -> None:
        if not self.listeners or not self.audience.accepts(event.payload):
            return
        try:
            payload = self._payload_text(event)
        except Exception as error:  # noqa: BLE001 - ends these streams with the error, as strawberry's would
            for listener in tuple(self.listeners):
                listener.end(error)
            return
        texts: dict[str, str] = {}
        for listener in tuple(self.listeners):
            if listener.covers(event):
                continue
            op_id = listener.route.operation.id
            text = texts.get(op_id)
            if text is None:
                text = texts[op_id] = next_text(op_id, payload)
            listener.write(text)

    def _payload_text(self, event: Event) -> str:
        result = self.executor.build_per_event_executor(self.payload_of(event)).execute_operation(False)
        if self.executor.is_awaitable(result):  # plain data resolves at once; anything else is a bug
            getattr(result, "close", lambda: None)()
            raise TypeError("A shared subscription result must resolve synchronously.")
        if not result.errors:
            return data_payload_text(result.data)
        errors = list(result.errors)
        self.schema.process_errors(errors)  # logged and masked, as strawberry does for a stream
        return json.dumps({"data": result.data, "errors": [e.formatted for e in errors]}, separators=(",", ":"))


class Listener:
    """One subscription operation: its events kept aside while its snapshot goes out, then
    written to its socket in order."""

    def __init__(self, fanout: Fanout, route: Route) -> None:
        self.fanout = fanout
        self.route = route
        self.kept: deque[Event] = deque()
        # The last position its opening covered: an event at or below it was sent already
        # (a late publication of an event its snapshot or replay read from the store).
        self.floor = 0
        self.group: Group | None = None
        self.ended: asyncio.Future = asyncio.get_running_loop().create_future()
        self.backlog: deque[str] | None = None  # while a writer task is waiting on the socket
        self.writer: asyncio.Task | None = None

    def covers(self, event: Event) -> bool:
        return event.id is not None and event.id <= self.floor

    def go_live(self, audience: Audience, payload_of: Callable[[Event], Any]) -> None:
        if self.fanout.stopped:
            self.end()
        else:
            self.fanout.join(self, audience, payload_of)

    async def until_ended(self) -> None:
        try:
            await self.ended
        finally:
            # Every pending `next` is out before strawberry sends `complete` (or an error);
            # not when cancelled: then the client completed it, or the socket is gone.
            if self.writer is not None and not self.ended.cancelled() and self.ended.done():
                await self.writer

    def end(self, error: BaseException | None = None) -> None:
        if self.group is not None:
            self.group.listeners.pop(self, None)  # nothing more to write; what is pending still goes
        if not self.ended.done():
            self.ended.set_exception(error) if error is not None else self.ended.set_result(None)

    def close(self) -> None:
        self.fanout.leave(self)
        self.group = None
        if self.writer is not None:
            self.writer.cancel()
        if not self.ended.done():
            self.ended.cancel()
        elif not self.ended.cancelled():
            self.ended.exception()  # seen, even by a stream cancelled before it awaited its end

    def write(self, text: str) -> None:
        operation = self.route.operation
        if operation.handler.operations.get(operation.id) is not operation:
            return  # the client completed it; its task is about to be cancelled
        if self.backlog is not None:
            self.backlog.append(text)
            return
        sending = self.route.send_text(text)
        try:
            waiting_on = sending.send(None)
        except StopIteration:
            return  # written: the usual case
        except Exception:  # noqa: BLE001 - the socket is gone; its handler cancels the operation
            self._drop()
            return
        # The socket cannot take more now: finish on a task of its own, later texts after it.
        self.backlog = deque()
        self.writer = asyncio.get_running_loop().create_task(self._write_rest(sending, waiting_on))

    async def _write_rest(self, sending: Coroutine, waiting_on: Any) -> None:
        try:
            await _resume(sending, waiting_on)
            while self.backlog:
                await self.route.send_text(self.backlog.popleft())
        except Exception:  # noqa: BLE001
            self._drop()
        finally:
            self.backlog = None
            self.writer = None

    def _drop(self) -> None:
        if self.group is not None:
            self.group.listeners.pop(self, None)
        self.backlog = None


@types.coroutine
def _resume(coroutine: Coroutine, waiting_on: Any):
    """Await the rest of a coroutine that was started by hand and is waiting on `waiting_on`
    (what `yield from` does for a coroutine started by its own task)."""
    while True:
        try:
            sent = yield waiting_on
        except BaseException as error:  # noqa: BLE001 - cancellation goes in too
            try:
                waiting_on = coroutine.throw(error)
            except StopIteration as done:
                return done.value
        else:
            try:
                waiting_on = coroutine.send(sent)
            except StopIteration as done:
                return done.value
