"""The static leaderboard page: one self-contained HTML file (inline CSS, JS and data; no network to view it)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from leaderboard.entries import BOARDS, PROTOCOLS
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
    rank_rows,
    shots_title,
)
from microsr_bench.data.cards import DATASET_NAMES

__all__ = ["page_payload", "render_page"]


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
        "setting": row.setting,
        "seconds_per_image": row.seconds_per_image,
        "rank": rank,
        "tie": tie,
        # the page sits in site/, the entries beside it in entries/
        "link": f"../{row.link}",
        "values": {k: [v.mean, v.low, v.high] for k, v in row.values.items()},
        "info": row.info,
    }


def page_payload(
    rows: Sequence[Row], *, footer: str = "", empty_text: Mapping[str, str] = EMPTY_TEXT
) -> dict[str, Any]:
    """The JSON the page renders from: metric metadata, orders, and every row with its rank and tie mark."""
    columns = metric_columns(rows)
    for key in (SECOND_METRIC, RANKING_METRIC):
        if key not in columns:
            columns.insert(0, key)
    ranked = []
    for table in sorted({(r.board, r.protocol, r.dataset, r.shots) for r in rows}):
        group = [r for r in rows if (r.board, r.protocol, r.dataset, r.shots) == table]
        ranked += [_row(x.row, x.rank, x.tie) for x in rank_rows(group, RANKING_METRIC)]
    return {
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
    for marker, text in (("/*STYLE*/", _asset("page.css")), ("/*SCRIPT*/", _asset("page.js")), ("/*DATA*/", data)):
        page = page.replace(marker, text.strip("\n"), 1)
    return page
