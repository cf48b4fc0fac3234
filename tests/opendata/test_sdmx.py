"""SDMX: every written file read back with sdmx1, every observation compared."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import sdmx

from citykpi.opendata import OpenData
from citykpi.opendata.sdmx_files import DSD_ID, FLOW_ID, sdmx_files, sdmx_id

if TYPE_CHECKING:
    from conftest import Cli


def _expected(data: OpenData) -> dict[tuple[str, ...], tuple[float, str, str]]:
    return {
        (r.city_id, sdmx_id(r.kpi), r.data_point, sdmx_id(r.unit), str(r.year)): (
            r.value,
            r.obs_status,
            sdmx_id(r.verification),
        )
        for r in data.values.itertuples(index=False)
    }


def _observed(message: sdmx.message.DataMessage) -> dict[tuple[str, ...], tuple[float, str, str]]:
    out = {}
    for ds in message.data:
        for obs in ds.obs:
            key = tuple(str(kv.value) for kv in obs.key.values.values())
            attrs = obs.attached_attribute
            value = math.nan if obs.value is None else float(obs.value)
            out[key] = (
                value,
                str(attrs["OBS_STATUS"].value),
                str(attrs["VERIFICATION_STATUS"].value),
            )
    return out


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key, (value, status, state) in a.items():
        got = b[key]
        assert (got[1], got[2]) == (status, state), key
        assert (math.isnan(value) and math.isnan(got[0])) or got[0] == value, key


def test_every_written_sdmx_file_reads_back_with_every_observation(
    hostile: OpenData, hostile_name: str
) -> None:
    files = sdmx_files(hostile)
    structure = sdmx.read_sdmx(io.BytesIO(files["structure.xml"]))
    dsd = structure.structure[DSD_ID]
    flow = structure.dataflow[FLOW_ID]
    # the code lists come from the store (cities) and the catalogue; names survive as text
    cities = structure.codelist["CL_CITY"]
    assert hostile_name in {str(c.name) for c in cities}
    assert {d.id for d in dsd.dimensions} == {
        "REF_AREA",
        "KPI",
        "DATA_POINT",
        "UNIT_MEASURE",
        "TIME_PERIOD",
    }
    assert {a.id for a in dsd.attributes} >= {"OBS_STATUS", "DATA_QUALITY", "VERIFICATION_STATUS"}
    licence = {a.id: str(a.text) for a in flow.annotations}
    assert licence["CITATION"] == "Demo cite"
    assert licence["CATALOGUE_VERSION"] == hostile.release.catalogue_version
    expected = _expected(hostile)
    _same(expected, _observed(sdmx.read_sdmx(io.BytesIO(files["data.xml"]), structure=dsd)))
    csv_text = str(files["data.csv"])
    assert csv_text.startswith("STRUCTURE,STRUCTURE_ID,ACTION,")
    read = sdmx.read_sdmx(io.BytesIO(csv_text.encode()), format="CSV", structure=flow)
    _same(expected, _observed(read))


def test_cli_sdmx_csv_has_as_many_observations_as_published_values(cli: Cli, out: Path) -> None:
    code, _, err = cli("export", "--format", "sdmx-csv", "-o", str(out / "x.csv"))
    assert code == 0, err
    code, _, err = cli("export", "--format", "sdmx-ml", "-o", str(out / "sdmx"))
    assert code == 0, err
    structure = sdmx.read_sdmx(io.BytesIO((out / "sdmx" / "structure.xml").read_bytes()))
    flow = structure.dataflow[FLOW_ID]
    read = sdmx.read_sdmx(io.BytesIO((out / "x.csv").read_bytes()), format="CSV", structure=flow)
    count = sum(len(ds.obs) for ds in read.data)
    assert count == cli.count() > 0
    data = sdmx.read_sdmx(
        io.BytesIO((out / "sdmx" / "data.xml").read_bytes()), structure=flow.structure
    )
    assert sum(len(ds.obs) for ds in data.data) == count
