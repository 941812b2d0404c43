"""The ``microsr-bench`` command: a click group whose commands are thin calls into the library.

One module per command group: ``data`` (datasets, prepare, push-to-hub, show), ``realism``, ``score``,
``compare`` and ``protocols`` (evaluate). The commands of the packages above the library (``train``, ``predict``,
``reproduce``, ``leaderboard``) are not imported here: they plug in through the ``microsr_bench.commands``
entry points (``plugins``).
"""

from __future__ import annotations

import warnings

import click

from microsr_bench._version import __version__
from microsr_bench.cli.group import ErrorReportingGroup
from microsr_bench.cli.plugins import PluginGroup

__all__ = ["ErrorReportingGroup", "main"]


def _warning_to_stderr(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    click.echo(f"Warning: {message}", err=True)


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="microsr-bench")
def main() -> None:
    """Benchmark for super-resolving and denoising video-rate fluorescence microscope images."""
    warnings.showwarning = _warning_to_stderr


def _register_commands() -> None:
    # The commands of baselines and leaderboard are not here: they plug in through entry points (plugins.py).
    from microsr_bench.cli.compare import compare_cmd
    from microsr_bench.cli.data import datasets_cmd, prepare_cmd, push_to_hub_cmd, show_cmd
    from microsr_bench.cli.protocols import evaluate_cmd
    from microsr_bench.cli.realism import realism_cmd
    from microsr_bench.cli.score import score_cmd

    commands = (datasets_cmd, prepare_cmd, push_to_hub_cmd, show_cmd, realism_cmd, score_cmd, compare_cmd, evaluate_cmd)
    for command in commands:
        main.add_command(command)


_register_commands()
