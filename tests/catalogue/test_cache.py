"""The per-user cache of the bundled catalogue: written once, read back equal, rebuilt if broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from citykpi.catalogue import cache
from citykpi.catalogue.loader import DATA_DIR, load_catalogue


def _parts() -> cache.Parts:
    c = load_catalogue()
    return c.framework, c.kpis, c.inputs


def test_cache_is_written_then_read_back_equal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "_cache_dir", lambda: tmp_path)
    built: list[int] = []

    def build() -> cache.Parts:
        built.append(1)
        return _parts()

    first = cache.cached_parts(DATA_DIR, build)
    files = list(tmp_path.glob("catalogue-*.pickle"))
    assert len(files) == 1
    second = cache.cached_parts(DATA_DIR, build)
    assert built == [1]
    assert second[0] == first[0]
    assert second[1] == first[1]
    assert dict(second[2]) == dict(first[2])


def test_an_unreadable_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_cache_dir", lambda: tmp_path)
    cache.cached_parts(DATA_DIR, _parts)
    (entry,) = tmp_path.glob("catalogue-*.pickle")
    entry.write_bytes(b"not a pickle")
    built: list[int] = []

    def build() -> cache.Parts:
        built.append(1)
        return _parts()

    parts = cache.cached_parts(DATA_DIR, build)
    assert built == [1]
    assert parts[1] == load_catalogue().kpis
    assert entry.read_bytes() != b"not a pickle"


def test_an_unwritable_cache_dir_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(cache, "_cache_dir", lambda: blocker / "sub")
    parts = cache.cached_parts(DATA_DIR, _parts)
    assert parts[1] == load_catalogue().kpis
