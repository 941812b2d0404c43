"""Command plug-ins (microsr_bench/cli/plugins.py): baselines and leaderboard add their commands through the
``microsr_bench.commands`` entry points; a broken plug-in is one line on stderr, never a traceback."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import microsr_bench.cli.plugins as plugins
from microsr_bench.cli import main
from microsr_bench.cli.plugins import ENTRY_POINT_GROUP, PluginGroup

SETUP_CFG = Path(__file__).resolve().parents[2] / "setup.cfg"


def _declared() -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(SETUP_CFG)
    lines = parser["options.entry_points"][ENTRY_POINT_GROUP].strip().splitlines()
    return {name.strip(): value.strip() for name, value in (line.split("=", 1) for line in lines)}


@click.command("hello")
def hello() -> None:
    """A plug-in command for the tests."""
    click.echo("hello from a plug-in")


NOT_A_COMMAND = 42


def _group(monkeypatch: pytest.MonkeyPatch, points: dict[str, str]) -> PluginGroup:
    """A fresh group with one built-in command (``score``) and ``points`` as its entry points."""
    fake = [EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in points.items()]
    monkeypatch.setattr(plugins, "entry_points", lambda group: [p for p in fake if p.group == group])
    group = PluginGroup(name="microsr-bench")
    group.add_command(click.Command("score", callback=lambda: click.echo("built-in score")))
    return group


def test_setup_cfg_plugs_in_the_commands_of_baselines_and_leaderboard() -> None:
    # The four commands DESIGN.md lists above the library; installed metadata must agree (else: pip install -e .).
    declared = _declared()
    assert declared == {
        "train": "baselines.cli:train_cmd",
        "predict": "baselines.cli:predict_cmd",
        "reproduce": "baselines.paper.cli:reproduce_cmd",
        "leaderboard": "leaderboard.cli:leaderboard",
    }
    installed = {p.name: p.value for p in plugins.entry_points(group=ENTRY_POINT_GROUP) if p.name in declared}
    assert installed == declared, "the installed metadata predates setup.cfg: run `pip install -e .`"
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in declared:
        assert f"\n  {name} " in result.output


def test_a_plugin_command_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    group = _group(monkeypatch, {"hello": f"{__name__}:hello"})
    result = CliRunner().invoke(group, ["hello"])
    assert (result.exit_code, result.output) == (0, "hello from a plug-in\n")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("no_such_package_for_microsr.cli:group", r"loading it failed \(ModuleNotFoundError: No module named"),
        (f"{__name__}:no_such_attribute", r"loading it failed \(AttributeError: "),
        (f"{__name__}:NOT_A_COMMAND", "it is an object of type int, not a click command"),
    ],
)
def test_a_broken_plugin_is_one_line_and_costs_only_its_own_command(
    monkeypatch: pytest.MonkeyPatch, value: str, reason: str
) -> None:
    group = _group(monkeypatch, {"broken": value, "hello": f"{__name__}:hello"})
    runner = CliRunner()
    ok = runner.invoke(group, ["score"])
    assert ok.exit_code == 0 and ok.stdout == "built-in score\n"
    warning = ok.stderr.strip()
    assert "\n" not in warning and "Traceback" not in warning
    assert warning.startswith("Warning: the command 'broken' (entry point microsr_bench.commands: broken = ")
    assert re.search(reason, warning), warning
    assert warning.endswith(
        "Reinstall the package that provides it (in a checkout: pip install -e .), or uninstall it."
    )
    assert runner.invoke(group, ["hello"]).exit_code == 0
    failed = runner.invoke(group, ["broken"])
    assert failed.exit_code == 2 and "Traceback" not in failed.output
    assert "Error: The command 'broken'" in failed.stderr and "is unavailable" in failed.stderr


def test_a_plugin_cannot_replace_a_built_in_command(monkeypatch: pytest.MonkeyPatch) -> None:
    group = _group(monkeypatch, {"score": f"{__name__}:hello"})
    result = CliRunner().invoke(group, ["score"])
    assert result.stdout == "built-in score\n"
    assert "the command 'score'" in result.stderr and "another command already has that name" in result.stderr


def test_help_with_the_plugins_stays_cheap() -> None:
    # Listing the commands loads every plug-in's module; none may pull in torch or datasets at import.
    code = (
        "import sys; from click.testing import CliRunner; from microsr_bench.cli import main; "
        "r = CliRunner().invoke(main, ['--help']); assert 'reproduce' in r.output, r.output; "
        "print('datasets' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
