"""The hooks a Backline plugin may implement (pluggy project name `backline`).

Hooks are synchronous and return objects; I/O lives in the async methods of what they
return. Every hook here is documented in docs/plugins.md and named by a test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import pluggy

from core import PROJECT_NAME

if TYPE_CHECKING:
    from core.channels import Channel

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def register_channels(options: Mapping[str, Any]) -> "list[Channel] | None":
    """Return the channels this plugin provides.

    `options` is the plugin's table from plugins.toml (without `enabled`). A channel takes
    the options it knows in `Channel.configure`; an unknown option stops start-up with a
    message naming the plugin and the option.
    """
