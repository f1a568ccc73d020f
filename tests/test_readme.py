"""The README stays true for a newcomer: its commands exist and its queries work."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def curl_bodies() -> list[dict]:
    return [json.loads(body) for body in re.findall(r"-d '(\{.*?\})'", README)]


def test_readme_shows_the_two_commands_and_the_demo_logins():
    assert "make run" in README and "make test" in README
    for login in ("`agent`", "`lead`", "`admin`"):
        assert login in README
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_lists_every_environment_setting_the_code_reads():
    config = (REPO / "core" / "config.py").read_text(encoding="utf-8")
    for name in set(re.findall(r'"(BACKLINE_[A-Z_]+)"', config)):
        assert f"`{name}`" in README, name


async def test_readme_first_queries_work_as_pasted(api):
    login, first = curl_bodies()[:2]
    answer = await api.execute(login["query"])
    api.token = answer["login"]["token"]
    data = await api.execute(first["query"])
    assert data["me"]["username"] == "agent"
    assert [c["name"] for c in data["channels"]] == ["voice", "chat", "email", "im"]


async def test_readme_graphql_examples_are_valid_against_the_schema(api):
    from graphql import parse, validate

    from schema.root import build_schema

    schema = build_schema()._schema
    blocks = re.findall(r"```graphql\n(.*?)```", README, re.S)
    assert blocks
    for block in blocks:
        assert validate(schema, parse(block)) == [], block
