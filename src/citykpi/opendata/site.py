"""The static open-data site: HTML pages, JSON files and downloads, rebuilt incrementally.

:func:`build_site` renders every file in memory, compares each with the content hash recorded
in the folder's ``manifest.json`` by the previous build, and writes only the files whose
content changed (removing the files of the previous build that are gone). The release time
written into the downloads is the time of the last change of the data, so a rebuild of
unchanged data rewrites nothing, and a rebuild after one city's publication rewrites that
city's pages, the lists and the downloads, nothing else.

Every link is relative, so the site works from the file system and from any static host;
it requests nothing from elsewhere. The path scheme (``api/v1/...``) is versioned: a change of
a path or of a JSON shape gets a new version folder, and :data:`PATHS` documents it (also
written to ``api/v1/meta.json``). The data changelog (``api/v1/changelog.json``,
``changelog.html``) lists, per build that changed the data, the city-years added, changed or
removed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from citykpi.opendata.dataset import OBS_STATUS, OpenData
from citykpi.opendata.site_models import PATHS, SCHEMA_VERSION

MANIFEST: Final = "manifest.json"


@dataclass(frozen=True, slots=True)
class SiteBuild:
    """What a build did: files written, left unchanged and removed, and the data changes."""

    written: int
    unchanged: int
    removed: int
    changes: tuple[dict[str, Any], ...]


def _json(obj: object) -> str:
    return json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"


def _digest(content: str | bytes) -> str:
    raw = content.encode() if isinstance(content, str) else content
    return hashlib.sha256(raw).hexdigest()


def _data_hashes(data: OpenData) -> dict[str, str]:
    """Return a hash of each city-year's rows, ``"city\\tyear"`` -> hash."""
    out: dict[str, str] = {}
    for (city, year), rows in data.values.groupby(["city", "year"], sort=True):
        out[f"{city}\t{year}"] = _digest(rows.to_csv(index=False))
    return out


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if manifest.get("schema_version") == SCHEMA_VERSION else {}


def _changes(
    old: Mapping[str, str], new: Mapping[str, str], data: OpenData
) -> list[dict[str, Any]]:
    counts = data.values.groupby(["city", "year"]).size()
    changes: list[dict[str, Any]] = []
    for key in sorted(set(old) | set(new)):
        city, year = key.split("\t")
        if key not in old:
            kind = "added"
        elif key not in new:
            kind = "removed"
        elif old[key] != new[key]:
            kind = "changed"
        else:
            continue
        n = int(counts.get((city, int(year)), 0))
        changes.append({"change": kind, "city": city, "year": int(year), "values": n})
    return changes


def build_site(data: OpenData, out: str | Path, *, force: bool = False) -> SiteBuild:
    """Write (or update) the static site of ``data`` into folder ``out``.

    Parameters
    ----------
    data
        The published values (:func:`~citykpi.opendata.dataset.read_open_data`).
    out
        The site's folder; created if needed.
    force
        Overwrite files in ``out`` that a previous build did not write; without it they are
        refused (:class:`~citykpi.errors.OutputExistsError`) before anything is written.

    Returns
    -------
    SiteBuild
        Counts of files written, unchanged and removed, and the data changes found.
    """
    from citykpi.io import write_bytes
    from citykpi.io.writing import check_all_writable

    folder = Path(out)
    manifest = _read_manifest(folder)
    old_files: dict[str, str] = manifest.get("files", {})
    old_data: dict[str, str] = manifest.get("data", {})
    new_data = _data_hashes(data)
    changes = _changes(old_data, new_data, data)
    history: list[dict[str, Any]] = list(manifest.get("changelog", []))
    if changes or not manifest:
        built = data.release.created
        history.insert(0, {"built": built.isoformat(), "changes": changes})
    else:
        built = datetime.fromisoformat(manifest["built"])
    data = replace(data, release=replace(data.release, created=built))
    files = _render(data, history)
    files[MANIFEST] = ""  # placeholder so the refusal below covers it
    foreign = [folder / p for p in files if p not in old_files and p != MANIFEST]
    if (folder / MANIFEST).exists() and not manifest:
        foreign.append(folder / MANIFEST)
    check_all_writable(foreign, force=force)
    del files[MANIFEST]
    hashes = {path: _digest(content) for path, content in files.items()}
    written = unchanged = 0
    for path, content in files.items():
        target = folder / path
        if old_files.get(path) == hashes[path] and target.is_file():
            unchanged += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(content.encode() if isinstance(content, str) else content, target, force=True)
        written += 1
    removed = 0
    for path in sorted(set(old_files) - set(files)):
        gone = folder / path
        if gone.is_file():
            gone.unlink()
            removed += 1
    new_manifest = {
        "schema_version": SCHEMA_VERSION,
        "built": built.isoformat(),
        "files": hashes,
        "data": new_data,
        "changelog": history,
    }
    text = _json(new_manifest)
    if (folder / MANIFEST).is_file() and (folder / MANIFEST).read_text("utf-8") == text:
        unchanged += 1
    else:
        write_bytes(text.encode(), folder / MANIFEST, force=True)
        written += 1
    return SiteBuild(written, unchanged, removed, tuple(changes))


def _render(data: OpenData, history: list[dict[str, Any]]) -> dict[str, str | bytes]:
    """Return every file of the site by its relative path."""
    from citykpi.opendata.export import export_files
    from citykpi.opendata.sdmx_files import sdmx_files
    from citykpi.opendata.site_models import site_documents

    docs = site_documents(data, history)
    env = _environment()
    release = data.release.as_dict()
    files: dict[str, str | bytes] = {}

    def page(path: str, template: str, json_path: str, title: str, **context: Any) -> None:
        root = "../" * path.count("/")
        files[path] = env.get_template(template).render(
            root=root,
            json_path=json_path,
            title=title,
            release=release,
            obs_labels=OBS_STATUS,
            **context,
        )

    for path, doc in docs.items():
        files[path] = _json(doc)
    cities = docs["api/v1/cities.json"]["cities"]
    kpis = docs["api/v1/kpis.json"]["kpis"]
    page(
        "index.html",
        "index.html",
        "api/v1/cities.json",
        "U4SSC city KPIs",
        cities=cities,
        kpis=kpis,
    )
    for c in cities:
        doc = docs[f"api/v1/cities/{c['id']}.json"]
        page(
            f"cities/{c['id']}.html",
            "city.html",
            f"api/v1/cities/{c['id']}.json",
            c["name"],
            city=doc,
        )
    for k in kpis:
        doc = docs[f"api/v1/kpis/{k['data_point']}.json"]
        title = f"{k['kpi']} {k['name']}"
        page(
            f"kpis/{k['data_point']}.html",
            "kpi.html",
            f"api/v1/kpis/{k['data_point']}.json",
            title,
            kpi=doc,
        )
    goals = docs["api/v1/sdg.json"]["goals"]
    page(
        "sdg/index.html",
        "sdg_index.html",
        "api/v1/sdg.json",
        "Sustainable Development Goals",
        goals=goals,
    )
    for g in goals:
        page(f"sdg/{g['goal']}.html", "sdg.html", "api/v1/sdg.json", f"SDG {g['goal']}", goal=g)
    page(
        "ranking.html",
        "ranking.html",
        "api/v1/ranking.json",
        "Index ranking",
        ranking=docs["api/v1/ranking.json"],
    )
    page(
        "changelog.html",
        "changelog.html",
        "api/v1/changelog.json",
        "Data changelog",
        builds=history,
    )
    files["downloads/ngsi-ld.jsonld"] = export_files(data, "ngsi-ld")[""]
    files["downloads/values.parquet"] = export_files(data, "parquet")[""]
    for name, content in sdmx_files(data).items():
        files[f"downloads/sdmx/{name}"] = content
    for name, content in export_files(data, "datapackage").items():
        files[f"downloads/datapackage/{name}"] = content
    # the same table as the package's, computed once
    files["downloads/values.csv"] = files["downloads/datapackage/values.csv"]
    listed = [
        {"path": p, "format": PATHS.get(p, "CSV of the data package")}
        for p in sorted(f for f in files if f.startswith("downloads/"))
    ]
    page("downloads.html", "downloads.html", "api/v1/meta.json", "Downloads", downloads=listed)
    return files


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("citykpi.opendata", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


__all__ = ["MANIFEST", "PATHS", "SCHEMA_VERSION", "SiteBuild", "build_site"]
