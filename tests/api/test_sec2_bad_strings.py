"""SEC2: a string with a lone UTF-16 surrogate, a NUL or another control character gets a
typed INVALID_INPUT naming the argument, wherever it is sent; nothing is applied, nothing is
logged as a fault."""

from __future__ import annotations

import logging

import pytest

from tests.api.test_chat import customer_texts, taken_chat
from tests.channels.conversation_desk import CUSTOMER_SEND, SEND, START_CHAT

BAD = {"surrogate": "ab\ud800cd", "nul": "ab\x00cd", "control": "ab\x1bcd"}
LOGIN = """mutation($u: String!, $p: String!) { r: login(username: $u, password: $p) {
  __typename ... on Error { code message } ... on InvalidInputError { field } } }"""


def refused(result: dict, field: str) -> None:
    assert result["__typename"] == "InvalidInputError", result
    assert (result["code"], result["field"]) == ("INVALID_INPUT", field)
    assert field in result["message"]


@pytest.fixture
def faults(caplog):
    """What was logged as a fault (ERROR or worse) during the test."""
    caplog.set_level(logging.ERROR)
    return lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("kind", BAD)
async def test_sec2_a_bad_string_in_login_is_refused_typed(api, faults, kind):
    for variables, field in (({"u": BAD[kind], "p": "demo"}, "username"), ({"u": "agent", "p": BAD[kind]}, "password")):
        body = await api.as_user().raw(LOGIN, variables)
        assert "errors" not in body, body
        refused(body["data"]["r"], field)
    assert not faults()


@pytest.mark.parametrize("kind", BAD)
async def test_sec2_a_bad_string_in_a_chat_is_refused_typed_and_not_applied(backline, api, client_for, faults, kind):
    data = await api.as_user().raw(START_CHAT.replace("code message", "code message ... on InvalidInputError { field }"),
                                   {"to": "queue:support", "n": "Léon", "t": BAD[kind]})
    refused(data["data"]["r"], "input.text")
    agent, guest, chat = await taken_chat(backline, api, client_for)
    before = await customer_texts(guest)
    sent = await guest.raw(CUSTOMER_SEND.replace("code message", "code message ... on InvalidInputError { field }"),
                           {"t": BAD[kind]})
    refused(sent["data"]["r"], "text")
    said = await agent.raw(SEND.replace("code message", "code message ... on InvalidInputError { field }"),
                           {"id": chat["id"], "t": BAD[kind], "n": False})
    refused(said["data"]["r"], "text")
    assert await customer_texts(guest) == before  # nothing applied
    assert not faults()


async def test_sec2_a_bad_string_in_a_query_argument_is_an_invalid_input_error(api, faults):
    agent = await api.login("agent")
    body = await agent.raw("query($s: String!) { directory(search: $s) { edges { cursor } } }", {"s": BAD["surrogate"]})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "search" in body["errors"][0]["message"]
    assert not faults()


async def test_sec2_lines_and_tabs_are_text_not_control_characters(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    sent = await guest.execute(CUSTOMER_SEND, {"t": "ligne 1\n\tligne 2\r\n"})
    assert sent["r"]["__typename"] == "ChatLine", sent
