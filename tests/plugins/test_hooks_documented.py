"""Every hook is documented in docs/plugins.md and named by a test (as datasette does)."""

from __future__ import annotations

import inspect
from pathlib import Path

from core import hookspecs

REPO = Path(__file__).resolve().parents[2]


def hook_names() -> list[str]:
    return [
        name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "backline_spec")
    ]


def test_there_are_hooks():
    assert "register_channels" in hook_names()


def test_plugin_hooks_are_documented():
    docs = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    undocumented = [name for name in hook_names() if f"### `{name}(" not in docs]
    assert undocumented == []


def test_plugin_hooks_have_tests():
    tests = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (REPO / "tests").rglob("test_*.py")
        if path.name != "test_hooks_documented.py"
    )
    untested = [name for name in hook_names() if f"def test_{name}" not in tests and f"{name}_hook" not in tests]
    assert untested == []
