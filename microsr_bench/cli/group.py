"""The click group of every ``microsr-bench`` command group: library errors become one line and exit status 1."""

from __future__ import annotations

from typing import Any

import click

from microsr_bench.errors import MicroSRError


class ErrorReportingGroup(click.Group):
    """Turns every library error into one clear message on stderr and exit status 1, also for a sub-group run
    on its own (without ``main``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MicroSRError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
