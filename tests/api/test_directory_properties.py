"""DIR1 as properties over the whole demo directory: any start of any word of a name, typed
in any case, with or without its accents, finds that target; every result matches every
typed word; and the best match comes first."""

from __future__ import annotations

import random

from sqlmodel import select

from core.directory.models import Target
from core.directory.text import fold, words
from core.identity.actor import Actor
from core.identity.models import Role

AGENT = Actor(1, "agent", "Camille Martin", Role.AGENT, 1)


async def everything(backline, text: str) -> list:
    found, after = [], None
    while True:
        page = await backline.directory.search(AGENT, text, first=50, after=after)
        found += page.entries
        if not page.has_next:
            return found
        after = page.cursors[-1]


def typed(rng: random.Random, name: str) -> str:
    """Part of a name as someone might type it: a prefix of one of its words, in a random
    case, keeping or dropping its accents."""
    word = rng.choice([w for w in name.replace("-", " ").split() if any(c.isalnum() for c in w)])
    prefix = word[: rng.randint(1, len(word))]
    prefix = prefix if rng.random() < 0.5 else fold(prefix)
    return prefix.upper() if rng.random() < 0.3 else prefix


async def test_dir1_any_start_of_any_word_finds_the_target(backline):
    rng = random.Random(5)
    async with backline.store.read() as session:
        targets = (await session.exec(select(Target.id, Target.name))).all()
    for target_id, name in rng.sample(targets, 25):
        text = typed(rng, name)
        found = await everything(backline, text)
        assert target_id in [e.target.id for e in found], (name, text)
        terms = words(text)
        for entry in found:  # every result matches every typed word at the start of a word
            assert all(any(w.startswith(t) for w in words(entry.target.name)) for t in terms), (text, entry)
        assert len({e.target.id for e in found}) == len(found)


async def test_dir1_names_starting_with_the_text_come_before_other_word_matches(backline):
    for text in ("support", "mar", "e", "la"):
        found = await everything(backline, text)
        starts = [fold(e.target.name).startswith(text) for e in found]
        assert starts == sorted(starts, reverse=True), text
    assert [e.target.name for e in await everything(backline, "support")][:2] == ["Support", "Support Line"]
