"""docs/schema.graphql is the exported SDL; this fails when it is stale (`make schema`)."""

from __future__ import annotations

from pathlib import Path

from schema.root import build_schema

REPO = Path(__file__).resolve().parents[1]


def test_docs_schema_graphql_is_up_to_date():
    exported = build_schema().as_str() + "\n"
    committed = (REPO / "docs" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == exported, "docs/schema.graphql is stale: run `make schema`"
