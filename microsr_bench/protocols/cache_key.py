"""What identifies an evaluation's result, by content: the method's code, its weights, the protocol, the data.

A cached result is reused only when every part matches. Paths are never part of the key: editing the
``module:attr`` code or replacing a weights file under the same name gives a different key, and moving
an unchanged weights file does not.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from microsr_bench._version import __version__
from microsr_bench.protocols.method import MethodOptions, registered_methods
from microsr_bench.protocols.protocols import Protocol

#: Bytes read at a time when hashing weights.
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def weights_digest(path: Path | None) -> str | None:
    """sha256 of a weights file (of every file, by relative name, for a folder); ``missing`` if absent."""
    if path is None:
        return None
    path = Path(path).expanduser()
    if path.is_file():
        return f"sha256:{file_sha256(path)}"
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        listing = "\n".join(f"{p.relative_to(path).as_posix()} {file_sha256(p)}" for p in files)
        return f"sha256-dir:{hashlib.sha256(listing.encode()).hexdigest()}"
    return "missing"


def _module_file(module_name: str) -> Path | None:
    module = sys.modules.get(module_name)
    if module is None:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return None
    try:
        source = inspect.getsourcefile(module)
    except TypeError:  # a built-in or C extension module has no source
        return None
    return Path(source) if source else None


def source_digest(module_names: list[str]) -> dict[str, str]:
    """sha256 of the source file of each module (``unavailable`` where there is none, e.g. a C extension)."""
    digests = {}
    for name in sorted(set(module_names)):
        file = _module_file(name)
        digests[name] = f"sha256:{file_sha256(file)}" if file is not None and file.is_file() else "unavailable"
    return digests


def method_identity(spec: str, instance: object) -> dict[str, Any]:
    """The method by content: the source of the module(s) that define it, its version and parameters."""
    modules = [type(instance).__module__]
    entry = None
    if ":" in spec:
        modules.append(spec.partition(":")[0])
    else:
        point = registered_methods().get(spec)
        entry = point.value if point is not None else None
        if entry:
            modules.append(entry.partition(":")[0])
    return {
        "spec": spec,
        "entry_point": entry,
        "source": source_digest(modules),
        "version": getattr(instance, "version", None),
        "parameters": getattr(instance, "parameters", None),
    }


def cache_key(
    spec: str, instance: object, options: MethodOptions, protocol: Protocol, data: dict[str, Any]
) -> dict[str, Any]:
    """Everything that determines a result: method code and weights, options, protocol, data and its origin.

    ``data`` holds the fingerprints of what is trained on and scored plus the data's ``source`` and ``size``.
    """
    return {
        "method": method_identity(spec, instance),
        "options": {
            "budget": options.budget,
            "seed": options.seed,
            "weights": weights_digest(options.weights),
            "extra": options.extra,
        },
        "protocol": {"id": protocol.id, "name": protocol.name, "parameters": protocol.parameters},
        "data": data,
        "library_version": __version__,
    }


def key_hash(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
