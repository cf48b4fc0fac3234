"""The two engines that run a roll-up's SQL: DuckDB (default, in process) and Apache Spark.

Both receive the same query text (:mod:`.sql`); an engine only turns files into relations and
runs the query. DuckDB streams Parquet and CSV out of core (its temporary directory takes what
does not fit in memory); Spark runs in local mode by default (``local[2]``) or on the cluster a
master URL names. Neither is imported before it is used.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import pandas as pd

from citykpi.errors import InputError
from citykpi.observe.readers import ObservationFile
from citykpi.observe.sql import DUCKDB, SPARK, Dialect

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

EngineName = Literal["duckdb", "spark"]
ENGINES: Final[tuple[str, ...]] = ("duckdb", "spark")
#: Spark master used when none is given: two local cores, bound to the loopback interface.
DEFAULT_SPARK_MASTER: Final = "local[2]"
#: DuckDB's memory limit: beyond it the aggregates spill to disk (out of core) rather than
#: taking most of the machine's memory, which DuckDB's own default (80 %) would.
DUCKDB_MEMORY_LIMIT: Final = "3GB"


class Engine(Protocol):
    """What the roll-up asks of an engine."""

    dialect: Dialect

    def sources(self, files: Sequence[ObservationFile]) -> list[str]:
        """Return one relation (SQL text) per file."""
        ...

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return its rows."""
        ...

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make the small table ``frame`` queryable as ``name``."""
        ...


class DuckDbEngine:
    """Run roll-ups in an in-process DuckDB database (out of core, all cores)."""

    dialect = DUCKDB

    def __init__(
        self, *, threads: int | None = None, memory_limit: str | None = DUCKDB_MEMORY_LIMIT
    ) -> None:
        import duckdb

        self._con = duckdb.connect()
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute("SET enable_progress_bar = false")
        # The result is sorted at the end; dropping insertion order lets the aggregates stream
        # and spill instead of holding the rows.
        self._con.execute("SET preserve_insertion_order = false")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self._con.execute("SET memory_limit = ?", [memory_limit])

    def sources(self, files: Sequence[ObservationFile]) -> list[str]:
        """Return ``read_parquet``/``read_csv`` calls over the files."""
        out = []
        for f in files:
            path = str(f.path).replace("'", "''")
            if f.format == "parquet":
                out.append(f"read_parquet('{path}')")
            else:
                out.append(f"read_csv('{path}', header = true, all_varchar = true)")
        return out

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make ``frame`` queryable as ``name``."""
        self._con.register(name, frame)

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql``; a file DuckDB cannot read is an :class:`InputError`."""
        import duckdb

        try:
            return self._con.execute(sql).df()
        except (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException) as e:
            msg = f"The observation files cannot be read: {e}"
            raise InputError(msg) from e


@lru_cache(maxsize=2)
def spark_session(master: str = DEFAULT_SPARK_MASTER) -> SparkSession:
    """Return the (one, cached) Spark session for ``master``, small and quiet for local runs."""
    with warnings.catch_warnings():
        # PySpark warns on import that it is not yet tested with pandas 3; the roll-up only
        # collects plain rows, which it handles.
        warnings.filterwarnings(
            "ignore", "PySpark does not yet fully support pandas", FutureWarning
        )
        from pyspark.sql import SparkSession

    builder: Any = SparkSession.builder
    session: SparkSession = (
        builder.master(master)
        .appName("citykpi-observations")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.ansi.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """Run roll-ups on Apache Spark (``local[2]`` unless a master URL is given)."""

    dialect = SPARK

    def __init__(self, *, master: str = DEFAULT_SPARK_MASTER) -> None:
        self._spark = spark_session(master)
        self._views = 0

    def sources(self, files: Sequence[ObservationFile]) -> list[str]:
        """Register each file as a temporary view and return the views' names."""
        names = []
        for f in files:
            reader = self._spark.read
            path = str(Path(f.path).resolve())
            frame = reader.parquet(path) if f.format == "parquet" else reader.csv(path, header=True)
            self._views += 1
            name = f"citykpi_obs_{id(self)}_{self._views}"
            frame.createOrReplaceTempView(name)
            names.append(name)
        return names

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make ``frame`` queryable as ``name`` (a temporary view)."""
        # Plain rows, not pandas: PySpark's pandas conversion warns under pandas 3.
        rows = [tuple(r) for r in frame.itertuples(index=False)]
        schema = ", ".join(
            f"{c} {'BIGINT' if pd.api.types.is_integer_dtype(frame[c]) else 'STRING'}"
            for c in frame.columns
        )
        self._spark.createDataFrame(rows, schema).createOrReplaceTempView(name)

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and collect the (small) result to pandas."""
        rows = self._spark.sql(sql).collect()
        columns = self._spark.sql(sql).columns if not rows else list(rows[0].asDict())
        return pd.DataFrame([r.asDict() for r in rows], columns=columns)


def make_engine(name: str, *, spark_master: str = DEFAULT_SPARK_MASTER) -> Engine:
    """Return the engine called ``name`` (``"duckdb"`` or ``"spark"``).

    Raises
    ------
    InputError
        Unknown name, or the engine's package is not installed (the extra to install named).
    """
    if name not in ENGINES:
        msg = f"Unknown engine {name!r}; use one of {', '.join(ENGINES)}."
        raise InputError(msg)
    try:
        if name == "duckdb":
            return DuckDbEngine()
        return SparkEngine(master=spark_master)
    except ImportError as e:
        extra = "observations" if name == "duckdb" else "spark"
        msg = f"The {name} engine is not installed; pip install 'citykpi[{extra}]'."
        raise InputError(msg) from e


__all__ = [
    "DEFAULT_SPARK_MASTER",
    "ENGINES",
    "DuckDbEngine",
    "Engine",
    "SparkEngine",
    "make_engine",
    "spark_session",
]
