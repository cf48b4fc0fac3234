"""A per-user cache of the checked bundled catalogue, so a command skips the YAML and pint checks.

The cache holds the catalogue's plain parts (framework, KPIs, inputs: frozen pydantic models)
pickled, in the user cache directory (``platformdirs.user_cache_dir("citykpi")``), under a name
keyed by a hash of every catalogue file and the package version: an edited YAML file or a new
release reads a different file. It is written atomically (a temporary file, then a rename) and
ignored, then rebuilt, when it is missing, unreadable or not what it should be. Only the bundled
catalogue is cached: it ships with the package, so the pickle is never built from user input.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from citykpi.catalogue.schema import Framework, InputDef, Kpi

#: The parts a catalogue is rebuilt from: framework, KPIs, inputs.
Parts = tuple[Framework, tuple[Kpi, ...], Mapping[str, InputDef]]

_FORMAT: Final = "1"


def _key(root: Path) -> str:
    """Return a hash of every file under ``root`` (names and bytes) and the package version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("citykpi")
    except PackageNotFoundError:
        release = "unknown"
    digest = hashlib.sha256(f"{_FORMAT}\0{release}\0".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("citykpi"))


def _valid(parts: Any) -> bool:
    return (
        isinstance(parts, tuple)
        and len(parts) == 3
        and isinstance(parts[0], Framework)
        and isinstance(parts[1], tuple)
        and all(isinstance(k, Kpi) for k in parts[1])
        and isinstance(parts[2], dict)
        and all(isinstance(v, InputDef) for v in parts[2].values())
    )


def cached_parts(root: Path, build: Callable[[], Parts]) -> Parts:
    """Return the catalogue parts of ``root`` from the cache, or ``build()`` them and cache them.

    Parameters
    ----------
    root
        The bundled catalogue directory.
    build
        Loads and checks the catalogue; called when the cache has no usable entry.

    Returns
    -------
    Parts
        Framework, KPIs and inputs.
    """
    try:
        path = _cache_dir() / f"catalogue-{_key(root)}.pickle"
    except OSError:
        return build()
    try:
        parts = pickle.loads(path.read_bytes())
        if _valid(parts):
            return parts  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - any unreadable cache is rebuilt
        pass
    parts = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps((parts[0], parts[1], dict(parts[2])), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".catalogue-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
        pass
    return parts
