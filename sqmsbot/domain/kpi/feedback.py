"""Customer feedback on an incident: a score from 1 to 5 and a few words, the CSAT KPI's input (§8).

Who rates: the incident's reporter, who speaks for the customer (README, "Who may do what") and is
told when it is resolved, with the way to rate it. Not the department that handled it (it would be
grading itself), and not the reporter's colleagues: one voice per incident keeps the share honest.

When: once the incident is resolved or closed, as the customer judges an outcome, not work in
progress. A duplicate is rated on its original, where the work happened.

One response per incident and person: rating again replaces the score and comment and moves the
response to now, so it counts in the period it was last given. A rating is the customer's voice, not
a step of the incident's workflow: the incident itself, its timeline and its version do not change.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sqmsbot.errors import Forbidden, InvalidTransition, UsageError
from sqmsbot.models import Feedback, Incident, Person
from sqmsbot.models.kpi_inputs import COMMENT_MAX

RATEABLE = ("resolved", "closed")
SCORES = range(1, 6)
POSITIVE = 4
"""Scores from 4 up are satisfied customers: the CSAT share counts them."""
STARS = {"★", "⭐"}

__all__ = ["COMMENT_MAX", "POSITIVE", "RATEABLE", "Rated", "parse_score", "rate"]


def parse_score(text: str) -> int:
    """`1`…`5`, `４` (full width), `5/5`, or that many stars (`★★★★`); a UsageError for anything else."""
    folded = unicodedata.normalize("NFKC", text).strip()
    stars = folded.replace("\ufe0f", "")  # ⭐ may carry an emoji variation selector
    if stars and set(stars) <= STARS and len(stars) in SCORES:
        return len(stars)
    number = folded.removesuffix("/5")
    if len(number) == 1 and number in "12345":
        return int(number)
    shown = " ".join(text.split())
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    raise UsageError("kpi_inputs.bad_score", field="rating", value=shown)


@dataclass(frozen=True)
class Rated:
    """The response as stored, and the score it replaced (None: the first response)."""

    feedback: Feedback
    before: int | None


def rate(
    session: Session,
    *,
    incident: Incident,
    actor: Person,
    score: int,
    comment: str | None,
    now: datetime,
) -> Rated:
    """Record `actor`'s score of `incident` (replacing their earlier one); refused with a reason when
    they are not its reporter, it is not resolved yet, or it is a duplicate."""
    if incident.reporter_id != actor.id:
        raise Forbidden("kpi_inputs.rate_reporter_only", incident=incident.id)
    if incident.duplicate_of_id is not None:
        raise InvalidTransition("kpi_inputs.rate_duplicate", incident=incident.duplicate_of_id)
    if incident.status not in RATEABLE:
        raise InvalidTransition("kpi_inputs.rate_not_resolved", incident=incident.id, status=incident.status)
    if score not in SCORES:
        raise UsageError("kpi_inputs.bad_score", field="rating", value=str(score))
    if comment is not None and len(comment) > COMMENT_MAX:
        raise UsageError("errors.too_long", field="comment", max=COMMENT_MAX)
    found = session.get(Feedback, (incident.id, actor.id))
    before = None if found is None else found.score
    if found is None:
        found = Feedback(incident_id=incident.id, person_id=actor.id)
        session.add(found)
    found.score, found.comment, found.at = score, comment, now
    session.flush()
    return Rated(feedback=found, before=before)
