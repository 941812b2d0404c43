"""Where a score is written and how: the result JSON and its per-image CSV as one pair, all or nothing.

Rules (docs/scoring.md, "Outputs"):

- ``--out`` names a ``.json`` file, or an existing folder (``--out DIR/`` writes ``DIR/<PRED_DIR>-results.json``);
  the CSV goes beside the JSON with the suffix ``.csv``.
- Neither file may lie inside the prediction folder: it would replace the folder's own ``predictions.json`` or
  a prediction, and make the folder fail validation the next time.
- An existing result is replaced only when asked (``overwrite``). The JSON is the pair's commit mark: it is
  renamed into place last, so a JSON on disk always has its CSV beside it. A CSV without its JSON is what an
  interrupted write leaves; it is replaced without asking when it looks like a per-image CSV of ours.
- Both files are written to temporary names in the target folder first (``.<name>.<pid>.<random>.tmp``), then
  renamed; on any error the temporary files are removed and nothing new is left. Temporary files of processes
  that no longer run (a killed ``score``) are removed by the next write to the same place.
- A full disk (or quota) becomes one :class:`~microsr_bench.errors.OutputError` saying where and how to fix it.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
import uuid
from pathlib import Path

from microsr_bench.errors import DiskFullError, OutputError

#: Test hook: seconds to sleep between writing the temporary files and renaming them (kill tests only).
PAUSE_ENV = "_MICROSR_BENCH_PAUSE_BEFORE_COMMIT"
#: The first columns of every per-image CSV the scorer writes (how an orphaned one is recognised).
CSV_HEADER = "dataset,id,hr_id"
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def result_paths(out: str | Path | None, pred_dir: str | Path | None = None) -> tuple[Path, Path]:
    """The (JSON, CSV) pair for ``out``; default ``<PRED_DIR>-results.json`` beside the prediction folder.

    Raises OutputError for an ``out`` that is not a ``.json`` file or an existing folder, or that lies inside
    ``pred_dir``.
    """
    pred = Path(pred_dir).resolve() if pred_dir is not None else None
    if out is None:
        if pred is None:
            raise OutputError("no output path: give out (a .json file) or the prediction folder it belongs to.")
        json_path = pred.with_name(f"{pred.name}-results.json")
    else:
        json_path = Path(out)
        if json_path.is_dir() or str(out).endswith(("/", os.sep)):
            stem = pred.name if pred is not None else "score"
            json_path = json_path / f"{stem}-results.json"
        if json_path.suffix.lower() != ".json":
            raise OutputError(
                f"--out {out}: expected a .json file name (the per-image CSV goes beside it as .csv) or an "
                f"existing folder, got a {json_path.suffix or 'suffix-less'} name; e.g. --out {json_path.stem}.json"
            )
    csv_path = json_path.with_suffix(".csv")
    blocked = next((a for a in json_path.parents if a.exists() or a.is_symlink()), None)
    if blocked is not None and not blocked.is_dir():
        raise OutputError(
            f"--out {out}: {blocked} is a file, not a folder, so {json_path.name} cannot be written under it; "
            "choose another --out."
        )
    for path in (json_path, csv_path):
        if pred is not None and _inside(path, pred):
            raise OutputError(
                f"--out {out}: {path} lies inside the prediction folder {pred}, where it would replace the folder's "
                "own files or make it fail validation next time; write the result outside it (the default is "
                f"{pred.name}-results.json beside the folder)"
            )
        if path.is_dir():
            raise OutputError(f"{path} is a folder; the result needs that name for a file. Choose another --out.")
    return json_path, csv_path


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _is_our_csv(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            first = handle.readline(256)
    except OSError:
        return False
    return first.decode("utf-8", "replace").startswith(CSV_HEADER) or first == b""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _remove_stale_temps(folder: Path, names: tuple[str, ...]) -> None:
    """Remove ``.<name>.<pid>.<random>.tmp`` files left by processes that no longer run."""
    for name in names:
        for tmp in folder.glob(f".{name}.*.tmp"):
            pid_text = tmp.name[len(name) + 2 :].split(".")[0]
            if pid_text.isdigit() and not _pid_alive(int(pid_text)):
                tmp.unlink(missing_ok=True)


def _write_temp(path: Path, data: bytes) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)  # a disk that fills mid-write leaves the created file behind otherwise
        raise
    return tmp


def _refuse_existing(json_path: Path, csv_path: Path, overwrite: bool) -> None:
    if overwrite:
        return
    if json_path.exists():
        raise OutputError(
            f"{json_path} already exists (an earlier result); nothing was written. Pass --overwrite (API: "
            "overwrite=True) to replace it and its CSV, or choose another --out."
        )
    if csv_path.exists() and not _is_our_csv(csv_path):
        raise OutputError(
            f"{csv_path} already exists and is not a per-image CSV of microsr-bench; nothing was written. Move it, "
            "pass --overwrite (API: overwrite=True), or choose another --out."
        )


def _as_output_error(exc: OSError, path: Path, size: int) -> OutputError:
    if exc.errno in _DISK_FULL:
        try:
            free = f"{shutil.disk_usage(path.parent).free} bytes free"
        except OSError:
            free = "free space unknown"
        return DiskFullError(
            f"no space left on the device holding {path.parent} ({free}; this result needs {size} bytes) while "
            f"writing {path.name}; nothing was written. Free some space there, or choose --out on another disk.",
            errno_code=exc.errno or errno.ENOSPC,
        )
    return OutputError(
        f"cannot write {path} ({exc.strerror or exc}); nothing was written. Check that {path.parent} is a "
        "writable folder, or choose another --out."
    )


def write_pair(json_path: Path, csv_path: Path, json_text: str, csv_text: str, *, overwrite: bool = False) -> None:
    """Write the CSV and the JSON as one pair: temporary files, then renames, the JSON last (module docstring)."""
    _refuse_existing(json_path, csv_path, overwrite)
    json_bytes, csv_bytes = json_text.encode("utf-8"), csv_text.encode("utf-8")
    size = len(json_bytes) + len(csv_bytes)
    temps: list[Path] = []
    current = json_path
    try:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(json_path.parent, (json_path.name, csv_path.name))
        current = csv_path
        temps.append(_write_temp(csv_path, csv_bytes))
        current = json_path
        temps.append(_write_temp(json_path, json_bytes))
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            time.sleep(float(pause))
        # An old JSON goes first: a JSON on disk must never sit beside a CSV that is not its own.
        json_path.unlink(missing_ok=True)
        temps[0].replace(csv_path)
        temps[1].replace(json_path)
    except OSError as exc:
        raise _as_output_error(exc, current, size) from exc
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
