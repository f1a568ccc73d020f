"""The plugin host. Built-in channels and third-party ones load through one mechanism: the
`backline` entry-point group (the built-ins are declared in Backline's own pyproject.toml).
plugins.toml decides which of them run and with which options."""

from __future__ import annotations

import importlib.metadata
from typing import Mapping

import pluggy

from core import PROJECT_NAME, hookspecs
from core.channels import Channel, ChannelRegistry
from core.config import ConfigFile
from core.errors import BacklineError, ConfigurationError

ENTRY_POINT_GROUP = PROJECT_NAME


def get_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def installed_plugins() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _load(name: str, available: Mapping[str, object]) -> object:
    source = available.get(name)
    if source is None:
        raise ConfigurationError(
            f"Plugin '{name}' is enabled in plugins.toml but not installed "
            f"(no '{ENTRY_POINT_GROUP}' entry point named '{name}')."
        )
    if not isinstance(source, importlib.metadata.EntryPoint):
        return source
    try:
        return source.load()
    except Exception as exc:  # any import-time failure of a plugin stops start-up, named
        raise ConfigurationError(f"Plugin '{name}' failed to load: {type(exc).__name__}: {exc}") from exc


def load_plugins(
    config: ConfigFile, available: Mapping[str, object] | None = None
) -> tuple[pluggy.PluginManager, ChannelRegistry]:
    """Register every enabled plugin and collect its channels, configured.

    `available` maps plugin names to entry points or plugin objects; by default the
    installed entry points.
    """
    available = installed_plugins() if available is None else available
    pm = get_plugin_manager()
    registry = ChannelRegistry()
    for entry in config.enabled_plugins:
        plugin = _load(entry.name, available)
        try:
            pm.register(plugin, name=entry.name)
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise ConfigurationError(f"Plugin '{entry.name}' is not a valid Backline plugin: {exc}") from exc
        others = [p for p in pm.get_plugins() if p is not plugin]
        register = pm.subset_hook_caller("register_channels", remove_plugins=others)
        try:
            results = register(options=dict(entry.options))
            channels = [channel for result in results for channel in (result or [])]
            for channel in channels:
                if not isinstance(channel, Channel):
                    raise ConfigurationError(f"returned {channel!r}, which is not a core.channels.Channel")
                channel.configure(entry.options)
                registry.add(channel, plugin=entry.name)
        except BacklineError as exc:
            raise ConfigurationError(f"Plugin '{entry.name}': {exc.message}") from exc
        except Exception as exc:
            raise ConfigurationError(f"Plugin '{entry.name}' failed to register: {type(exc).__name__}: {exc}") from exc
    return pm, registry
