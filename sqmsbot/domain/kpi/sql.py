"""The SQL pieces the KPI queries share, written once so SQLite and PostgreSQL give the same figures.

- `seconds_between(later, earlier)`: a wall-clock duration in seconds, computed in the database.
  SQLite keeps instants as UTC text, so `julianday` differences (in days, a double) are scaled and
  rounded to the millisecond, the precision that float keeps; PostgreSQL subtracts the timestamps
  exactly (`EXTRACT(EPOCH FROM …)`) and is rounded the same way, so both say the same number.
- `duration_stats(durations, columns=…)`: count, mean, median and p90 of each of a subquery's
  duration columns (`seconds`, and e.g. `business`: the business-time variant of the same population)
  in ONE aggregate statement, without fetching the rows. A column may be NULL on some rows (a
  business time not known): its figures are those of the rows where it is known.

Percentiles are linear interpolation between closest ranks (PostgreSQL's `percentile_cont`, numpy's
default, Excel's PERCENTILE.INC): for n sorted values x₁ … xₙ and a fraction p, h = (n − 1)·p,
value = x[⌊h⌋+1] + (h − ⌊h⌋)·(x[⌊h⌋+2] − x[⌊h⌋+1]). The median of an even count is the mean of the two
middle values. SQLite has no `percentile_cont`, so both databases use the same portable form:
ROW_NUMBER() and COUNT() window functions number the rows, integer arithmetic on the rank picks the
two rows around h (p as a ratio of integers: no floating rank to round differently) and a SUM of the
two weighted values yields the percentile. Each column is numbered on its own, its NULLs in a
partition apart, so two columns share one scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, case, cast, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

# p as numerator / denominator: exact integer rank arithmetic on both databases.
PERCENTILES = {"median": (1, 2), "p90": (9, 10)}


class seconds_between(FunctionElement[float]):  # lower case: used like a SQL function
    """`later − earlier` in seconds (a float rounded to the millisecond); NULL if either is NULL."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND(CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS NUMERIC), 3) AS DOUBLE PRECISION)"


def duration_stats(durations: Select[Any], *, columns: Sequence[str] = ("seconds",)) -> Select[Any]:
    """n, mean, median, p90 (seconds) of each of `columns` of `durations`, in that order: four
    numbers per column (labelled `n`, `mean`, `median`, `p90` for the first, `<column>_n`, … after).

    One statement: the rows are numbered in a subquery and aggregated by the database; only these
    numbers come back, however many incidents the period holds.
    """
    inner = durations.subquery("durations")
    numbered: list[ColumnElement[Any]] = []
    for name in columns:
        value = inner.c[name]
        numbered += [
            value.label(name),
            func.row_number()
            .over(partition_by=case((value.is_(None), 1), else_=0), order_by=value)
            .label(f"{name}_rn"),
            func.count(value).over().label(f"{name}_count"),
        ]
    ranked = select(*numbered).subquery("ranked")
    stats: list[ColumnElement[Any]] = []
    for index, name in enumerate(columns):
        prefix = "" if index == 0 else f"{name}_"
        stats += _stats(ranked.c[name], ranked.c[f"{name}_rn"], ranked.c[f"{name}_count"], prefix)
    return select(*stats)


def _stats(value: Any, rn: Any, n: Any, prefix: str) -> list[ColumnElement[Any]]:
    columns: list[ColumnElement[Any]] = [
        func.count(value).label(f"{prefix}n"),
        func.avg(cast(value, Float)).label(f"{prefix}mean"),
    ]
    for label, (num, den) in PERCENTILES.items():
        # Constants inline, not bound: an integer parameter must not turn the division into a float one.
        h = (n - 1) * literal_column(str(num))  # the rank h × den, an integer
        below = h.op("/")(literal_column(str(den))) + 1  # ⌊h⌋ + 1 (1-based): integer division on both
        weight = cast(h.op("%")(literal_column(str(den))), Float) / float(den)  # h − ⌊h⌋
        known = value.is_not(None)
        columns.append(
            func.sum(
                case(
                    (known & (rn == below), value * (1 - weight)),
                    (known & (rn == below + 1), value * weight),
                    else_=0.0,
                )
            ).label(f"{prefix}{label}")
        )
    return columns
