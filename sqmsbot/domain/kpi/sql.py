"""The SQL pieces the KPI queries share, written once so SQLite and PostgreSQL give the same figures.

- `seconds_between(later, earlier)`: a wall-clock duration in seconds, computed in the database.
  SQLite keeps instants as UTC text, so `julianday` differences (in days, a double) are scaled and
  rounded to the millisecond, the precision that float keeps; PostgreSQL subtracts the timestamps
  exactly (`EXTRACT(EPOCH FROM …)`) and is rounded the same way, so both say the same number.
- `duration_stats(durations)`: count, mean, median and p90 of a subquery's `seconds` column in ONE
  aggregate statement, without fetching the rows.

Percentiles are linear interpolation between closest ranks (PostgreSQL's `percentile_cont`, numpy's
default, Excel's PERCENTILE.INC): for n sorted values x₁ … xₙ and a fraction p, h = (n − 1)·p,
value = x[⌊h⌋+1] + (h − ⌊h⌋)·(x[⌊h⌋+2] − x[⌊h⌋+1]). The median of an even count is the mean of the two
middle values. SQLite has no `percentile_cont`, so both databases use the same portable form:
ROW_NUMBER() and COUNT(*) window functions number the rows, integer arithmetic on the rank picks the
two rows around h (p as a ratio of integers: no floating rank to round differently) and a SUM of the
two weighted values yields the percentile.
"""

from __future__ import annotations

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


def duration_stats(durations: Select[Any]) -> Select[Any]:
    """n, mean, median, p90 (seconds) of `durations`, a select with one column named `seconds`.

    One statement: the rows are numbered in a subquery and aggregated by the database; only four
    numbers come back, however many incidents the period holds.
    """
    inner = durations.subquery("durations")
    ranked = select(
        inner.c.seconds.label("seconds"),
        func.row_number().over(order_by=inner.c.seconds).label("rn"),
        func.count().over().label("n"),
    ).subquery("ranked")
    columns: list[ColumnElement[Any]] = [
        func.count(ranked.c.seconds).label("n"),
        func.avg(ranked.c.seconds).label("mean"),
    ]
    for label, (num, den) in PERCENTILES.items():
        # Constants inline, not bound: an integer parameter must not turn the division into a float one.
        h = (ranked.c.n - 1) * literal_column(str(num))  # the rank h × den, an integer
        below = h.op("/")(literal_column(str(den))) + 1  # ⌊h⌋ + 1 (1-based): integer division on both
        weight = cast(h.op("%")(literal_column(str(den))), Float) / float(den)  # h − ⌊h⌋
        columns.append(
            func.sum(
                case(
                    (ranked.c.rn == below, ranked.c.seconds * (1 - weight)),
                    (ranked.c.rn == below + 1, ranked.c.seconds * weight),
                    else_=0.0,
                )
            ).label(label)
        )
    return select(*columns)
