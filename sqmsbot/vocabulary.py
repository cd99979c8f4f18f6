"""The words the bot's records are made of: roles, priorities, categories and sources. One home each.

They were spelled out where each layer first needed them (roles in the models, priorities in the
domain and again in the SLA configuration), so a new priority or role had to be added in several
places that could silently disagree. They live here, in a leaf module that imports nothing of the
bot, so the models, the configuration, the domain and the command layer can all take them from the
same place without importing upwards (an import contract in pyproject.toml keeps it a leaf).

The order is meaningful: ROLES goes from least to most authority (`domain.people` ranks by it) and
PRIORITIES from most to least urgent; choice lists and error messages show them in this order.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Priority = Literal["P1", "P2", "P3", "P4"]
"""An incident's priority, as the organisation file's policies type it (pydantic checks it)."""
PRIORITIES: Final[tuple[Priority, ...]] = get_args(Priority)
"""Every priority, most urgent first: the same four as `Priority`, never written twice."""

ROLES: Final = ("member", "lead", "manager", "quality", "admin")
"""What a person may do, from least to most authority."""

CATEGORIES: Final = ("man", "machine", "material", "method", "measurement", "environment")
"""An incident's cause category: the six Ms of a fishbone diagram (catalog key `category.<name>`)."""

SOURCES: Final = ("complaint", "internal", "audit", "mystery-shopper", "kpi-alert")
"""Where an incident came from (catalog key `source.<name>`)."""

__all__ = ["CATEGORIES", "PRIORITIES", "ROLES", "SOURCES", "Priority"]
