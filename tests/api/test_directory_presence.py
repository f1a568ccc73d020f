"""DIR2 and GRP2 through the API: a person's presence per channel and since when; a group's
available members per channel where the administrator shows it."""

from __future__ import annotations

from sqlmodel import select

from core.directory.models import Target

ENTRY = """
query($s: String, $k: [TargetKind!]) {
  directory(search: $s, kinds: $k) {
    edges { node { id name kind userId
      presence { channel state reason since load capacity }
      availability { groupId channel available loggedIn members asOf }
      availableChannels
    } }
  }
}
"""
LOG_IN = "mutation($c: String!, $r: Boolean!) { logIn(channel: $c, ready: $r) { __typename } }"
NOT_READY = "mutation($c: String!, $r: String) { setNotReady(channel: $c, reason: $r) { __typename } }"


async def entry(api, text, kinds=None):
    edges = (await api.execute(ENTRY, {"s": text, "k": kinds}))["directory"]["edges"]
    assert len(edges) == 1, edges
    return edges[0]["node"]


async def test_dir2_agent_result_shows_presence_per_channel_and_since_when_null_if_never_logged_in(api, client_for, clock):
    marie = await client_for("marie.dupont")
    await marie.execute(LOG_IN, {"c": "voice", "r": True})
    await clock.advance(60)
    await marie.execute(LOG_IN, {"c": "im", "r": False})
    await marie.execute(NOT_READY, {"c": "im", "r": "Lunch"})
    await api.login("agent")
    node = await entry(api, "marie dupont")
    states = {p["channel"]: (p["state"], p["reason"], p["since"] and p["since"][:19]) for p in node["presence"]}
    assert states == {
        "voice": ("READY", None, "2026-01-05T09:00:00"),
        "chat": ("LOGGED_OFF", None, None),  # never logged in to: since no known time
        "email": ("LOGGED_OFF", None, None),
        "im": ("NOT_READY", "Lunch", "2026-01-05T09:01:00"),
    }
    assert node["availability"] is None and node["availableChannels"] == ["voice"]


async def test_dir2_busy_is_shown_from_load(api, client_for, backline):
    marie = await client_for("marie.dupont")
    await marie.execute(LOG_IN, {"c": "voice", "r": True})
    async with backline.store.write() as uow:
        await backline.presence.adjust_load(uow, int(marie.me["id"]), "voice", +1)
    await api.login("agent")
    voice = next(p for p in (await entry(api, "marie dupont"))["presence"] if p["channel"] == "voice")
    assert (voice["state"], voice["load"], voice["capacity"]) == ("BUSY", 1, 1)


async def test_dir2_presence_for_a_full_page_costs_a_fixed_number_of_queries(api, backline):
    """Presence for many results is read in batches, not one query per row."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    await api.login("agent")
    engine = backline.store.engines.sync(backline.store.engines.read)
    event.listen(engine, "before_cursor_execute", count)
    try:
        await api.execute(ENTRY, {"s": None, "k": None})
        few = len(statements)
        statements.clear()
        big = (await api.raw(ENTRY.replace("directory(search: $s, kinds: $k)",
                                           "directory(search: $s, kinds: $k, first: 100)"), {"s": None}))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(big["data"]["directory"]["edges"]) > 40
    assert len(statements) == few


async def test_grp2_group_shows_available_members_per_channel_where_enabled(api, client_for):
    for user in ("marie.dupont", "helene.durand"):
        member = await client_for(user)
        await member.execute(LOG_IN, {"c": "voice", "r": True})
        await member.execute(LOG_IN, {"c": "chat", "r": user == "marie.dupont"})
    await api.login("agent")
    node = await entry(api, "francais", ["AGENT_GROUP"])
    figures = {a["channel"]: (a["available"], a["loggedIn"], a["members"]) for a in node["availability"]}
    assert figures == {"voice": (2, 2, 9), "chat": (1, 2, 9), "email": (0, 0, 9), "im": (0, 0, 9)}
    assert node["availableChannels"] == ["voice", "chat"]
    assert all(a["asOf"].startswith("2026-01-05T09:00:00") for a in node["availability"])


async def test_grp2_availability_is_hidden_where_the_administrator_does_not_enable_it(api, client_for):
    member = await client_for("loic.fournier")  # Credit Cards does not show availability
    await member.execute(LOG_IN, {"c": "voice", "r": True})
    await api.login("agent")
    node = await entry(api, "credit cards")
    assert node["availability"] is None and node["availableChannels"] is None


async def test_grp2_enabling_availability_shows_it(api, backline):
    async with backline.store.write() as uow:
        target = (await uow.session.exec(select(Target).where(Target.name == "Credit Cards"))).one()
        target.show_availability = True
        uow.session.add(target)
    await api.login("agent")
    node = await entry(api, "credit cards")
    assert [a["members"] for a in node["availability"]] == [4, 4, 4, 4]
