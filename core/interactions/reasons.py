"""Why an interaction ended and why a party's state changed, as closed vocabularies (EVT1).

The engine records these as short words (`customer_hung_up`, `not_answered:declined`); this
module names each one, with a sentence for people, so that a client switches on a value and
shows a text without parsing either. A word it does not know (a plugin's own) is OTHER: its
text is then the word itself."""

from __future__ import annotations

import enum


class EndReason(str, enum.Enum):
    RELEASED = "released"
    CUSTOMER_HUNG_UP = "customer_hung_up"
    CUSTOMER_LEFT = "customer_left"
    DONE = "done"
    VOICEMAIL = "voicemail"
    TRANSFERRED_TO_VOICEMAIL = "transferred_to_voicemail"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    ENDED_BY_AGENT = "ended_by_agent"
    COMPLETED_AS_TRANSFER = "completed_as_transfer"
    COMPLETED_AS_CONFERENCE = "completed_as_conference"
    ONLY_EXTERNAL_PARTIES_LEFT = "only_external_parties_left"
    REMOVED = "removed"
    SUPERVISION_STOPPED = "supervision_stopped"
    VOICEMAIL_PIN_TIMEOUT = "voicemail_pin_timeout"
    VOICEMAIL_LOCKED = "voicemail_locked"
    VOICEMAIL_CLOSED = "voicemail_closed"
    OTHER = "other"


END_TEXT = {
    EndReason.RELEASED: "Released by its last party.",
    EndReason.CUSTOMER_HUNG_UP: "The customer hung up.",
    EndReason.CUSTOMER_LEFT: "The customer left the chat.",
    EndReason.DONE: "Marked done by every agent.",
    EndReason.VOICEMAIL: "Sent to voicemail: nobody could take it.",
    EndReason.TRANSFERRED_TO_VOICEMAIL: "Transferred to a voicemail box.",
    EndReason.DECLINED: "Not answered: the request was declined.",
    EndReason.NO_ANSWER: "Not answered in time.",
    EndReason.CANCELLED: "Not answered: the request was cancelled.",
    EndReason.TIMED_OUT: "Not answered: it waited longer than the queue time-out.",
    EndReason.ENDED_BY_AGENT: "Ended by the agent who consulted.",
    EndReason.COMPLETED_AS_TRANSFER: "Completed as a transfer.",
    EndReason.COMPLETED_AS_CONFERENCE: "Completed as a conference.",
    EndReason.ONLY_EXTERNAL_PARTIES_LEFT: "Only parties outside the company were left.",
    EndReason.REMOVED: "Its last party was removed.",
    EndReason.SUPERVISION_STOPPED: "The supervisor stopped.",
    EndReason.VOICEMAIL_PIN_TIMEOUT: "No PIN was entered in time.",
    EndReason.VOICEMAIL_LOCKED: "The mailbox locked after too many wrong PINs.",
    EndReason.VOICEMAIL_CLOSED: "The voicemail session was closed.",
}
# `not_answered:<offer state>`: the contact's request ended that way and nobody took it.
_NOT_ANSWERED = "not_answered:"


def end_reason(word: str | None) -> EndReason | None:
    if word is None:
        return None
    if word.startswith(_NOT_ANSWERED):
        word = word[len(_NOT_ANSWERED):]
    try:
        return EndReason(word)
    except ValueError:
        return EndReason.OTHER


def end_text(word: str | None) -> str | None:
    reason = end_reason(word)
    if reason is None:
        return None
    return END_TEXT.get(reason, word)


class ChangeCause(str, enum.Enum):
    """Why a party's state changed (the agent's side only: the customer's stream omits it)."""

    ACCEPTED = "accepted"
    HOLD = "hold"
    RETRIEVE = "retrieve"
    ANOTHER_CALL_TAKEN = "another_call_taken"
    TRANSFER_PENDING = "transfer_pending"
    TRANSFERRED = "transferred"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    RELEASED = "released"
    REMOVED = "removed"
    DONE = "done"
    CUSTOMER_HUNG_UP = "customer_hung_up"
    CUSTOMER_LEFT = "customer_left"
    SUPERVISION_STOPPED = "supervision_stopped"
    OTHER = "other"


def change_cause(word: str | None) -> ChangeCause | None:
    if word is None:
        return None
    try:
        return ChangeCause(word)
    except ValueError:
        return ChangeCause.OTHER
