"""Write the fictional sample cities (``citykpi sample``, the demo, the tests' fixtures).

The sample is made in memory by :func:`citykpi.sample.build_sample` and written here into one
:class:`~citykpi.io.OutputFolder`: ``raw_inputs.csv``, ``cities.csv``, ``known_errors.csv`` and a
``README.md``. Files of those names already in the folder are refused, all named at once and
before anything is generated, unless ``force``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from citykpi.catalogue import Catalogue
from citykpi.io.folders import OutputFolder
from citykpi.sample.generator import DEFAULT_SEED, SAMPLE_FILES, SampleData, build_sample


def write_sample(
    out_dir: str | Path,
    *,
    seed: int | None = None,
    n_cities: int = 40,
    years: Iterable[int] = range(2015, 2025),
    catalogue: Catalogue | None = None,
    force: bool = False,
) -> SampleData:
    """Make the sample cities and their raw inputs and write them into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write to (created if needed); other files in it are left alone.
    seed
        Seed of the generator (the same seed writes identical files); None for
        :data:`citykpi.sample.DEFAULT_SEED`.
    n_cities
        Number of fictional cities, from 8 (one per kind of deliberate error) upwards.
    years
        Reporting years.
    catalogue
        Catalogue whose inputs are generated; the bundled one by default.
    force
        Replace sample files (and the README) of an earlier run in ``out_dir``.

    Returns
    -------
    SampleData
        The paths written, the number of raw rows and the deliberate errors.

    Raises
    ------
    OutputExistsError
        If a sample file exists in ``out_dir`` and ``force`` is false (nothing is written).
    InputError
        If ``n_cities`` is below 8 or ``years`` is empty.
    """
    target = Path(out_dir)
    used_seed = DEFAULT_SEED if seed is None else seed
    year_list = sorted(set(years))
    span = f"{year_list[0]}-{year_list[-1]}" if year_list else "no year"
    with OutputFolder(
        target,
        force=force,
        names=list(SAMPLE_FILES),
        title="citykpi sample data",
        notes=[
            f"{n_cities} fictional cities, {span}, generated with seed {used_seed}: the same "
            "seed writes identical files."
        ],
    ) as folder:
        tables = build_sample(
            seed=used_seed, n_cities=n_cities, years=year_list, catalogue=catalogue
        )
        for name, text in tables.files().items():
            folder.text(name, text, SAMPLE_FILES[name])
    return SampleData(
        target,
        target / "cities.csv",
        target / "raw_inputs.csv",
        target / "known_errors.csv",
        len(tables.raw_inputs),
        tables.errors,
    )


__all__ = ["write_sample"]
