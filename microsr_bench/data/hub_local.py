"""The hub layout in a local folder (``push-to-hub --local-dir``): which folder may be (re)written, and how.

A local layout replaces only what this library wrote: a folder is ours when it holds the marker file
``.microsr-bench-hub.json`` and nothing but the layout's own entries, so ``--overwrite`` can never delete a
user's files, and nothing is ever merged into an older layout (a stale ``<NAME>/`` of a sub-dataset no longer
published would otherwise be loaded with the new card). The new layout is built in a hidden sibling and renamed
into place, so a failure or a kill leaves either the old folder or the new one, never a mixture.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.diskspace import disk_full_as_error
from microsr_bench.errors import OutputError

#: The marker file of a folder this library wrote; never uploaded (``push_to_hub`` writes without it).
HUB_MARKER = ".microsr-bench-hub.json"
_WRITTEN_BY = "microsr-bench push-to-hub"
#: Every entry a layout may hold (the marker, the card, the manifests and each sub-dataset's two configs).
_LAYOUT_ENTRIES = frozenset(
    {HUB_MARKER, "README.md", "manifests", *DATASET_NAMES, *(f"{name}_hr" for name in DATASET_NAMES)}
)


def is_hub_layout_folder(path: Path) -> bool:
    """Whether ``path`` is a hub layout this library wrote (the marker), holding nothing else."""
    try:
        marker = json.loads((path / HUB_MARKER).read_text())
        entries = {p.name for p in path.iterdir()}
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(marker, dict) and marker.get("written_by") == _WRITTEN_BY and entries <= _LAYOUT_ENTRIES


def check_local_dir(out: Path, *, overwrite: bool) -> None:
    """Refuse ``--local-dir out`` before any data is loaded if writing there could lose or merge files.

    Accepted: a new path, an empty folder, or (with ``overwrite``) a layout this library wrote. Refused: a file,
    the current folder or one above it, a non-empty folder without the marker (also with ``overwrite``).
    """
    resolved = out.expanduser().resolve()
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents:
        raise OutputError(
            f"--local-dir {out} is the current folder or one above it; the layout replaces the folder it is "
            "written to. Give a new folder, e.g. --local-dir hub-layout."
        )
    if resolved.exists() and not resolved.is_dir():
        raise OutputError(f"--local-dir {out} is an existing file, not a folder. Give a new folder name.")
    if not resolved.is_dir() or not any(resolved.iterdir()):
        return
    if not is_hub_layout_folder(resolved):
        raise OutputError(
            f"--local-dir {out} is not empty and is not a hub layout written by microsr-bench ({_why_not(resolved)})."
            " It is left alone, also with --overwrite: give a new or empty folder."
        )
    if not overwrite:
        raise OutputError(
            f"--local-dir {out} already holds a hub layout written by microsr-bench; pass --overwrite to replace "
            "it (it is replaced whole, never merged), or give another --local-dir."
        )


def _why_not(folder: Path) -> str:
    """What makes ``folder`` not ours: the missing marker, or the entries a layout never holds."""
    strangers = sorted(p.name for p in folder.iterdir() if p.name not in _LAYOUT_ENTRIES)
    if strangers:
        shown = ", ".join(strangers[:5]) + (f" and {len(strangers) - 5} more" if len(strangers) > 5 else "")
        return f"it holds {shown}, which no layout has"
    return f"no valid {HUB_MARKER} marker"


def write_local_dir(out: Path, write: Callable[[Path], None], *, overwrite: bool) -> Path:
    """Check ``out``, run ``write`` into a hidden sibling, add the marker, then rename it into place."""
    from microsr_bench.scoring.folders import remove_stale_temps, temp_sibling

    check_local_dir(out, overwrite=overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out.parent, stem=out.name)  # a killed earlier run's half-written layout
    tmp, old = temp_sibling(out), temp_sibling(out, "old")
    try:
        with disk_full_as_error("the hub layout", out, hint="or give a --local-dir on a disk with more space"):
            tmp.mkdir()
            write(tmp)
            (tmp / HUB_MARKER).write_text(json.dumps({"written_by": _WRITTEN_BY}) + "\n")
            if out.is_dir():
                out.rename(old)  # the checked old layout (or an empty folder) steps aside only now
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return out
