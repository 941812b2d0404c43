"""Commands other packages plug into ``microsr-bench`` through the ``microsr_bench.commands`` entry points.

``microsr_bench`` never imports the packages above it (``baselines``, ``leaderboard``): they declare their
click commands in their own distribution's metadata, e.g. in setup.cfg::

    [options.entry_points]
    microsr_bench.commands =
        train = baselines.cli:train_cmd

and the ``microsr-bench`` group loads them the first time it lists or looks up a command (so that
``import microsr_bench.cli`` stays cheap). A plug-in that cannot be loaded costs its own commands only: it
is reported in one line on stderr, and running one of its commands says why it is missing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from importlib.metadata import entry_points

import click

from microsr_bench.cli.group import ErrorReportingGroup

__all__ = ["ENTRY_POINT_GROUP", "BrokenPlugin", "PluginGroup", "load_plugins"]

ENTRY_POINT_GROUP = "microsr_bench.commands"


@dataclass(frozen=True)
class BrokenPlugin:
    """A ``microsr_bench.commands`` entry point that did not give a usable command."""

    #: The entry point's name: the command it was to add.
    name: str
    #: What it points at (``module:attribute``).
    target: str
    #: Why it was not added, in one line.
    reason: str

    def message(self) -> str:
        return (
            f"the command {self.name!r} (entry point {ENTRY_POINT_GROUP}: {self.name} = {self.target}) is "
            f"unavailable: {self.reason}. Reinstall the package that provides it (in a checkout: "
            f"pip install -e .), or uninstall it."
        )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load_plugins(taken: Collection[str]) -> tuple[dict[str, click.Command], list[BrokenPlugin]]:
    """Load every registered command; those that fail, or whose name is in ``taken``, come back as broken.

    Any exception of a plug-in's import is caught on purpose: a broken third-party package must not take
    ``microsr-bench score`` down with it.
    """
    commands: dict[str, click.Command] = {}
    broken: list[BrokenPlugin] = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: (p.name, p.value)):
        if point.name in taken or point.name in commands:
            broken.append(BrokenPlugin(point.name, point.value, "another command already has that name"))
            continue
        try:
            command = point.load()
        except Exception as exc:
            broken.append(BrokenPlugin(point.name, point.value, f"loading it failed ({_one_line(exc)})"))
            continue
        if not isinstance(command, click.Command):
            reason = f"it is an object of type {type(command).__name__}, not a click command"
            broken.append(BrokenPlugin(point.name, point.value, reason))
            continue
        commands[point.name] = command
    return commands, broken


class PluginGroup(ErrorReportingGroup):
    """The ``microsr-bench`` group: its own commands plus those of the ``microsr_bench.commands`` plug-ins."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._broken: dict[str, BrokenPlugin] | None = None

    def _load_plugins(self) -> dict[str, BrokenPlugin]:
        if self._broken is None:
            commands, broken = load_plugins(self.commands)
            for name, command in commands.items():
                self.add_command(command, name)
            self._broken = {plugin.name: plugin for plugin in broken}
            for plugin in broken:
                click.echo(f"Warning: {plugin.message()}", err=True)
        return self._broken

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        broken = self._load_plugins()
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in broken:
            message = broken[cmd_name].message()
            ctx.fail(message[0].upper() + message[1:])
        return command
