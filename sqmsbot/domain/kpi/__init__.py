"""The KPI engine (DESIGN §8): every KPI the schema supports, for any period and slice, in SQL.

`compute(session, period=Period.day(date, tz), slice=Slice(department="ops"), org=org, now=now)`
returns a `KpiReport`; `report.as_json()` is what `sqmsbot kpi --json` prints.
"""

from sqmsbot.domain.kpi.engine import compute
from sqmsbot.domain.kpi.period import Period, timezone_for
from sqmsbot.domain.kpi.report import Attainment, Durations, Figures, KpiReport
from sqmsbot.domain.kpi.slice import Slice

__all__ = ["Attainment", "Durations", "Figures", "KpiReport", "Period", "Slice", "compute", "timezone_for"]
