"""Observation files: the tidy table, and readers of SensorThings and NGSI-LD JSON into it.

The tidy observation table has one row per reading:

``station``
    Station or meter id (required; ``thing`` is accepted as its name).
``datastream``
    Datastream id (optional; the station's id when absent). A station whose instrument or unit
    changed during the year has several datastreams; they combine into one station series.
``property``
    Observed property, matched case-insensitively against a spec's ``properties``.
``time``
    ISO 8601 time with its offset (``2024-01-01T00:00:00Z``), or a Parquet timestamp (UTC).
``value``, ``unit``
    The reading and its unit (``ug/m3``, ``ppb``, ``kWh`` ...), converted through the
    project's unit layer (:mod:`citykpi.catalogue.units`).
``quality``
    Optional flag: empty, ``ok``, ``good``, ``valid``, ``verified`` or ``ratified`` (any case)
    mark a usable reading; any other flag (``invalid``, ``suspect``, ``maintenance`` ...) an
    unusable one, which counts as present but not valid.
``city``
    Optional; otherwise the city is given to the roll-up (``--city``).

CSV and Parquet files with these columns are read by the engine itself, out of core. JSON files
(OGC SensorThings ``Observations`` with their ``Datastream`` expanded, or ``Datastreams`` with
their ``Observations`` expanded; FIWARE NGSI-LD temporal entities, normalised or simplified
``values`` form) are read here into the tidy table and handed to the engine as Parquet.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import pandas as pd

from citykpi.errors import InputError

#: Columns of the tidy observation table, in order.
OBS_COLUMNS: Final[tuple[str, ...]] = (
    "station",
    "datastream",
    "property",
    "time",
    "value",
    "unit",
    "quality",
    "city",
)
REQUIRED: Final[tuple[str, ...]] = ("station", "property", "time", "value", "unit")
_ALIASES: Final[dict[str, str]] = {"thing": "station", "phenomenontime": "time", "result": "value"}
#: Quality flags that mark a usable reading (lower case; empty means not flagged).
GOOD_FLAGS: Final[tuple[str, ...]] = ("", "ok", "good", "valid", "verified", "ratified")
#: UN/CEFACT common codes NGSI-LD ``unitCode`` uses, for the units of the shipped specs.
UNIT_CODES: Final[dict[str, str]] = {
    "GQ": "ug/m**3",
    "GP": "mg/m**3",
    "59": "ppm",
    "61": "ppb",
    "KWH": "kWh",
    "WHR": "Wh",
    "MWH": "MWh",
    "MTQ": "m**3",
    "LTR": "L",
    "2N": "dB",
}
_MAX_JSON_BYTES: Final = 256 * 1024 * 1024

Format = Literal["csv", "parquet"]


@dataclass(frozen=True, slots=True)
class ObservationFile:
    """One file the engine reads: its path, format and the tidy columns it holds.

    ``columns`` maps each tidy column present to the file's own column name.
    """

    path: Path
    format: Format
    columns: Mapping[str, str]
    shown: str  # the name the user gave, for messages


def _column_map(header: Sequence[str], *, file: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in header:
        key = "_".join(name.strip().lower().split())
        key = _ALIASES.get(key, key)
        if key in OBS_COLUMNS and key not in found:
            found[key] = name
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        msg = (
            f"{file}: the observation table lacks the column(s) {', '.join(map(repr, missing))}; "
            f"it needs {', '.join(REQUIRED)} (and optionally datastream, quality, city); "
            "add them or rename the columns."
        )
        raise InputError(msg)
    return found


def _csv_header(path: Path, *, file: str) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        msg = f"{file} cannot be read as a UTF-8 CSV file ({e}); export it again as CSV UTF-8."
        raise InputError(msg) from e
    if not header:
        msg = f"{file} is empty; write a header row (station, property, time, value, unit)."
        raise InputError(msg)
    return header


def _parquet_header(path: Path, *, file: str) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except (OSError, ValueError) as e:  # pyarrow's errors subclass these
        msg = f"{file} is not a readable Parquet file ({e}); write it again."
        raise InputError(msg) from e


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _sta_rows(doc: object, *, file: str) -> Iterator[dict[str, object]]:
    """Yield tidy rows of a SensorThings document (collection, Datastream or Observation)."""
    items: list[object]
    if isinstance(doc, Mapping) and isinstance(doc.get("value"), list):
        items = list(doc["value"])
    elif isinstance(doc, list):
        items = list(doc)
    else:
        items = [doc]
    for item in items:
        if not isinstance(item, Mapping):
            msg = f"{file}: a SensorThings entry is not a JSON object; got {type(item).__name__}."
            raise InputError(msg)
        if "Observations" in item:  # a Datastream with its Observations expanded
            for obs in item["Observations"]:
                yield _sta_observation(obs, item, file=file)
        else:
            stream = item.get("Datastream")
            if not isinstance(stream, Mapping):
                msg = (
                    f"{file}: observation {item.get('@iot.id')!r} has no expanded Datastream; "
                    "request $expand=Datastream($expand=ObservedProperty,Thing)."
                )
                raise InputError(msg)
            yield _sta_observation(item, stream, file=file)


def _sta_observation(
    obs: Mapping[str, object], stream: Mapping[str, object], *, file: str
) -> dict[str, object]:
    unit = stream.get("unitOfMeasurement")
    prop = stream.get("ObservedProperty")
    thing = stream.get("Thing")
    symbol = unit.get("symbol") if isinstance(unit, Mapping) else None
    if not symbol:
        msg = f"{file}: datastream {stream.get('name')!r} has no unitOfMeasurement.symbol."
        raise InputError(msg)
    time = _text(obs.get("phenomenonTime")).split("/")[-1]  # an interval ends at its end
    quality = obs.get("resultQuality")
    return {
        "station": _text(thing.get("name") if isinstance(thing, Mapping) else stream.get("name")),
        "datastream": _text(stream.get("name") or stream.get("@iot.id")),
        "property": _text(prop.get("name") if isinstance(prop, Mapping) else ""),
        "time": time,
        "value": obs.get("result"),
        "unit": _text(symbol),
        "quality": _text(quality) if not isinstance(quality, Mapping | list) else "",
        "city": "",
    }


def _ngsi_rows(doc: object, *, file: str) -> Iterator[dict[str, object]]:
    """Yield tidy rows of NGSI-LD temporal entities (normalised or ``values`` form)."""
    entities = doc if isinstance(doc, list) else [doc]
    for entity in entities:
        if not isinstance(entity, Mapping) or "id" not in entity:
            msg = f"{file}: an NGSI-LD entity must be a JSON object with an 'id'."
            raise InputError(msg)
        station = _text(entity["id"])
        for attr, content in entity.items():
            if attr in ("id", "type", "@context") or not content:
                continue
            instances = content if isinstance(content, list) else [content]
            for inst in instances:
                if not isinstance(inst, Mapping) or inst.get("type") != "Property":
                    continue
                code = _text(inst.get("unitCode"))
                unit = UNIT_CODES.get(code.upper(), code)
                if "values" in inst:  # simplified temporal: [[value, observedAt], ...]
                    pairs = [(v[0], v[1]) for v in inst["values"]]
                else:
                    pairs = [(inst.get("value"), inst.get("observedAt"))]
                for value, at in pairs:
                    yield {
                        "station": station,
                        "datastream": f"{station}/{attr}",
                        "property": attr,
                        "time": _text(at),
                        "value": value,
                        "unit": unit,
                        "quality": "",
                        "city": "",
                    }


def read_json_observations(path: Path, *, file: str = "") -> pd.DataFrame:
    """Return the tidy observation table of a SensorThings or NGSI-LD JSON file.

    Raises
    ------
    InputError
        The file is too large, not JSON, or not one of the two shapes (the message says which
        request gives the right shape).
    """
    file = file or str(path)
    if path.stat().st_size > _MAX_JSON_BYTES:
        msg = f"{file} is larger than 256 MiB; convert it to Parquet or CSV first."
        raise InputError(msg)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = f"{file} is not a readable JSON file ({e})."
        raise InputError(msg) from e
    first = doc[0] if isinstance(doc, list) and doc else doc
    if (isinstance(doc, Mapping) and "value" in doc) or (
        isinstance(first, Mapping) and ("Datastream" in first or "Observations" in first)
    ):
        rows = list(_sta_rows(doc, file=file))
    elif isinstance(first, Mapping) and "id" in first:
        rows = list(_ngsi_rows(doc, file=file))
    else:
        msg = (
            f"{file} is neither SensorThings Observations (with the Datastream expanded) nor "
            "NGSI-LD temporal entities; see docs/observations.md for both shapes."
        )
        raise InputError(msg)
    frame = pd.DataFrame(rows, columns=list(OBS_COLUMNS))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame


def open_observations(paths: Sequence[str | Path], *, workdir: Path) -> list[ObservationFile]:
    """Return the files an engine reads for ``paths`` (JSON converted into ``workdir``).

    Raises
    ------
    InputError
        Naming every file that is missing, of an unknown kind, or lacks required columns.
    """
    files: list[ObservationFile] = []
    problems: list[str] = []
    for n, given in enumerate(paths):
        path = Path(given)
        shown = str(given)
        suffix = path.suffix.lower()
        try:
            if not path.is_file():
                msg = f"{shown}: no such file."
                raise InputError(msg)
            if suffix == ".csv":
                files.append(
                    ObservationFile(
                        path, "csv", _column_map(_csv_header(path, file=shown), file=shown), shown
                    )
                )
            elif suffix in (".parquet", ".pq"):
                cols = _column_map(_parquet_header(path, file=shown), file=shown)
                files.append(ObservationFile(path, "parquet", cols, shown))
            elif suffix in (".json", ".jsonld", ".geojson"):
                frame = read_json_observations(path, file=shown)
                target = workdir / f"json_{n}.parquet"
                frame.to_parquet(target, index=False)
                cols = {c: c for c in OBS_COLUMNS}
                files.append(ObservationFile(target, "parquet", cols, shown))
            else:
                msg = f"{shown}: unknown kind of file {suffix!r}; give .csv, .parquet or .json."
                raise InputError(msg)
        except InputError as e:
            problems.append(str(e))
    if problems:
        raise InputError("\n".join(problems))
    return files


__all__ = [
    "GOOD_FLAGS",
    "OBS_COLUMNS",
    "UNIT_CODES",
    "ObservationFile",
    "open_observations",
    "read_json_observations",
]
