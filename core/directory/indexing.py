"""Keeps the word index (TargetWord) and the search key in step with Target rows, whoever
writes them (the demo loader, an import, a future admin API): mapper events run inside the
same flush, so the index is committed with the target or not at all."""

from __future__ import annotations

from sqlalchemy import delete, event, insert

from core.directory.models import Target, TargetKind, TargetWord
from core.directory.text import search_key, words


def word_rows(target_id: int, name: str, kind: TargetKind) -> list[dict]:
    key = search_key(name)
    return [{"word": w, "target_id": target_id, "search_key": key, "kind": TargetKind(kind).name}
            for w in dict.fromkeys(words(name))]


@event.listens_for(Target, "before_insert")
@event.listens_for(Target, "before_update")
def _set_search_key(_mapper, _connection, target: Target) -> None:
    target.search_key = search_key(target.name)


@event.listens_for(Target, "after_insert")
def _index_new(_mapper, connection, target: Target) -> None:
    rows = word_rows(target.id, target.name, target.kind)
    if rows:
        connection.execute(insert(TargetWord.__table__), rows)


@event.listens_for(Target, "after_update")
def _reindex(_mapper, connection, target: Target) -> None:
    connection.execute(delete(TargetWord.__table__).where(TargetWord.__table__.c.target_id == target.id))
    rows = word_rows(target.id, target.name, target.kind)
    if rows:
        connection.execute(insert(TargetWord.__table__), rows)


@event.listens_for(Target, "before_delete")
def _unindex(_mapper, connection, target: Target) -> None:
    connection.execute(delete(TargetWord.__table__).where(TargetWord.__table__.c.target_id == target.id))
