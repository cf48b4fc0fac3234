"""SDMX: the project's data structure definition and its data, written through sdmx1.

The data structure ``CITYKPI:DSD_U4SSC(1.0)`` has five dimensions, ``REF_AREA`` (the city),
``KPI`` (the official U4SSC code, spaces and colons as ``_``), ``DATA_POINT`` (the catalogue
id), ``UNIT_MEASURE`` (the catalogue unit) and the time dimension ``TIME_PERIOD`` (the
reporting year); the primary measure ``OBS_VALUE``; and observation attributes ``OBS_STATUS``
(R reported, NR not reported, NV not verified), ``DATA_QUALITY`` (the six U4SSC options),
``VERIFICATION_STATUS`` (the store's states), ``SDG_SERIES`` (the SDG targets the KPI tracks,
see :data:`SDG_TARGETS`) and the uncoded ``LICENCE`` and ``CITATION``. Every code list is
generated from the catalogue (KPIs, data points, units), the store (cities) and the model's
enumerations. A not-reported data point is an observation without a value (``NaN``) and
``OBS_STATUS=NR``, so the count of observations equals the count of values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

from citykpi.opendata.dataset import OBS_STATUS, OpenData, iter_rows

if TYPE_CHECKING:
    import sdmx.message

AGENCY: Final = "CITYKPI"
DSD_ID: Final = "DSD_U4SSC"
FLOW_ID: Final = "DF_U4SSC"
VERSION: Final = "1.0"

DIMENSIONS: Final = ("REF_AREA", "KPI", "DATA_POINT", "UNIT_MEASURE", "TIME_PERIOD")
CODED_ATTRIBUTES: Final = ("OBS_STATUS", "DATA_QUALITY", "VERIFICATION_STATUS")
TEXT_ATTRIBUTES: Final = ("SDG_TARGETS", "LICENCE", "CITATION")


def sdmx_id(text: str) -> str:
    """Return ``text`` as an SDMX identifier: characters outside ``A-Za-z0-9_@$-`` become ``_``.

    >>> sdmx_id("EC: ICT: ICT: 1C"), sdmx_id("ug/m**3")
    ('EC_ICT_ICT_1C', 'UG_M_3')
    """
    out = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_@$-") else "_" for ch in text)
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_").upper() or "X"


def _codelist(cl_id: str, name: str, codes: dict[str, str]) -> Any:
    from sdmx.model import common
    from sdmx.model import v21 as m

    agency = common.Agency(id=AGENCY)
    cl = m.Codelist(id=cl_id, name=name, maintainer=agency, version=VERSION, is_final=True)
    for code_id, code_name in codes.items():
        cl.append(common.Code(id=code_id, name=code_name or code_id))
    return cl


def build_structure(data: OpenData) -> sdmx.message.StructureMessage:
    """Return the structure message: code lists, concept scheme, DSD and dataflow.

    The city code list names each city as the store does (the name is text in the XML,
    escaped by the writer); the other code lists come from the catalogue and the model.
    """
    import sdmx.message
    from sdmx.model import common
    from sdmx.model import v21 as m

    from citykpi.catalogue import load_catalogue
    from citykpi.model import DataQuality
    from citykpi.store.states import ValueState

    cat = load_catalogue()
    rel = data.release
    agency = common.Agency(id=AGENCY, name=rel.publisher)
    units = sorted({dp.unit for _, dp in cat.iter_data_points()} | set(data.values["unit"]))
    lists = {
        "REF_AREA": _codelist("CL_CITY", "Cities", {v: k for k, v in data.city_ids.items()}),
        "KPI": _codelist("CL_KPI", "U4SSC KPIs", {sdmx_id(k.code): k.name for k in cat.kpis}),
        "DATA_POINT": _codelist(
            "CL_DATA_POINT", "KPI data points", {dp.id: dp.name for _, dp in cat.iter_data_points()}
        ),
        "UNIT_MEASURE": _codelist("CL_UNIT", "Units", {sdmx_id(u): u for u in units}),
        "OBS_STATUS": _codelist("CL_OBS_STATUS", "Observation status", dict(OBS_STATUS)),
        "DATA_QUALITY": _codelist(
            "CL_DATA_QUALITY", "Data quality", {sdmx_id(q.value): q.label for q in DataQuality}
        ),
        "VERIFICATION_STATUS": _codelist(
            "CL_VERIFICATION",
            "Verification status",
            {sdmx_id(s.value): s.value for s in ValueState},
        ),
    }
    concepts = m.ConceptScheme(
        id="CS_U4SSC", name="U4SSC concepts", maintainer=agency, version=VERSION, is_final=True
    )
    for cid in (*DIMENSIONS, "OBS_VALUE", *CODED_ATTRIBUTES, *TEXT_ATTRIBUTES):
        concepts.append(common.Concept(id=cid, name=cid.replace("_", " ").title()))
    dsd = m.DataStructureDefinition(
        id=DSD_ID, name="U4SSC city KPIs", maintainer=agency, version=VERSION, is_final=True
    )
    for order, dim_id in enumerate(DIMENSIONS):
        cls = m.TimeDimension if dim_id == "TIME_PERIOD" else m.Dimension
        rep = None if dim_id == "TIME_PERIOD" else common.Representation(enumerated=lists[dim_id])
        dsd.dimensions.append(
            cls(id=dim_id, concept_identity=concepts[dim_id], local_representation=rep, order=order)
        )
    dsd.measures.append(m.PrimaryMeasure(id="OBS_VALUE", concept_identity=concepts["OBS_VALUE"]))
    obs_level = m.PrimaryMeasureRelationship()
    for attr_id in (*CODED_ATTRIBUTES, *TEXT_ATTRIBUTES):
        rep = common.Representation(enumerated=lists[attr_id]) if attr_id in lists else None
        dsd.attributes.append(
            common.DataAttribute(
                id=attr_id,
                concept_identity=concepts[attr_id],
                local_representation=rep,
                related_to=obs_level,
                usage_status=common.UsageStatus.conditional,
            )
        )
    flow = m.DataflowDefinition(
        id=FLOW_ID,
        name="U4SSC city KPIs",
        maintainer=agency,
        version=VERSION,
        is_final=True,
        structure=dsd,
    )
    for ann_id, text in (
        ("LICENCE", f"{rel.licence} {rel.licence_url}"),
        ("CITATION", rel.citation),
        ("CATALOGUE_VERSION", rel.catalogue_version),
        ("TARGET_SET", rel.target_set),
    ):
        flow.annotations.append(m.Annotation(id=ann_id, text=text))
    msg = sdmx.message.StructureMessage(header=_header(data))
    for cl in lists.values():
        msg.add(cl)
    msg.add(concepts)
    msg.add(dsd)
    msg.add(flow)
    return msg


def _header(data: OpenData) -> Any:
    import sdmx.message
    from sdmx.model import common

    rel = data.release
    source = (
        f"{rel.citation}. Licence {rel.licence} ({rel.licence_url}). Catalogue "
        f"{rel.catalogue_version}, targets {rel.target_set}."
    )
    return sdmx.message.Header(
        id=f"CITYKPI-{rel.created.strftime('%Y%m%dT%H%M%S')}",
        prepared=rel.created,
        sender=common.Agency(id=AGENCY, name=rel.publisher),
        source=common.InternationalString(source),
    )


def build_data(
    data: OpenData, structure: sdmx.message.StructureMessage
) -> sdmx.message.DataMessage:
    """Return the data message: one observation per row of ``data.values``."""
    import sdmx.message
    from sdmx.model import common
    from sdmx.model import v21 as m

    flow = structure.dataflow[FLOW_ID]
    dsd = flow.structure
    attrs = {a.id: a for a in dsd.attributes}
    rel = data.release
    ds = m.DataSet(described_by=flow, structured_by=dsd)
    for rec in iter_rows(data.values):
        key = common.Key(
            REF_AREA=rec.city_id,
            KPI=sdmx_id(rec.kpi),
            DATA_POINT=rec.data_point,
            UNIT_MEASURE=sdmx_id(rec.unit),
            TIME_PERIOD=str(rec.year),
            described_by=dsd.dimensions,
        )
        values = {
            "OBS_STATUS": rec.obs_status,
            "DATA_QUALITY": sdmx_id(rec.quality) if rec.quality else "",
            "VERIFICATION_STATUS": sdmx_id(rec.verification),
            "SDG_TARGETS": rec.sdg_targets,
            "LICENCE": rel.licence,
            "CITATION": rel.citation,
        }
        attached = {
            k: common.AttributeValue(value_for=attrs[k], value=v) for k, v in values.items() if v
        }
        ds.obs.append(m.Observation(dimension=key, value=rec.value, attached_attribute=attached))
    msg = sdmx.message.DataMessage(header=_header(data), dataflow=flow)
    msg.data.append(ds)
    return msg


def sdmx_files(
    data: OpenData, *, parts: tuple[str, ...] = ("structure.xml", "data.xml", "data.csv")
) -> dict[str, str | bytes]:
    """Return SDMX files of ``data``: ``structure.xml`` (SDMX-ML 2.1 structure),
    ``data.xml`` (SDMX-ML 2.1 generic data) and ``data.csv`` (SDMX-CSV 2.0), those in
    ``parts``."""
    import pandas as pd
    import sdmx
    from sdmx.format.csv.common import Attributes
    from sdmx.format.csv.v2 import FormatOptions

    structure = build_structure(data)
    message = build_data(data, structure)
    files: dict[str, str | bytes] = {}
    if "structure.xml" in parts:
        files["structure.xml"] = bytes(sdmx.to_xml(structure, pretty_print=True))
    if "data.xml" in parts:
        files["data.xml"] = bytes(sdmx.to_xml(message, pretty_print=True))
    if "data.csv" in parts:
        frame = sdmx.to_csv(
            message.data[0],
            rtype=pd.DataFrame,
            format_options=FormatOptions(),
            attributes=Attributes.all,
        )
        files["data.csv"] = str(
            cast("pd.DataFrame", frame).to_csv(index=False, lineterminator="\n")
        )
    return files


__all__ = [
    "AGENCY",
    "DIMENSIONS",
    "DSD_ID",
    "FLOW_ID",
    "build_data",
    "build_structure",
    "sdmx_files",
    "sdmx_id",
]
