"""CH3: a third-party channel installed as its own package (examples/backline-workitem) loads
from its entry point through plugins.toml, with no change to core."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.channels import Operation
from core.config import parse_config
from core.errors import ConfigurationError
from core.plugins import installed_plugins, load_plugins

REPO = Path(__file__).resolve().parents[2]
BUILTINS = (REPO / "plugins.toml").read_text(encoding="utf-8")


def test_ch3_the_sample_plugin_is_installed_in_the_backline_entry_point_group():
    entry = installed_plugins()["workitem"]
    assert entry.value == "backline_workitem"
    assert not entry.value.startswith(("core", "channels", "schema"))


def test_ch3_the_sample_plugin_loads_from_its_entry_point_when_enabled():
    config = parse_config(BUILTINS + "\n[plugins.workitem]\ncapacity = 4\ndefault_due_hours = 8\n")
    _, channels = load_plugins(config)
    workitem = channels.get("workitem")
    assert type(workitem).__module__ == "backline_workitem"
    assert workitem.capabilities.capacity == 4
    assert workitem.capabilities.operations == {Operation.TRANSFER}
    assert channels.names()[-1] == "workitem"


def test_ch3_the_sample_plugin_does_not_run_unless_plugins_toml_enables_it():
    _, channels = load_plugins(parse_config(BUILTINS))
    assert "workitem" not in channels


def test_ch3_the_sample_plugin_validates_its_own_options():
    with pytest.raises(ConfigurationError, match="workitem"):
        load_plugins(parse_config("[plugins.workitem]\ndefault_due_hours = 0\n"))


def test_ch3_no_core_module_names_the_sample_plugin():
    for folder in ("core", "schema", "channels"):
        for path in (REPO / folder).rglob("*.py"):
            assert "workitem" not in path.read_text(encoding="utf-8"), path
