"""Configuration: process settings from the environment, contact-centre options and plugin
choices from `plugins.toml`.

Environment (all optional):
  BACKLINE_DATABASE_URL   default sqlite:///./backline.db
  BACKLINE_DATABASE_POOL_SIZE  default 10: PostgreSQL connections an instance keeps open
                            (as many more opened for a burst, then closed)
  BACKLINE_HOST           default 127.0.0.1
  BACKLINE_PORT           default 8000
  BACKLINE_PLUGINS_FILE   default ./plugins.toml
  BACKLINE_ALLOWED_ORIGINS  comma-separated origins allowed to open WebSockets
  BACKLINE_TOKEN_TTL_HOURS  default 12
  BACKLINE_RATE_LIMIT       requests per second per caller, default 50 (burst: twice that)
  BACKLINE_CLIENT_ADDRESS_HEADER  header a trusted proxy sets to the client's address (none:
                            the connection's peer address)
  BACKLINE_MAX_CONCURRENT_PER_CALLER  default 4: a caller's requests over HTTP running at once
  BACKLINE_GRAPHIQL / BACKLINE_INTROSPECTION  default true; false in production
  BACKLINE_MAX_REQUEST_BYTES  default 1048576: a larger GraphQL request body gets HTTP 413
  BACKLINE_MAX_WEBSOCKET_MESSAGE_BYTES  default 1048576: a larger message closes the socket (1009)
  BACKLINE_CONNECTION_INIT_TIMEOUT_SECONDS  default 10: a socket without connection_init is closed (4408)
  BACKLINE_LOGIN_FREE_FAILURES / _LOCK_AFTER / _LOCK_SECONDS / _MAX_BACKOFF_SECONDS
                            login throttling per username (3, 10, 900, 60)
  BACKLINE_LOGIN_ADDRESS_FREE_FAILURES / _ADDRESS_LOCK_AFTER
                            the same per client address (20, 100)
  BACKLINE_RESUME_WINDOW    how many events behind the newest a stream may resume, default 100000
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from core.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///./backline.db"
DEFAULT_DATABASE_POOL_SIZE = 10  # why this many: core.store.db.create_engines


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = DEFAULT_DATABASE_POOL_SIZE
    host: str = "127.0.0.1"
    port: int = 8000
    plugins_file: Path = Path("plugins.toml")
    allowed_origins: tuple[str, ...] = ()
    token_ttl_hours: float = 12.0
    max_query_depth: int = 10
    max_query_tokens: int = 2000
    max_page_size: int = 100
    rate_limit_per_second: float = 50.0
    max_concurrent_per_caller: int = 4
    client_address_header: str | None = None
    graphiql: bool = True
    introspection: bool = True
    max_request_bytes: int = 1_048_576
    max_websocket_message_bytes: int = 1_048_576
    connection_init_timeout_seconds: float = 10.0
    login_free_failures: int = 3
    login_lock_after: int = 10
    login_lock_seconds: float = 900.0
    login_max_backoff_seconds: float = 60.0
    login_address_free_failures: int = 20
    login_address_lock_after: int = 100
    resume_window: int = 100_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        origins = env.get("BACKLINE_ALLOWED_ORIGINS", "")
        try:
            return cls(
                database_url=env.get("BACKLINE_DATABASE_URL", DEFAULT_DATABASE_URL),
                database_pool_size=_at_least_one(env, "BACKLINE_DATABASE_POOL_SIZE", DEFAULT_DATABASE_POOL_SIZE),
                host=env.get("BACKLINE_HOST", "127.0.0.1"),
                port=int(env.get("BACKLINE_PORT", "8000")),
                plugins_file=Path(env.get("BACKLINE_PLUGINS_FILE", "plugins.toml")),
                allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
                token_ttl_hours=float(env.get("BACKLINE_TOKEN_TTL_HOURS", "12")),
                rate_limit_per_second=float(env.get("BACKLINE_RATE_LIMIT", "50")),
                max_request_bytes=int(env.get("BACKLINE_MAX_REQUEST_BYTES", "1048576")),
                max_websocket_message_bytes=int(env.get("BACKLINE_MAX_WEBSOCKET_MESSAGE_BYTES", "1048576")),
                connection_init_timeout_seconds=float(env.get("BACKLINE_CONNECTION_INIT_TIMEOUT_SECONDS", "10")),
                max_concurrent_per_caller=int(env.get("BACKLINE_MAX_CONCURRENT_PER_CALLER", "4")),
                graphiql=_flag(env, "BACKLINE_GRAPHIQL", True),
                introspection=_flag(env, "BACKLINE_INTROSPECTION", True),
                client_address_header=env.get("BACKLINE_CLIENT_ADDRESS_HEADER", "").strip().lower() or None,
                login_free_failures=int(env.get("BACKLINE_LOGIN_FREE_FAILURES", "3")),
                login_lock_after=int(env.get("BACKLINE_LOGIN_LOCK_AFTER", "10")),
                login_lock_seconds=float(env.get("BACKLINE_LOGIN_LOCK_SECONDS", "900")),
                login_max_backoff_seconds=float(env.get("BACKLINE_LOGIN_MAX_BACKOFF_SECONDS", "60")),
                login_address_free_failures=int(env.get("BACKLINE_LOGIN_ADDRESS_FREE_FAILURES", "20")),
                login_address_lock_after=int(env.get("BACKLINE_LOGIN_ADDRESS_LOCK_AFTER", "100")),
                resume_window=int(env.get("BACKLINE_RESUME_WINDOW", "100000")),
            )
        except ValueError as exc:
            raise ConfigurationError(f"Invalid BACKLINE_* setting: {exc}") from exc


def _at_least_one(env: Mapping[str, str], name: str, default: int) -> int:
    value = int(env.get(name, default))
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or not value.strip():
        return default
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


@dataclass(frozen=True)
class PluginEntry:
    name: str
    enabled: bool
    options: dict[str, Any]


@dataclass(frozen=True)
class ConfigFile:
    """The parsed `plugins.toml`: which plugins run with which options, and the
    contact-centre options that are not a plugin's (reason codes, limits, time-outs)."""

    plugins: dict[str, PluginEntry] = field(default_factory=dict)
    contact_centre: dict[str, Any] = field(default_factory=dict)

    @property
    def enabled_plugins(self) -> list[PluginEntry]:
        return [entry for entry in self.plugins.values() if entry.enabled]


def parse_config(text: str, source: str = "plugins.toml") -> ConfigFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"plugins", "contact_centre"}
    if unknown:
        raise ConfigurationError(f"{source}: unknown section(s) {sorted(unknown)}")
    plugins: dict[str, PluginEntry] = {}
    for name, table in data.get("plugins", {}).items():
        if not isinstance(table, dict):
            raise ConfigurationError(f"{source}: [plugins.{name}] must be a table")
        options = dict(table)
        enabled = options.pop("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigurationError(f"{source}: plugins.{name}.enabled must be true or false")
        plugins[name] = PluginEntry(name=name, enabled=enabled, options=options)
    return ConfigFile(plugins=plugins, contact_centre=dict(data.get("contact_centre", {})))


def load_config(path: Path) -> ConfigFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"Cannot read plugin configuration {path}: {exc}") from exc
    return parse_config(text, source=str(path))
