"""The test suite never writes into the user's data cache (issue 10): it gets its own for the session."""

from __future__ import annotations

import os
import subprocess
import sys

from microsr_bench.data import default_cache_dir, load_benchmark
from tests.conftest import USER_CACHE, USER_CACHE_AT_START, snapshot


def test_the_default_cache_is_the_sessions_private_folder(isolated_cache):
    assert default_cache_dir() == isolated_cache
    assert default_cache_dir().resolve() != USER_CACHE.resolve()


def test_loading_without_a_cache_dir_leaves_the_users_cache_untouched(isolated_cache):
    load_benchmark("MEM", source="simulated", size="tiny", progress=False)
    assert (isolated_cache / "simulated").is_dir()  # it went to the session's cache ...
    # ... also from a subprocess, which inherits the environment
    code = "from microsr_bench.data import default_cache_dir; print(default_cache_dir())"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    assert printed.stdout.strip() == str(isolated_cache)
    assert snapshot(USER_CACHE) == USER_CACHE_AT_START  # ... and not a file of the user's cache changed
