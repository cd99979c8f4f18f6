"""What a subcommand handler gets: the unit of work, the actor, a translator and the notifier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sqmsbot.cmd.request import CommandRequest
from sqmsbot.config import OrgConfig
from sqmsbot.i18n import Translator
from sqmsbot.models import Person
from sqmsbot.outbox import Notifier
from sqmsbot.runtime import Runtime


@dataclass
class Ctx:
    session: Session
    runtime: Runtime
    request: CommandRequest
    actor: Person
    t: Translator
    notify: Notifier
    now: datetime

    @property
    def org(self) -> OrgConfig:
        return self.runtime.org

    @property
    def platform(self) -> str:
        return self.request.platform
