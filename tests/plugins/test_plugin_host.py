"""The plugin host (CH1, CH3): built-in channels load through the `backline` entry-point
group like third-party ones; plugins.toml decides which run and with which options; a broken
or misconfigured plugin stops start-up with a message naming it."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

from core import hookimpl
from core.channels import Capabilities, Channel, ClosePolicy, Operation
from core.config import ConfigFile, PluginEntry, load_config, parse_config
from core.errors import ConfigurationError
from core.plugins import ENTRY_POINT_GROUP, installed_plugins, load_plugins

REPO = Path(__file__).resolve().parents[2]


def config_of(text: str) -> ConfigFile:
    return parse_config(text, source="test plugins.toml")


def test_ch3_builtin_channels_are_entry_points_in_the_backline_group():
    assert ENTRY_POINT_GROUP == "backline"
    assert {"voice", "chat", "email", "im"} <= set(installed_plugins())


def test_ch3_plugins_toml_enables_the_four_builtin_channels_with_their_capacity():
    _, channels = load_plugins(load_config(REPO / "plugins.toml"))
    assert channels.names() == ["voice", "chat", "email", "im"]
    assert {c.name: c.capabilities.capacity for c in channels} == {"voice": 1, "chat": 3, "email": 5, "im": 10}


def test_ch3_a_disabled_plugin_does_not_run():
    _, channels = load_plugins(config_of("[plugins.voice]\n[plugins.im]\nenabled = false\n"))
    assert channels.names() == ["voice"]


def test_ch3_options_override_the_declared_capacity():
    _, channels = load_plugins(config_of("[plugins.chat]\ncapacity = 7\n"))
    assert channels.get("chat").capabilities.capacity == 7


def test_ch1_each_builtin_channel_declares_its_capabilities():
    _, channels = load_plugins(load_config(REPO / "plugins.toml"))
    email, chat, voice, im = (channels.get(n).capabilities for n in ("email", "chat", "voice", "im"))
    assert email.operations == {Operation.TRANSFER} and email.transfer_inbound_only
    assert chat.close_policy is ClosePolicy.WHEN_ALL_AGENTS_DONE
    assert {Operation.HOLD, Operation.CONSULT, Operation.CONFERENCE, Operation.TRANSFER,
            Operation.VOICEMAIL} <= voice.operations
    assert im.audience.value == "internal"


def test_ch3_voicemail_can_be_switched_off_for_voice():
    _, channels = load_plugins(config_of("[plugins.voice]\nvoicemail = false\n"))
    assert Operation.VOICEMAIL not in channels.get("voice").capabilities.operations


@pytest.mark.parametrize(
    "text, named",
    [
        ("[plugins.fax]\n", "fax"),
        ("[plugins.voice]\ncolour = 'blue'\n", "voice"),
        ("[plugins.chat]\ncapacity = 0\n", "chat"),
        ("[plugins.chat]\nenabled = 'yes'\n", "chat"),
    ],
)
def test_ch3_a_misconfigured_plugin_stops_start_up_naming_it(text, named):
    with pytest.raises(ConfigurationError) as caught:
        load_plugins(config_of(text))
    assert f"'{named}'" in caught.value.message or f"plugins.{named}" in caught.value.message


def test_ch3_invalid_toml_names_the_file():
    with pytest.raises(ConfigurationError, match="test plugins.toml"):
        config_of("[plugins.voice\n")


def test_ch3_a_plugin_that_fails_to_load_stops_start_up_naming_it():
    import importlib.metadata

    broken = importlib.metadata.EntryPoint(name="broken", value="backline_broken_plugin", group="backline")
    config = ConfigFile(plugins={"broken": PluginEntry("broken", True, {})})
    with pytest.raises(ConfigurationError, match="Plugin 'broken' failed to load"):
        load_plugins(config, {"broken": broken})


def test_register_channels_hook_receives_the_plugin_options_and_may_register_a_new_channel():
    seen: dict = {}

    class Pager(Channel):
        name = "pager"
        display_name = "Pager"
        capabilities = Capabilities(operations=frozenset({Operation.TRANSFER}), capacity=2)
        option_names = Channel.option_names | {"gateway"}

    plugin = types.ModuleType("pager")

    @hookimpl
    def register_channels(options):
        seen.update(options)
        return [Pager()]

    plugin.register_channels = register_channels
    config = ConfigFile(plugins={"pager": PluginEntry("pager", True, {"gateway": "gw1", "capacity": 4})})
    pm, channels = load_plugins(config, {"pager": plugin})
    assert seen == {"gateway": "gw1", "capacity": 4}
    assert channels.get("pager").capabilities.capacity == 4
    assert pm.get_plugin("pager") is plugin


def test_a_plugin_returning_something_else_than_a_channel_is_refused():
    plugin = types.ModuleType("odd")
    plugin.register_channels = hookimpl(lambda options: ["not a channel"])
    config = ConfigFile(plugins={"odd": PluginEntry("odd", True, {})})
    with pytest.raises(ConfigurationError, match="Plugin 'odd'"):
        load_plugins(config, {"odd": plugin})


def test_ch3_the_server_refuses_to_start_with_a_broken_configuration(tmp_path, database_url):
    bad = tmp_path / "plugins.toml"
    bad.write_text("[plugins.nosuchplugin]\n")
    result = subprocess.run(
        [sys.executable, "-m", "schema.cli", "serve"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={"BACKLINE_PLUGINS_FILE": str(bad), "BACKLINE_DATABASE_URL": database_url,
             "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "Plugin 'nosuchplugin' is enabled in plugins.toml but not installed" in result.stderr


class _Recorder(Channel):
    """A third-party channel that keeps what it was started with, and uses it as a channel
    does: it reads an agent's presence through the store and the presence service."""

    name = "recorder"
    capabilities = Capabilities(operations=frozenset(), capacity=1)
    given = None
    presence_seen = None

    async def start(self, services) -> None:
        type(self).given = services
        async with services.store.read() as session:
            type(self).presence_seen = await services.presence.presence_of(session, [1])


class _RecorderPlugin:
    @hookimpl
    def register_channels(self, options):
        return [_Recorder()]


async def test_ch3_a_channel_starts_with_the_services_it_may_use_not_the_whole_runtime(settings, clock):
    from core.channel_services import ChannelServices
    from core.runtime import Backline

    app = Backline(settings, config_of("[plugins.voice]\n[plugins.recorder]\n"), clock=clock,
                   plugins={**installed_plugins(), "recorder": _RecorderPlugin()})
    await app.start()
    try:
        services = _Recorder.given
        assert type(services) is ChannelServices
        assert (services.store, services.clock, services.bus, services.interactions, services.presence,
                services.timeouts, services.transcripts) == (
            app.store, app.clock, app.bus, app.interactions, app.presence, app.timeouts, app.transcripts)
        for beyond in ("settings", "identity", "supervision", "directory", "messages", "voicemail", "channels"):
            assert not hasattr(services, beyond), beyond
        assert _Recorder.presence_seen is not None
    finally:
        await app.stop()
