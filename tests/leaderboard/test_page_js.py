"""The page's plot ticks (``niceTicks`` in leaderboard/site/plot.js), run in node: they end for any finite range.

An entry with NIQE 1e20 once sent the tick loop into an endless loop (a step below the spacing of doubles near
1e20 never moved it). Each case runs in a node subprocess with a timeout, so a hang fails the test instead of
hanging the suite. Expected ticks are worked out by hand from the "nice step" rule (1, 2, 2.5, 5 x 10^n).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources

import pytest

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed; the page's JS cannot be run here")


def _nice_ticks_source() -> str:
    page = resources.files("leaderboard").joinpath("site/plot.js").read_text(encoding="utf-8")
    match = re.search(r"^  function niceTicks\(.*?^  }$", page, flags=re.S | re.M)
    assert match, "niceTicks not found in plot.js"
    return match.group(0)


def _ticks(cases: list[list[float]]) -> list[list[float]]:
    script = _nice_ticks_source() + f"\nconsole.log(JSON.stringify({json.dumps(cases)}.map((c) => niceTicks(...c))));"
    done = subprocess.run([str(NODE), "-e", script], capture_output=True, text=True, timeout=20, check=True)
    result: list[list[float]] = json.loads(done.stdout)
    return result


def test_ticks_of_an_ordinary_range():
    # span 1 over 5 ticks: step0 0.2 -> nice step 0.2; first tick ceil(0/0.2)*0.2 = 0
    assert _ticks([[0, 1, 5]]) == [[0, 0.2, 0.4, 0.6, 0.8, 1]]


@pytest.mark.parametrize(
    "case",
    [
        [0, 1e20, 5],  # NIQE 1e20 beside ordinary values
        [1e20, 1e20 + 16384, 5],  # a range of one double's spacing at 1e20: the old loop never ended
        [1e-20, 2e-20, 5],  # tiny range
        [1e-20, 1e-20, 5],  # equal min and max, tiny
        [7.5, 7.5, 5],  # equal min and max
        [-30, -10, 5],  # negative
        [-1e308, 1e308, 5],  # the span overflows to Infinity
        [5, 1, 5],  # reversed
    ],
)
def test_ticks_end_and_stay_in_range(case):
    (ticks,) = _ticks([case])
    lo, hi = min(case[:2]), max(case[:2])
    assert len(ticks) <= 2 * case[2] + 3  # the loop's own bound
    assert ticks == sorted(ticks) and len(set(ticks)) == len(ticks)
    span = hi - lo if hi > lo else abs(hi) or 1
    assert all(lo - span <= t <= hi + span for t in ticks)


def test_equal_bounds_and_negative_ranges_give_their_ticks():
    # -30..-10: step0 4 -> nice step 5, ticks from ceil(-30/5)*5 = -30; 7.5..7.5: span |7.5|, step 2 from 8 > 7.5
    assert _ticks([[-30, -10, 5], [7.5, 7.5, 5]]) == [[-30, -25, -20, -15, -10], []]


def test_non_finite_input_gives_no_ticks():
    assert _ticks([[0, None, 5]]) == [[]]  # JSON has no NaN; null stands for a value that is not a number
