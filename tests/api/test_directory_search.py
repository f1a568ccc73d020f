"""DIR1 and GRP1 through the API: search every target kind by typed text, case- and
accent-insensitive, the start of any word, best match first, filtered by kind, paginated."""

from __future__ import annotations

from sqlmodel import select

from core.directory.models import Target, TargetKind, TargetWord

SEARCH = """
query($s: String, $k: [TargetKind!], $first: Int, $after: String) {
  directory(search: $s, kinds: $k, first: $first, after: $after) {
    edges { cursor node { id kind name } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


async def names(api, text, kinds=None, first=20):
    data = await api.execute(SEARCH, {"s": text, "k": kinds, "first": first})
    return [e["node"]["name"] for e in data["directory"]["edges"]]


async def test_dir1_accent_insensitive_helene_finds_helene(api):
    await api.login("agent")
    assert await names(api, "helene") == ["Hélène Durand"]
    assert await names(api, "HÉLÈNE") == ["Hélène Durand"]


async def test_dir1_francais_finds_the_francais_group(api):
    await api.login("agent")
    assert "Français" in await names(api, "francais")


async def test_dir1_matches_the_start_of_any_word_not_the_middle(api):
    await api.login("agent")
    assert await names(api, "dup") == ["Marie Dupont", "Raphaël Dupuis"]
    assert await names(api, "pont") == []  # inside a word, not its start
    assert await names(api, "marie dup") == ["Marie Dupont"]  # every typed word must match
    # The same when the first typed word is not the name's first word.
    assert await names(api, "dup marie") == ["Marie Dupont"]
    assert await names(api, "dup raph") == ["Raphaël Dupuis"]
    assert await names(api, "dup arie") == []  # the other word too must start a word


async def test_dir1_best_match_first(api):
    await api.login("agent")
    results = await names(api, "mo")
    assert results.index("Zoë Moreau") > results.index("Mortgages")  # name start beats a later word
    assert (await names(api, "marie dupont"))[0] == "Marie Dupont"  # the exact name first
    assert await names(api, "muller") == ["Jürgen Müller", "Léa Muller"]  # then by name


async def test_dir1_special_letters_fold_too(api):
    await api.login("agent")
    assert await names(api, "bjorn") == ["Bjørn Østergaard"]
    assert await names(api, "ostergaard") == ["Bjørn Østergaard"]
    assert await names(api, "nunez") == ["Óscar Núñez"]


async def test_dir1_searches_every_kind_and_filters_by_kind(api):
    await api.login("agent")
    data = await api.execute(SEARCH, {"s": "s"})
    kinds = {e["node"]["kind"] for e in data["directory"]["edges"]}
    assert {"AGENT", "TEAM_LEAD", "ROUTING_POINT", "INTERACTION_QUEUE", "AGENT_GROUP"} <= kinds
    assert await names(api, "support", ["INTERACTION_QUEUE"]) == ["Support"]
    assert await names(api, "support", ["ROUTING_POINT"]) == ["Support Line"]
    assert await names(api, "billing", ["SKILL"]) == ["Billing"]
    assert await names(api, "sophie", ["TEAM_LEAD"]) == ["Sophie Leclerc"]
    assert await names(api, "sophie", ["AGENT"]) == []


async def test_dir1_pages_are_bounded_and_walk_every_result_once(api, backline):
    await api.login("agent")
    seen, after = [], None
    while True:
        data = (await api.execute(SEARCH, {"s": "m", "first": 3, "after": after}))["directory"]
        seen += [e["node"]["id"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) and len(seen) > 6
    assert seen == [e["node"]["id"] for e in (await api.execute(SEARCH, {"s": "m", "first": 100}))["directory"]["edges"]]
    body = await api.raw(SEARCH, {"s": "e", "first": backline.settings.max_page_size + 1})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    body = await api.raw(SEARCH, {"s": "e", "after": "not a cursor"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_dir1_oversize_search_text_is_a_typed_error(api):
    await api.login("agent")
    body = await api.raw(SEARCH, {"s": "x" * 1000})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_dir1_the_directory_needs_a_signed_in_caller(api):
    body = await api.raw(SEARCH, {"s": "marie"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_grp1_typing_a_groups_name_finds_the_group(api):
    await api.login("agent")
    data = await api.execute(SEARCH, {"s": "secu", "k": ["AGENT_GROUP"]})
    assert [(e["node"]["kind"], e["node"]["name"]) for e in data["directory"]["edges"]] == [
        ("AGENT_GROUP", "Security Clearance Level 2")]
    assert await names(api, "espanol") == ["Español"]
    assert await names(api, "level 2") == ["Security Clearance Level 2"]


async def test_dir1_a_renamed_target_is_found_by_its_new_name_only(api, backline):
    await api.login("agent")
    async with backline.store.write() as uow:
        target = (await uow.session.exec(select(Target).where(Target.name == "Deutsch"))).one()
        target.name = "Deutsch und Österreich"
        uow.session.add(target)
    assert await names(api, "osterr") == ["Deutsch und Österreich"]
    async with backline.store.write() as uow:
        uow.session.add(Target(kind=TargetKind.SKILL, name="Överraskning", search_key=""))
    assert await names(api, "overr") == ["Överraskning"]
    async with backline.store.read() as session:
        words = (await session.exec(select(TargetWord.word).join(Target).where(Target.name == "Överraskning"))).all()
    assert words == ["overraskning"]
