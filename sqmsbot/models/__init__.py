"""The ORM, split by domain; import models from here."""

from sqmsbot.models.accountability import AccountabilityEvent as AccountabilityEvent
from sqmsbot.models.accountability import AccountabilityRecord as AccountabilityRecord
from sqmsbot.models.base import Base, UTCDateTime
from sqmsbot.models.blobs import Blob, MessageBlob
from sqmsbot.models.delivery import OutboxMessage, ProcessedRequest
from sqmsbot.models.digests import DigestSubscription
from sqmsbot.models.inbound import InboundRequest as InboundRequest
from sqmsbot.models.incidents import Incident, IncidentEvent, IncidentInvolvement
from sqmsbot.models.jobs import JobRun
from sqmsbot.models.kpi_inputs import Feedback, ServiceVolume
from sqmsbot.models.people import Person
from sqmsbot.models.sla import IncidentTarget, IncidentTargetMove
from sqmsbot.models.state import StoredValue

__all__ = [
    "Base",
    "Blob",
    "DigestSubscription",
    "Feedback",
    "Incident",
    "IncidentEvent",
    "IncidentInvolvement",
    "IncidentTarget",
    "IncidentTargetMove",
    "JobRun",
    "MessageBlob",
    "OutboxMessage",
    "Person",
    "ProcessedRequest",
    "ServiceVolume",
    "StoredValue",
    "UTCDateTime",
]
