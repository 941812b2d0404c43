"""The static leaderboard page: one self-contained HTML file (inline CSS, JS and data; no network to view it)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from leaderboard.entries import BOARDS, PROTOCOLS
from leaderboard.grid import Grid, grids
from leaderboard.readme import BOARD_TEXT, EMPTY_TEXT
from leaderboard.tables import (
    RANKING_METRIC,
    SECOND_METRIC,
    SHOTS_ORDER,
    Row,
    decimals,
    higher_is_better,
    metric_columns,
    metric_label,
    shots_title,
)
from microsr_bench.data.cards import DATASET_NAMES

__all__ = ["SCRIPTS", "page_payload", "render_page"]

#: The page script's parts, joined in this order inside one function in template.html (they share its scope).
SCRIPTS = ("page.js", "grid.js", "plot.js")


def _asset(name: str) -> str:
    return resources.files("leaderboard").joinpath(f"site/{name}").read_text(encoding="utf-8")


def _plain(markdown: str) -> str:
    """Board texts are written for the README; the page shows them as plain text."""
    return markdown.replace("`", "").strip("_")


def _metric(key: str) -> dict[str, Any]:
    from microsr_bench.metrics import get_metric_info

    info = get_metric_info(key.partition("/")[2])
    return {
        "key": key,
        "label": metric_label(key),
        "higher_is_better": higher_is_better(key),
        "decimals": decimals(key),
        "description": info.description,
    }


def _row(row: Row, rank: int, tie: bool) -> dict[str, Any]:
    return {
        "board": row.board,
        "protocol": row.protocol,
        "dataset": row.dataset,
        "shots": row.shots,
        "method": row.method,
        "version": row.version,
        "verified": row.verified,
        "extra_data": row.extra_data,
        # > 0: the values are mean ± sd over this many training seeds, not a 95 % interval
        "seeds": row.seeds,
        "setting": row.setting,
        "seconds_per_image": row.seconds_per_image,
        "rank": rank,
        "tie": tie,
        # the page sits in site/, the entries beside it in entries/
        "link": f"../{row.link}",
        "values": {k: [v.mean, v.low, v.high] for k, v in row.values.items()},
        "info": row.info,
    }


def _grid(grid: Grid) -> dict[str, Any]:
    """A paper-shaped table for the compact view: its columns (each a ranked table's key) and row order."""
    return {
        "board": grid.board,
        "protocol": grid.protocol,
        "dataset": grid.dataset,
        "title": grid.title,
        "columns": [{"table": f"{c.protocol}|{grid.dataset}|{c.shots}", "title": c.title} for c in grid.columns],
        "methods": [f"{method} {version}" for method, version in grid.methods],
    }


def page_payload(
    rows: Sequence[Row], *, footer: str = "", empty_text: Mapping[str, str] = EMPTY_TEXT
) -> dict[str, Any]:
    """The JSON the page renders from: metric metadata, orders, the grids, and every row with its rank and tie mark."""
    columns = metric_columns(rows)
    for key in (SECOND_METRIC, RANKING_METRIC):
        if key not in columns:
            columns.insert(0, key)
    ranked, shapes = [], []
    for grid in grids(rows):  # every ranked table is one column of one grid
        ranked += [_row(x.row, x.rank, x.tie) for column in grid.columns for x in column.ranked]
        shapes.append(_grid(grid))
    return {
        "grids": shapes,
        "ranking": RANKING_METRIC,
        "metrics": [_metric(k) for k in columns],
        "boards": [
            {
                "name": b,
                "title": f"{b.capitalize()} data",
                "text": _plain(BOARD_TEXT[b]),
                "empty": _plain(empty_text[b]),
            }
            for b in BOARDS
        ],
        "protocols": list(PROTOCOLS),
        "datasets": list(DATASET_NAMES),
        "shots": list(SHOTS_ORDER),
        "shot_titles": {s: shots_title("paired", s) for s in SHOTS_ORDER},
        "rows": ranked,
        "footer": footer,
    }


def render_page(rows: Sequence[Row], *, footer: str = "", empty_text: Mapping[str, str] = EMPTY_TEXT) -> str:
    """The whole page. The data goes in a JSON script block, with ``<`` escaped so no text can close it."""
    data = json.dumps(
        page_payload(rows, footer=footer, empty_text=empty_text), ensure_ascii=False, allow_nan=False, sort_keys=True
    )
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    page = _asset("template.html")
    script = "\n".join(_asset(name).strip("\n") for name in SCRIPTS)
    for marker, text in (("/*STYLE*/", _asset("page.css")), ("/*SCRIPT*/", script), ("/*DATA*/", data)):
        page = page.replace(marker, text.strip("\n"), 1)
    return page
