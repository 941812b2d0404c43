"""Tests of weights lookup (offline order), fetch from and push to the Hugging Face Hub, without network."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import huggingface_hub
import pytest
from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

from baselines.realesrgan import (
    KNOWN_FILES,
    WEIGHTS_ENV,
    HubFile,
    default_weights_dir,
    fetch_weights,
    locate_weights,
    push_weights,
)
from microsr_bench.errors import InvalidArgumentError, NotFoundError

SHA = "0123456789abcdef0123456789abcdef01234567"
NAME = "RealESRGAN_x2plus.pth"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home directory and no weights env var, so the user's real caches are never touched."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    return tmp_path / "home"


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"w")
    return path


def test_default_dir_is_under_home_cache(home: Path) -> None:
    assert default_weights_dir() == home / ".cache" / "microsr_bench" / "weights"


def test_explicit_path_file_or_folder_wins(home: Path, tmp_path: Path) -> None:
    _touch(default_weights_dir() / NAME)
    explicit = _touch(tmp_path / "mine" / NAME)
    assert locate_weights(NAME, path=explicit) == explicit
    assert locate_weights(NAME, path=explicit.parent) == explicit


def test_explicit_missing_path_is_an_error_not_a_fallback(home: Path, tmp_path: Path) -> None:
    _touch(default_weights_dir() / NAME)
    with pytest.raises(NotFoundError, match=r"not found \(looked in: .*nowhere.pth\)"):
        locate_weights(NAME, path=tmp_path / "nowhere.pth")


def test_env_folder_before_default(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = _touch(default_weights_dir() / NAME)
    assert locate_weights(NAME) == default
    env_file = _touch(tmp_path / "envdir" / NAME)
    monkeypatch.setenv(WEIGHTS_ENV, str(env_file.parent))
    assert locate_weights(NAME) == env_file


def test_extra_dirs_then_hf_cache(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = _touch(tmp_path / "torchhub" / NAME)
    assert locate_weights(NAME, extra_dirs=[extra.parent]) == extra
    cached = _touch(tmp_path / "hf" / "snapshots" / SHA / "g.safetensors")
    calls: list[tuple[Any, ...]] = []

    def fake_cache(repo_id: str, filename: str, revision: str | None = None) -> str:
        calls.append((repo_id, filename, revision))
        return str(cached)

    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", fake_cache)
    hub = HubFile("org/models", "g.safetensors", SHA)
    assert locate_weights("g.safetensors", hub=hub) == cached
    assert calls == [("org/models", "g.safetensors", SHA)]


def test_missing_known_file_names_url_and_folder(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda *a, **k: None)
    hub = HubFile("org/models", NAME, SHA)
    with pytest.raises(NotFoundError) as info:
        locate_weights(NAME, hub=hub)
    message = str(info.value)
    assert "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.1/RealESRGAN_x2plus.pth" in message
    assert str(default_weights_dir()) in message
    assert "Hugging Face cache for org/models/RealESRGAN_x2plus.pth@0123456789ab" in message


def test_missing_netd_names_its_release_asset(home: Path) -> None:
    url = "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.2.3/RealESRGAN_x2plus_netD.pth"
    assert KNOWN_FILES["RealESRGAN_x2plus_netD.pth"].url == url
    with pytest.raises(NotFoundError, match=r"RealESRGAN_x2plus_netD.pth"):
        locate_weights("RealESRGAN_x2plus_netD.pth")


def test_missing_unknown_file_points_to_fetch(home: Path) -> None:
    with pytest.raises(NotFoundError, match=r"'ours.safetensors' was not found .*fetch_weights\(repo_id"):
        locate_weights("ours.safetensors")


@pytest.mark.parametrize("revision", ["main", SHA[:12], SHA.upper(), None])
def test_revision_must_be_a_commit_sha(revision: Any) -> None:
    with pytest.raises(InvalidArgumentError, match=r"must be a full 40-character commit sha"):
        fetch_weights("org/models", "g.safetensors", revision=revision)
    with pytest.raises(InvalidArgumentError, match=r"must be a full 40-character commit sha"):
        HubFile("org/models", "g.safetensors", revision)


def test_fetch_passes_pinned_revision(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def fake_download(**kwargs: Any) -> str:
        seen.update(kwargs)
        return str(tmp_path / "file")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    assert fetch_weights("org/models", "g.safetensors", revision=SHA) == tmp_path / "file"
    assert seen["revision"] == SHA and seen["repo_id"] == "org/models" and seen["filename"] == "g.safetensors"
    assert seen["local_files_only"] is False


def test_fetch_maps_hub_errors_to_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(**kwargs: Any) -> str:
        raise LocalEntryNotFoundError("no connection")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", offline)
    with pytest.raises(NotFoundError, match=r"is not in the Hugging Face cache and could not be downloaded"):
        fetch_weights("org/models", "g.safetensors", revision=SHA, local_files_only=True)

    def missing(**kwargs: Any) -> str:
        raise EntryNotFoundError("404")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", missing)
    with pytest.raises(NotFoundError, match=r"org/models/g.safetensors@0123.* does not exist on the Hugging Face"):
        fetch_weights("org/models", "g.safetensors", revision=SHA)


class FakeApi:
    """Records upload_file calls like huggingface_hub.HfApi and answers with a CommitInfo-like object."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def upload_file(self, **kwargs: Any) -> SimpleNamespace:
        self.calls.append(kwargs)
        return SimpleNamespace(oid=SHA)


def test_push_uploads_and_returns_commit(tmp_path: Path) -> None:
    path = _touch(tmp_path / "resrgan_b_mito.safetensors")
    api = FakeApi()
    commit = push_weights(path, "org/models", path_in_repo="mito/g.safetensors", api=api)
    assert commit == SHA
    assert api.calls == [
        {
            "path_or_fileobj": str(path),
            "path_in_repo": "mito/g.safetensors",
            "repo_id": "org/models",
            "repo_type": "model",
            "revision": None,
            "commit_message": "Upload resrgan_b_mito.safetensors (microsr-bench)",
        }
    ]


def test_push_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"Cannot push .*absent.safetensors: no such file"):
        push_weights(tmp_path / "absent.safetensors", "org/models", api=FakeApi())
