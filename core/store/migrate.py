"""Apply the alembic migrations in `migrations/` (beside the packages, in the repository)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Blocking; call it outside the event loop (or in a thread).

    Each area's migrations form a branch from 0001 (areas were built side by side); "heads"
    applies all of them, and `depends_on` orders a branch after another where it needs to.
    """
    command.upgrade(alembic_config(database_url), revision)


def new_revision(database_url: str, message: str, rev_id: str, head: str = "0001") -> None:
    """For developers: autogenerate a migration (on top of `head`) against a database at
    heads. Autogenerate sees every table in core.store.metadata: delete from the new file
    what belongs to other areas' migrations."""
    command.revision(
        alembic_config(database_url), message=message, autogenerate=True, rev_id=rev_id, head=head
    )
