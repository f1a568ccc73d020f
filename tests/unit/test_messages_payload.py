"""MSG2: the live preview carries the whole message: what is stored in an event's payload
(built once per message, shared by its recipients' events) reads back as the same message."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from core.messages.models import Message, MessageKind, Priority
from core.messages.service import message_from_payload, message_payload

aware = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=st.just(timezone.utc))


@given(kind=st.sampled_from(MessageKind), priority=st.sampled_from(Priority), text=st.text(min_size=1),
       sent_at=aware, resolved_at=st.none() | aware, channel=st.none() | st.sampled_from(["voice", "sms"]))
def test_msg2_a_message_survives_its_event_payload(kind, priority, text, sent_at, resolved_at, channel):
    message = Message(id=7, kind=kind, priority=priority, title=text[:160], text=text, sent_at=sent_at,
                      sender_id=None, channel=channel, resolved_at=resolved_at, data={"mailbox": "user:1"})
    back = message_from_payload(message_payload(message))
    assert back.model_dump() == message.model_dump()
