"""The repository's plugins.toml as tests use it."""

from __future__ import annotations

from pathlib import Path

from core.config import ConfigFile, PluginEntry, load_config


def repository_config(path: Path) -> ConfigFile:
    """plugins.toml with no SMTP listener: a test binds a port only when it sends mail (and then
    a free one), so that suites and a running `make run` never compete for port 2525."""
    config = load_config(path)
    email = config.plugins.get("email")
    if email is not None:
        config.plugins["email"] = PluginEntry(email.name, email.enabled, {**email.options, "smtp_port": 0})
    return config
