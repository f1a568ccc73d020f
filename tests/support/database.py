"""Test databases: migrated once per session with the real alembic migrations, then copied
into each test's temporary folder (a real SQLite file, in WAL mode)."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.store.migrate import upgrade


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def migrated_template(folder: Path) -> Path:
    path = folder / "template.db"
    upgrade(sqlite_url(path))
    return path


def fresh_copy(template: Path, folder: Path) -> str:
    target = folder / "backline.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)
