"""Who may read which KPIs (sqmsbot.domain.kpi.access): no store needed."""

from __future__ import annotations

import pytest

from sqmsbot.domain.kpi.access import may_see, require_may_see
from sqmsbot.errors import Forbidden
from sqmsbot.models import Person
from sqmsbot.vocabulary import ROLES


def _person(role: str, department: str | None = "ops") -> Person:
    return Person(
        platform="console", platform_user_id="x", display_name="x", role=role, department=department
    )


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_their_own_department_and_the_organisation(role: str) -> None:
    assert may_see(_person(role), department="ops") and may_see(_person(role), department=None)
    assert may_see(_person(role, None), department=None)


def test_only_cross_department_roles_see_other_departments() -> None:
    assert [role for role in ROLES if may_see(_person(role), department="it")] == [
        "lead",
        "manager",
        "quality",
        "admin",
    ]
    with pytest.raises(Forbidden):
        require_may_see(_person("member"), department="it")
    with pytest.raises(Forbidden):
        require_may_see(_person("member", None), department="it")
