"""The ORM, split by domain; import models from here."""

from sqmsbot.models.base import Base, UTCDateTime
from sqmsbot.models.delivery import OutboxMessage, ProcessedRequest
from sqmsbot.models.incidents import Incident, IncidentEvent, IncidentInvolvement
from sqmsbot.models.people import ROLES, Person

__all__ = [
    "ROLES",
    "Base",
    "Incident",
    "IncidentEvent",
    "IncidentInvolvement",
    "OutboxMessage",
    "Person",
    "ProcessedRequest",
    "UTCDateTime",
]
