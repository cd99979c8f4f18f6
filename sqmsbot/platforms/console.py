"""The console adapter: the chat commands typed in a terminal, and the first-class test harness.

Interactive with a prompt on a TTY; otherwise it runs the lines it is given, echoing each one,
prints every reply and every delivered notification, and ends at end of input.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import sys
from collections.abc import Callable, Iterable

from sqlalchemy import select

import commands
from sqmsbot.clock import ManualClock
from sqmsbot.cmd.names import find_department, find_role
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.config import OrgConfig
from sqmsbot.domain.people import sandbox_person
from sqmsbot.errors import SqmsError
from sqmsbot.i18n import Translator
from sqmsbot.models import ROLES, Person
from sqmsbot.outbox import Delivery, OutboxWorker
from sqmsbot.platforms.console_clock import clock_command, starting_clock
from sqmsbot.platforms.console_render import delivery_text, indent
from sqmsbot.presenters.incident import department_name
from sqmsbot.runtime import Runtime

PLATFORM = "console"
MENTION_WORD = re.compile(r"(?<![\w<@])@([^\s@<>,，。;；:：!！?？)）\"“”']+)")
Write = Callable[[str], None]


def to_mentions(line: str) -> str:
    """`@li` → `<@li>`: the console's mentions, normalised the way every adapter hands them over."""
    return MENTION_WORD.sub(lambda m: f"<@{m.group(1).rstrip('.')}>", line)


class ConsoleDeliverer:
    platform = PLATFORM

    def __init__(self, write: Write, org: OrgConfig) -> None:
        self.write = write
        self.org = org

    def deliver(self, delivery: Delivery) -> str:
        self.write(delivery_text(delivery, Translator(self._locale(delivery))))
        return f"console-{delivery.id}"

    def _locale(self, delivery: Delivery) -> str:
        """A channel reads in its department's language (the words the console adds, too)."""
        for dept in self.org.departments:
            if delivery.target_kind == "channel" and dept.channel(PLATFORM) == delivery.target:
                return dept.locale
        return self.org.default_locale


class Console:
    """One person at a keyboard, able to be anyone in the sandbox organisation."""

    def __init__(self, runtime: Runtime, *, write: Write = print, name: str = "me") -> None:
        # The sandbox's time moves only when told (`:clock`), starting at the real now, or where an
        # earlier console on this store left it if that is later (never before what is stored).
        start = starting_clock(runtime.db, runtime.clock.now())
        if isinstance(runtime.clock, ManualClock):
            clock = runtime.clock
            clock.set(start.now())
        else:
            clock = start
            runtime = dataclasses.replace(runtime, clock=clock)
        self.clock = clock
        self.runtime = runtime
        self.write = write
        self.name = name
        self.channel = runtime.org.departments[0].channel(PLATFORM) or "#general"
        self.worker = OutboxWorker(runtime.db, ConsoleDeliverer(write, runtime.org), runtime.clock)
        self.locale = runtime.org.default_locale
        if self._become(name, None, None).department is None:
            # The sandbox's own person works in the first department, whose channel the console
            # starts in: a new user can report and work an incident at once; `:as` changes it.
            self._become(name, None, runtime.org.departments[0].key)

    @property
    def prompt(self) -> str:
        return f"{self.name}@{self.channel}> "

    @property
    def t(self) -> Translator:
        return Translator(self.locale)

    def handle(self, line: str) -> bool:
        """Run one line; False when the person asked to leave."""
        line = line.strip()
        if not line or (line.startswith("#") and not line.startswith("#!")):
            return True
        if line.startswith(":"):
            return self._meta(line)
        request = CommandRequest(
            platform=PLATFORM,
            channel=self.channel,
            user_id=self.name,
            text=to_mentions(line),
            display_name=self.name,
        )
        reply = commands.dispatch(request, runtime=self.runtime)
        self._refresh_locale()
        for message in reply.messages:
            self.write(indent(message.text, ""))
        self.worker.drain()
        return True

    def run(self, lines: Iterable[str], *, echo: bool) -> None:
        for line in lines:
            if echo and line.strip():
                self.write(self.prompt + line.rstrip("\n"))
            if not self.handle(line):
                break

    def _meta(self, line: str) -> bool:
        word, _, rest = line.partition(" ")
        t = self.t
        if word in (":quit", ":q", ":exit"):
            self.write(t("console.bye"))
            return False
        if word in (":help", ":h", ":?"):
            self.write(t("console.help"))
        elif word == ":as":
            self._as(rest.split())
        elif word == ":clock":
            clock_command(self.runtime, self.clock, self.worker, t, self.write, rest)
        elif word == ":in":
            channel = rest.strip()
            if not re.fullmatch(r"#[\w-]{1,40}", channel):
                self.write(t("console.bad_in"))
            else:
                self.channel = channel
                self.write(t("console.in_now", channel=channel))
        else:
            self.write(t("console.unknown", line=line[:40]))
        return True

    def _as(self, words: list[str]) -> None:
        # Printable names only: a NUL would not even fit in PostgreSQL, an escape would repaint the terminal.
        if (
            not words
            or len(words) > 3
            or not re.fullmatch(r"[^\s:@<>]{1,40}", words[0])
            or not words[0].isprintable()
        ):
            self._bad_as()
            return
        placed = self._role_and_department(words[1:])
        if placed is None:
            self._bad_as()
            return
        role, dept = placed
        try:
            person = self._become(words[0], role, dept)
        except SqmsError:
            self._bad_as()
            return
        t = self.t
        department = (
            department_name(self.runtime.org, person.department, t.locale)
            if person.department
            else t("sq.no_department")
        )
        self.write(
            t(
                "console.as_now",
                name=person.display_name,
                role=t("role." + person.role),
                department=department,
            )
        )

    def _role_and_department(self, words: list[str]) -> tuple[str | None, str | None] | None:
        """`ROLE DEPT` by position, so that `:as lin quality quality` is a quality officer in the quality
        department; one word is a role if it names one, else a department. Names work as well as keys
        (`质量专员`, `财务部`). None when a word names nothing."""
        org = self.runtime.org
        if len(words) == 2:
            role, dept = find_role(words[0]), find_department(org, words[1])
            return None if role is None or dept is None else (role, dept)
        if len(words) == 1:
            role = find_role(words[0])
            dept = None if role is not None else find_department(org, words[0])
            return None if role is None and dept is None else (role, dept)
        return None, None

    def _bad_as(self) -> None:
        departments = ", ".join(self.runtime.org.department_by_key)
        self.write(self.t("console.bad_as", roles=", ".join(ROLES), departments=departments))

    def _become(self, name: str, role: str | None, department: str | None) -> Person:
        with self.runtime.db.transaction() as session:
            person = sandbox_person(
                session,
                org=self.runtime.org,
                platform=PLATFORM,
                name=name,
                now=self.runtime.clock.now(),
                role=role,
                department=department,
            )
        self.name = name
        self.locale = person.locale or self.runtime.org.default_locale
        return person

    def _refresh_locale(self) -> None:
        with self.runtime.db.transaction() as session:
            locale = session.scalar(
                select(Person.locale).where(Person.platform == PLATFORM, Person.platform_user_id == self.name)
            )
        self.locale = locale or self.runtime.org.default_locale


def interactive(console: Console) -> None:
    """A prompt with line editing where the terminal offers it."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (enables history and editing for input())
    console.write(console.t("console.welcome"))
    while True:
        try:
            line = input(console.prompt)
        except (EOFError, KeyboardInterrupt):
            console.write("")
            break
        if not console.handle(line):
            break


def run_console(runtime: Runtime, *, stdin: Iterable[str] | None = None, is_tty: bool | None = None) -> None:
    console = Console(runtime)
    tty = sys.stdin.isatty() if is_tty is None else is_tty
    if tty:
        interactive(console)
    else:
        console.run(stdin if stdin is not None else sys.stdin, echo=True)
