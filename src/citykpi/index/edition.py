"""Editions: freeze an index's bounds, weights and method so later years score on the same scale.

An :class:`Edition` records, from one build (:meth:`Edition.from_result`):

* the structure (hierarchy) and the spec (steps and methods);
* the treatment actually applied per indicator (winsorisation limits, log-transform constants);
* the normalisation actually used per indicator: the min/max, mean/sd, goalposts or SDSN
  bounds fitted on the edition's data (:class:`~citykpi.index.NormParams`);
* the weights used for aggregation.

:meth:`Edition.score` then runs the same steps on new data, but applies these frozen values
instead of refitting them, so a city's score moves only when its own data move (SDSN keeps its
bounds across editions for this reason; GHSCI had to drop a relative score that shifted
whenever a city joined). Denomination, imputation and unit screening are re-run on the new data
(they describe that year's data); indicator screening is not, so the indicators stay those of the
edition. Re-scoring the edition's own data reproduces the original results exactly.

Values beyond the frozen bounds are handled by the method: SDSN bounds and truncated goalposts
censor them, min-max and z-score extrapolate (a min-max score can exceed 100 in a later year).
Rank-based normalisations (rank, Borda, percentile rank) depend on the whole sample and cannot be
frozen: :meth:`Edition.from_result` refuses them.

Serialisation is to plain data (:meth:`to_dict`, JSON or YAML text); writing files is
:func:`citykpi.io.save_edition` / :func:`~citykpi.io.load_edition`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import yaml

from citykpi.errors import SpecError
from citykpi.index.hierarchy import Hierarchy, Node, make_hierarchy
from citykpi.index.normalise import NormParams
from citykpi.index.pipeline import FrozenParams, IndexResult, build_index
from citykpi.index.spec import IndexSpec, parse_spec, spec_to_dict
from citykpi.index.treat import TreatParams

#: Format version written into saved editions.
EDITION_FORMAT = 1


@dataclass(frozen=True)
class Edition:
    """A frozen index method: structure, spec, treatment, normalisation bounds and weights.

    Attributes
    ----------
    name
        Edition name (e.g. ``"GSSCI 2024"``).
    hierarchy
        The structure scored.
    spec
        The steps and methods.
    frozen
        Treatment, normalisation and weights applied to every data set scored.
    info
        Free-form metadata (e.g. the year the edition was built from).
    """

    name: str
    hierarchy: Hierarchy
    spec: IndexSpec
    frozen: FrozenParams
    info: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_result(
        cls, result: IndexResult, *, name: str | None = None, info: Mapping[str, str] | None = None
    ) -> Edition:
        """Freeze the method and the fitted parameters of ``result``.

        Raises
        ------
        SpecError
            When the build used a rank-based normalisation or no normalisation at all.
        """
        if result.norm_params is None:
            msg = (
                "This build has no affine normalisation to freeze (none ran, or it was rank, "
                "borda or prank, which depend on the whole sample); use minmax, zscore, "
                "goalposts or sdsn for an edition."
            )
            raise SpecError(msg)
        if "aggregated" not in result.datasets:
            msg = "An edition needs a build with an aggregate step."
            raise SpecError(msg)
        frozen = FrozenParams(
            norm_params=result.norm_params,
            weights=dict(result.weights),
            treat_params=dict(result.treat_params),
        )
        return cls(
            name=name or result.spec.name,
            hierarchy=result.hierarchy,
            spec=result.spec,
            frozen=frozen,
            info=dict(info or {}),
        )

    def score(self, data: pd.DataFrame) -> IndexResult:
        """Score ``data`` (iData of any year) on this edition's frozen scale."""
        return build_index(data, self.hierarchy, self.spec, frozen=self.frozen)

    # ------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """Return the edition as plain data (JSON/YAML-serialisable)."""
        return {
            "format": EDITION_FORMAT,
            "name": self.name,
            "info": dict(self.info),
            "hierarchy": {
                "nodes": [
                    {
                        "code": n.code,
                        "name": n.name,
                        "level": n.level,
                        "parent": n.parent,
                        "weight": n.weight,
                        "direction": n.direction,
                        "denominator": n.denominator,
                        "params": dict(n.params),
                    }
                    for n in self.hierarchy.nodes
                ],
                "groups": list(self.hierarchy.groups),
                "denominators": list(self.hierarchy.denominators),
                "level_names": list(self.hierarchy.level_names),
            },
            "spec": spec_to_dict(self.spec),
            "normalisation": self.frozen.norm_params.as_dict(),
            "weights": dict(self.frozen.weights),
            "treatment": {c: p.as_dict() for c, p in self.frozen.treat_params.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Edition:
        """Rebuild an edition written by :meth:`to_dict`."""
        try:
            if data.get("format") != EDITION_FORMAT:
                msg = (
                    f"Edition format {data.get('format')!r} is not supported; this citykpi "
                    f"reads format {EDITION_FORMAT}."
                )
                raise SpecError(msg)
            h = data["hierarchy"]
            nodes = [
                Node(
                    code=str(n["code"]),
                    name=str(n["name"]),
                    level=int(n["level"]),
                    parent=None if n["parent"] is None else str(n["parent"]),
                    weight=float(n["weight"]),
                    direction=int(n["direction"]),
                    denominator=n.get("denominator"),
                    params={str(k): float(v) for k, v in (n.get("params") or {}).items()},
                )
                for n in h["nodes"]
            ]
            hierarchy = make_hierarchy(
                nodes,
                groups=h.get("groups", ()),
                denominators=h.get("denominators", ()),
                level_names=h.get("level_names", ()),
            )
            frozen = FrozenParams(
                norm_params=NormParams.from_dict(data["normalisation"]),
                weights={str(k): float(v) for k, v in data["weights"].items()},
                treat_params={
                    str(c): TreatParams.from_dict(p) for c, p in data.get("treatment", {}).items()
                },
            )
            return cls(
                name=str(data["name"]),
                hierarchy=hierarchy,
                spec=parse_spec(data["spec"]),
                frozen=frozen,
                info={str(k): str(v) for k, v in (data.get("info") or {}).items()},
            )
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, SpecError):
                raise
            msg = f"The saved edition is incomplete or malformed ({e!r}); save it again."
            raise SpecError(msg) from e

    def to_json(self) -> str:
        """Return the edition as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_yaml(self) -> str:
        """Return the edition as YAML text."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_text(cls, text: str) -> Edition:
        """Rebuild an edition from JSON or YAML text."""
        try:
            data = yaml.safe_load(text)  # YAML is a superset of JSON
        except yaml.YAMLError as e:
            msg = f"The edition text is neither JSON nor YAML ({e})."
            raise SpecError(msg) from e
        if not isinstance(data, Mapping):
            msg = "The edition text must hold a mapping."
            raise SpecError(msg)
        return cls.from_dict(data)


__all__ = ["EDITION_FORMAT", "Edition"]
