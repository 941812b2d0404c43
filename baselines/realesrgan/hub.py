"""Where weights files come from: the official release URLs, the offline lookup order, the Hugging Face Hub.

Nothing here downloads implicitly. :func:`locate_weights` only looks on disk (an explicit path, the folder
named by ``$MICROSR_BENCH_WEIGHTS``, ``~/.cache/microsr_bench/weights/``, extra folders such as the torch
hub cache, and the Hugging Face cache for a pinned hub file); :func:`fetch_weights` downloads only when
called, and only at a pinned commit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from microsr_bench.errors import InvalidArgumentError, NotFoundError

__all__ = [
    "KNOWN_FILES",
    "WEIGHTS_ENV",
    "HubFile",
    "KnownFile",
    "default_weights_dir",
    "fetch_weights",
    "locate_weights",
    "missing_weights_error",
    "push_weights",
    "weights_search_dirs",
]

#: Environment variable naming a folder of weights files; searched before the default cache folder.
WEIGHTS_ENV = "MICROSR_BENCH_WEIGHTS"

_COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class KnownFile:
    """A published weights file this package knows how to use, and where it is published."""

    #: File name as published (and as looked up on disk).
    filename: str
    #: Download address of the original release asset.
    url: str
    #: What the file holds.
    description: str
    #: SHA-256 of the release asset where it is independently published, else None.
    sha256: str | None = None
    #: Size in bytes where known, else None.
    size: int | None = None


#: Files looked up by name; the URLs are the official release assets (Real-ESRGAN README, "Model Zoo").
KNOWN_FILES: MappingProxyType[str, KnownFile] = MappingProxyType(
    {
        "RealESRGAN_x2plus.pth": KnownFile(
            filename="RealESRGAN_x2plus.pth",
            url="https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.1/RealESRGAN_x2plus.pth",
            description="official Real-ESRGAN x2 generator (RRDBNet, 3 channels), key 'params_ema'",
            sha256="49fafd45f8fd7aa8d31ab2a22d14d91b536c34494a5cfe31eb5d89c2fa266abb",
            size=67_061_725,
        ),
        "RealESRGAN_x2plus_netD.pth": KnownFile(
            filename="RealESRGAN_x2plus_netD.pth",
            url="https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.2.3/RealESRGAN_x2plus_netD.pth",
            description="official Real-ESRGAN x2 discriminator (UNetDiscriminatorSN, 3 channels), key 'params'",
        ),
        "vgg19-dcbb9e9d.pth": KnownFile(
            filename="vgg19-dcbb9e9d.pth",
            url="https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
            description="torchvision's ImageNet VGG19, used by the perceptual loss",
        ),
    }
)


@dataclass(frozen=True)
class HubFile:
    """A file in a Hugging Face model repository, pinned to one commit."""

    #: Repository id, e.g. ``"org/microsr-bench-resrgan"``.
    repo_id: str
    #: Path of the file inside the repository.
    filename: str
    #: Full 40-character commit sha; branch names move, so they are refused.
    revision: str

    def __post_init__(self) -> None:
        _check_revision(self.revision)


def _check_revision(revision: object) -> None:
    if not isinstance(revision, str) or not _COMMIT_SHA.match(revision):
        raise InvalidArgumentError(
            f"Hub revision must be a full 40-character commit sha, got {revision!r}. Branch names such as "
            "'main' move; pin the commit shown on the repository's history page (or returned by push_weights)."
        )


def default_weights_dir() -> Path:
    """The default folder for weights files: ``~/.cache/microsr_bench/weights``."""
    return Path.home() / ".cache" / "microsr_bench" / "weights"


def weights_search_dirs() -> list[Path]:
    """Folders searched for weights by name, in order: ``$MICROSR_BENCH_WEIGHTS`` (when set), the default."""
    dirs = []
    env = os.environ.get(WEIGHTS_ENV)
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(default_weights_dir())
    return dirs


def missing_weights_error(filename: str, tried: Sequence[str | Path]) -> NotFoundError:
    """Build the error for a missing weights file: what was looked for, where, and how to get it."""
    where = "; ".join(str(t) for t in tried) or "nowhere"
    target = weights_search_dirs()[0]
    known = KNOWN_FILES.get(filename)
    if known is not None:
        how = (
            f"Download it ({known.description}) from {known.url} and put it in {target} "
            f"(e.g. `mkdir -p {target} && curl -L -o {target / filename} {known.url}`), set ${WEIGHTS_ENV} to the "
            "folder that holds it, or pass its path explicitly."
        )
    else:
        how = (
            f"Put it in {target}, set ${WEIGHTS_ENV} to the folder that holds it, pass its path explicitly, or "
            "download it from the Hugging Face Hub with fetch_weights(repo_id, filename, revision=<commit sha>)."
        )
    return NotFoundError(f"Weights file {filename!r} was not found (looked in: {where}). {how}")


def _from_hf_cache(hub: HubFile) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(hub.repo_id, hub.filename, revision=hub.revision)
    # try_to_load_from_cache returns a path string on a hit, None or a "known missing" sentinel otherwise.
    return Path(found) if isinstance(found, str) else None


def locate_weights(
    filename: str,
    *,
    path: str | os.PathLike[str] | None = None,
    extra_dirs: Sequence[str | os.PathLike[str]] = (),
    hub: HubFile | None = None,
) -> Path:
    """Find a weights file on disk, offline, and return its path.

    Order: ``path`` when given (a file, or a folder holding ``filename``; a given path that does not
    exist is an error rather than a reason to look elsewhere), then ``$MICROSR_BENCH_WEIGHTS``, then
    ``~/.cache/microsr_bench/weights``, then each of ``extra_dirs``, then the Hugging Face cache entry of
    ``hub`` (a pinned commit) when given.

    Raises:
        NotFoundError: nothing found; the message names the file, every place looked, the download URL
            for known files and the folder to put it in.
    """
    if path is not None:
        given = Path(path).expanduser()
        candidate = given / filename if given.is_dir() else given
        if candidate.is_file():
            return candidate
        raise missing_weights_error(filename, [candidate])
    tried: list[str | Path] = []
    for folder in [*weights_search_dirs(), *(Path(d).expanduser() for d in extra_dirs)]:
        candidate = folder / filename
        if candidate.is_file():
            return candidate
        tried.append(candidate)
    if hub is not None:
        cached = _from_hf_cache(hub)
        if cached is not None and cached.is_file():
            return cached
        tried.append(f"Hugging Face cache for {hub.repo_id}/{hub.filename}@{hub.revision[:12]}")
    raise missing_weights_error(filename, tried)


def fetch_weights(
    repo_id: str,
    filename: str,
    *,
    revision: str,
    cache_dir: str | os.PathLike[str] | None = None,
    local_files_only: bool = False,
) -> Path:
    """Download (or reuse from the Hugging Face cache) one file of a model repository at a pinned commit.

    This is the only function in the package that downloads weights, and only when called. It wraps
    :func:`huggingface_hub.hf_hub_download`; ``revision`` must be a full commit sha so that a result
    can always be traced to the exact weights.

    Raises:
        InvalidArgumentError: ``revision`` is not a 40-character commit sha.
        NotFoundError: the repository, revision or file does not exist, or (offline) is not cached.
    """
    _check_revision(revision)
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"{repo_id}/{filename}@{revision}"
    try:
        local = hf_hub_download(
            repo_id=repo_id,
            filename=filename,
            revision=revision,
            cache_dir=None if cache_dir is None else str(cache_dir),
            local_files_only=local_files_only,
        )
    except LocalEntryNotFoundError as err:
        raise NotFoundError(
            f"{where} is not in the Hugging Face cache and could not be downloaded ({err}). Connect to the "
            "network once, or copy the file into the weights folder and use locate_weights."
        ) from err
    except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as err:
        raise NotFoundError(
            f"{where} does not exist on the Hugging Face Hub ({type(err).__name__}). Check the repository id, "
            "the commit sha and the file name (and your token for a private repository)."
        ) from err
    return Path(str(local))


class _Uploader(Protocol):
    """What :func:`push_weights` needs of ``huggingface_hub.HfApi``."""

    def upload_file(
        self,
        *,
        path_or_fileobj: str,
        path_in_repo: str,
        repo_id: str,
        repo_type: str | None,
        revision: str | None,
        commit_message: str | None,
    ) -> Any: ...


def push_weights(
    path: str | os.PathLike[str],
    repo_id: str,
    *,
    path_in_repo: str | None = None,
    revision: str | None = None,
    commit_message: str | None = None,
    token: str | None = None,
    api: _Uploader | None = None,
) -> str:
    """Upload a weights file to a Hugging Face model repository and return the new commit sha.

    Pin that sha in :func:`fetch_weights` / :class:`HubFile`. ``api`` defaults to
    ``huggingface_hub.HfApi(token=token)``; tests pass a fake.

    Raises:
        NotFoundError: ``path`` is not a file.
    """
    source = Path(path)
    if not source.is_file():
        raise NotFoundError(f"Cannot push {source}: no such file. Save the weights first (save_weights).")
    uploader: _Uploader
    if api is None:
        from huggingface_hub import HfApi

        uploader = HfApi(token=token)
    else:
        uploader = api
    info = uploader.upload_file(
        path_or_fileobj=str(source),
        path_in_repo=path_in_repo or source.name,
        repo_id=repo_id,
        repo_type="model",
        revision=revision,
        commit_message=commit_message or f"Upload {source.name} (microsr-bench)",
    )
    return str(getattr(info, "oid", info))
