"""Backline's built-in channels. Each is a plugin like any third-party one: it is declared
in the `backline` entry-point group (pyproject.toml) and enabled in plugins.toml."""
