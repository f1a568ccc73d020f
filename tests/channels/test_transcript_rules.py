"""Who reads which line, as pure rules (CNF6, CON2, SEC1)."""

from __future__ import annotations

from datetime import datetime, timezone

from core.interactions.models import Party, PartyRole, PartyState
from core.transcripts.rules import LineAudience, agent_reads, audience_for, customer_reads, hidden_from

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def party(pid: int, role: PartyRole, state=PartyState.CONNECTED, user_id: int | None = 10, **kw) -> Party:
    return Party(id=pid, interaction_id=1, user_id=user_id, display_name=f"p{pid}", role=role, state=state,
                 joined_at=NOW, **kw)


def test_cnf6_a_muted_author_is_read_by_no_live_party():
    author = party(2, PartyRole.PARTICIPANT, muted=True)
    parties = [party(1, PartyRole.CUSTOMER, user_id=None), party(3, PartyRole.OWNER), author]
    assert hidden_from(parties, author) == [1, 3]


def test_cnf6_a_selective_mute_hides_the_author_from_that_party_only():
    author = party(2, PartyRole.PARTICIPANT, muted_towards=[1])
    parties = [party(1, PartyRole.CUSTOMER, user_id=None), party(3, PartyRole.OWNER), author]
    assert hidden_from(parties, author) == [1]


def test_cnf6_a_removed_party_reads_nothing_written_after_its_removal():
    removed = party(3, PartyRole.PARTICIPANT, state=PartyState.LEFT, removed=True)
    author = party(2, PartyRole.OWNER)
    assert hidden_from([author, removed], author) == [3]
    assert not agent_reads([3], [3])
    assert agent_reads([3], [3, 7])  # the same person back on it as another party


def test_con2_a_party_the_customer_does_not_know_never_writes_for_the_customer():
    owner = party(4, PartyRole.OWNER)
    consulted = party(5, PartyRole.CONSULTED)  # like a monitoring or coaching supervisor
    assert audience_for(LineAudience.CUSTOMER, consulted, internal_interaction=False) is LineAudience.INTERNAL
    assert audience_for(LineAudience.CUSTOMER, owner, internal_interaction=True) is LineAudience.INTERNAL
    assert audience_for(LineAudience.CUSTOMER, owner, internal_interaction=False) is LineAudience.CUSTOMER
    assert audience_for(LineAudience.INTERNAL, owner, internal_interaction=False) is LineAudience.INTERNAL


def test_sec1_the_customer_reads_customer_lines_not_hidden_from_it():
    assert customer_reads("customer", [], 1)
    assert not customer_reads("internal", [], 1)
    assert not customer_reads("customer", [1], 1)


def test_con3_a_reader_without_a_party_reads_every_line():
    assert agent_reads([1, 2, 3], [])
