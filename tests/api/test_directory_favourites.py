"""DIR5: favourites and recently used targets, per user, first in an empty search."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from core.directory.models import Target
from core.directory.service import RECENT_LIMIT

EMPTY = """
query($first: Int, $after: String, $k: [TargetKind!]) {
  directory(first: $first, after: $after, kinds: $k) {
    edges { node { id name favourite } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
SEARCH = "query($s: String!) { directory(search: $s) { edges { node { id name favourite } } } }"
ADD = """mutation($t: ID!) { addFavourite(targetId: $t) {
  __typename ... on DirectoryEntry { name favourite } ... on Error { code message } } }"""
REMOVE = """mutation($t: ID!) { removeFavourite(targetId: $t) {
  __typename ... on DirectoryEntry { name favourite } ... on Error { code } } }"""


async def target_id(api, name) -> str:
    edges = (await api.execute(SEARCH, {"s": name}))["directory"]["edges"]
    return next(e["node"]["id"] for e in edges if e["node"]["name"] == name)


async def first_names(api, n, kinds=None) -> list[str]:
    data = await api.execute(EMPTY, {"first": n, "k": kinds})
    return [e["node"]["name"] for e in data["directory"]["edges"]]


async def use(backline, api, name):
    user_id = int(api.me["id"])
    tid = int(await target_id(api, name))
    async with backline.store.write() as uow:
        await backline.directory.note_used(uow, user_id, tid)


async def test_dir5_favourites_then_recents_first_in_an_empty_search(api, backline, clock):
    await api.login("agent")
    plain = await first_names(api, 3)
    for name in ("Zoé Lemaire", "Billing"):
        result = (await api.execute(ADD, {"t": await target_id(api, name)}))["addFavourite"]
        assert result == {"__typename": "DirectoryEntry", "name": name, "favourite": True}
    await use(backline, api, "Deutsch")
    await clock.advance(1)
    await use(backline, api, "Marie Dupont")
    await clock.advance(1)
    await use(backline, api, "Billing")  # a favourite used lately is listed once, as a favourite
    names = await first_names(api, 6)
    assert names[:4] == ["Billing", "Zoé Lemaire", "Marie Dupont", "Deutsch"]
    assert names[4:] == [n for n in plain if n not in names[:4]][:2]


async def test_dir5_favourites_are_per_user_and_flagged_in_any_search(api, client_for):
    await api.login("agent")
    await api.execute(ADD, {"t": await target_id(api, "Zoé Lemaire")})
    found = (await api.execute(SEARCH, {"s": "zoe"}))["directory"]["edges"]
    assert {e["node"]["name"]: e["node"]["favourite"] for e in found} == {"Zoé Lemaire": True, "Zoë Moreau": False}
    other = await client_for("marie.dupont")
    assert "Zoé Lemaire" not in await first_names(other, 3)


async def test_dir5_remove_a_favourite_and_unknown_targets_are_typed_errors(api):
    await api.login("agent")
    zoe = await target_id(api, "Zoé Lemaire")
    await api.execute(ADD, {"t": zoe})
    await api.execute(ADD, {"t": zoe})  # twice is once
    assert (await first_names(api, 2))[0] == "Zoé Lemaire"
    assert (await api.execute(REMOVE, {"t": zoe}))["removeFavourite"]["favourite"] is False
    assert (await first_names(api, 1)) != ["Zoé Lemaire"]
    assert (await api.execute(ADD, {"t": "999999"}))["addFavourite"]["code"] == "NOT_FOUND"
    assert (await api.execute(ADD, {"t": "abc"}))["addFavourite"]["code"] == "INVALID_INPUT"


async def test_dir5_only_the_latest_recents_are_kept(api, backline, clock):
    await api.login("agent")
    user_id = int(api.me["id"])
    async with backline.store.read() as session:
        ids = (await session.exec(select(Target.id).order_by(Target.id).limit(RECENT_LIMIT + 5))).all()
    for tid in ids:
        async with backline.store.write() as uow:
            await backline.directory.note_used(uow, user_id, tid)
        await clock.advance(1)
    async with backline.store.read() as session:
        names = dict((await session.exec(select(Target.id, Target.name))).all())
    assert await first_names(api, RECENT_LIMIT) == [names[t] for t in reversed(ids[-RECENT_LIMIT:])]


async def test_dir5_an_empty_search_pages_through_everyone_once_and_respects_kinds(api, backline, clock):
    await api.login("agent")
    await api.execute(ADD, {"t": await target_id(api, "Billing")})
    await use(backline, api, "Deutsch")
    seen, after = [], None
    while True:
        data = (await api.execute(EMPTY, {"first": 7, "after": after}))["directory"]
        seen += [e["node"]["id"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    async with backline.store.read() as session:
        total = (await session.exec(select(func.count()).select_from(Target))).one()
    assert len(seen) == len(set(seen)) == total
    assert await first_names(api, 2, ["AGENT_GROUP"]) == ["Deutsch", "Credit Cards"]
    assert (await first_names(api, 1, ["SKILL"])) == ["Billing"]
