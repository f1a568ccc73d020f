"""Quiet logs for normal events: a WebSocket client that goes away while one of its
operations sends is logged at debug level at most; a fault is still an ERROR."""

from __future__ import annotations

import logging

from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected

from schema.broadcast import BroadcastingTransportWSHandler


def gone_while_sending() -> Exception:
    """What a send to a socket its client closed raises, as strawberry's adapter chains it."""
    try:
        try:
            try:
                raise OSError("ClientDisconnected")
            except OSError as lost:
                raise WebSocketDisconnect(code=1006) from lost
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc
    except WebSocketDisconnected as error:
        return error


async def test_a_client_going_away_while_an_event_is_sent_is_not_an_error(caplog):
    handler = object.__new__(BroadcastingTransportWSHandler)  # only its logging is exercised
    caplog.set_level(logging.DEBUG)
    for error in (gone_while_sending(), WebSocketDisconnect(code=1001), ConnectionResetError()):
        await handler.handle_task_exception(error)
    assert [r for r in caplog.records if r.levelno > logging.DEBUG] == []


async def test_a_fault_in_an_operation_is_still_logged_as_an_error(caplog):
    handler = object.__new__(BroadcastingTransportWSHandler)
    caplog.set_level(logging.DEBUG)
    await handler.handle_task_exception(RuntimeError("a bug"))
    assert [r.levelno for r in caplog.records if "a bug" in str(r.exc_info)] == [logging.ERROR]


async def test_asyncio_warning_about_writes_to_a_client_that_went_away_is_debug_level(backline, caplog):
    from schema.app import create_app

    create_app(backline)  # installs the filter, as `backline serve` does
    caplog.set_level(logging.INFO, logger="asyncio")
    logging.getLogger("asyncio").warning("socket.send() raised exception.")  # what asyncio says then
    logging.getLogger("asyncio").warning("something else")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == ["something else"]
