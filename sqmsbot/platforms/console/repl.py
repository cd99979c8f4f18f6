"""The console: the chat commands typed in a terminal, and the first-class test harness.

Interactive with a prompt on a TTY; otherwise it runs the lines it is given, echoing each one,
prints every reply and every delivered notification, and ends at end of input.

A line whose subcommand declares a form for it (the bare `incident`, `incident resolve SQ-1`) asks
the form's questions first (`forms`), reading the answers from the same
input: `input()` on a TTY, the next lines otherwise (echoed after their question, as typed lines
are). Where no answers can be read (`handle` called on its own, as the transcript tests do) the
line runs as typed, and the bare `incident` shows the help.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import sys
from collections.abc import Callable, Iterable

import commands
from sqmsbot.clock import ManualClock
from sqmsbot.cmd.names import find_department, find_role
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.domain.people import sandbox_person
from sqmsbot.errors import SqmsError
from sqmsbot.i18n import Translator
from sqmsbot.models import Person
from sqmsbot.outbox import OutboxWorker
from sqmsbot.platforms.console.clock import clock_command, starting_clock
from sqmsbot.platforms.console.delivery import ConsoleDeliverer
from sqmsbot.platforms.console.forms import Prompter, Read, shown
from sqmsbot.platforms.console.name import PLATFORM
from sqmsbot.platforms.console.render import indent, write_reply_files
from sqmsbot.presenters.incident import department_name
from sqmsbot.runtime import Runtime
from sqmsbot.vocabulary import ROLES

MENTION_WORD = re.compile(r"(?<![\w<@])@([^\s@<>,，。;；:：!！?？)）\"“”']+)")
Write = Callable[[str], None]


def to_mentions(line: str) -> str:
    """`@li` → `<@li>`: the console's mentions, normalised the way every adapter hands them over."""
    return MENTION_WORD.sub(lambda m: f"<@{m.group(1).rstrip('.')}>", line)


class Console:
    """One person at a keyboard, able to be anyone in the sandbox organisation."""

    def __init__(
        self, runtime: Runtime, *, write: Write = print, name: str = "me", read: Read | None = None
    ) -> None:
        # The sandbox's time moves only when told (`:clock`), starting at the real now, or where an
        # earlier console on this store left it if that is later (never before what is stored).
        if runtime.platforms != (PLATFORM,):
            # A sandbox: what it reports is posted on the console alone, never in the real Slack
            # channels whose tokens happen to be in the environment (`Runtime.reachable`).
            only_here = runtime.settings.model_copy(update={"platforms_setting": PLATFORM})
            runtime = dataclasses.replace(runtime, settings=only_here)
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
        self.read = read  # where a form's answers come from; None: forms are not asked
        self.name = name
        self.channel = runtime.org.departments[0].channel(PLATFORM) or "#general"
        deliverer = ConsoleDeliverer(write, runtime.org, files_dir=runtime.settings.files_dir)
        self.worker = OutboxWorker(runtime.db, deliverer, runtime.clock)
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
        text = self._answered(to_mentions(line))
        if text is None:  # a form was cancelled: nothing runs, nothing is written
            return True
        request = CommandRequest(
            platform=PLATFORM,
            channel=self.channel,
            user_id=self.name,
            text=text,
            display_name=self.name,
        )
        reply = commands.dispatch(request, runtime=self.runtime)
        self.locale = reply.locale or self.locale  # decided by the dispatcher (`/sq lang` included)
        for message in reply.messages:
            self.write(indent(message.text, ""))
            write_reply_files(
                message,
                db=self.runtime.db,
                files_dir=self.runtime.settings.files_dir,
                t=self.t,
                write=self.write,
            )
        self.worker.drain()
        return True

    def run(self, lines: Iterable[str], *, echo: bool) -> None:
        """Run the lines; a form's questions are answered by the lines that follow its line."""
        source = iter(lines)

        def answer(question: str) -> str | None:
            line = next(source, None)
            if line is None:
                return None
            text = line.rstrip("\n")
            if echo:
                self.write(question + shown(text))
            return text

        outer, self.read = self.read, answer
        try:
            for line in source:
                if echo and line.strip():
                    self.write(self.prompt + shown(line.rstrip("\n")))
                if not self.handle(line):
                    break
        finally:
            self.read = outer

    def _answered(self, line: str) -> str | None:
        """The line to run: as typed, or what its declared form's answers stand for (None when the
        form was cancelled). Decided before dispatch, in the reader's language, without the store."""
        t, org = self.t, self.runtime.org
        form = commands.form_for(line, t=t, org=org, user_id=self.name) if self.read else None
        if form is None or self.read is None:
            return line
        names = [field.name for field in form.fields]

        def check(submitted: str) -> dict[str, str]:
            return commands.check_form(submitted, t=t, org=org, fields=names)

        return Prompter(read=self.read, write=self.write, t=t, check=check).fill(form)

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
            self.write(t("console.unknown", line=shown(line[:40])))
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


def interactive(console: Console) -> None:
    """A prompt with line editing where the terminal offers it."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (enables history and editing for input())
    console.write(console.t("console.welcome"))
    console.read = _typed
    while True:
        try:
            line = input(console.prompt)
        except (EOFError, KeyboardInterrupt):
            console.write("")
            break
        if not console.handle(line):
            break


def _typed(question: str) -> str | None:
    """A form's answer typed at its question; None when the person ends the input (Ctrl-D, Ctrl-C)."""
    try:
        return input(question)
    except (EOFError, KeyboardInterrupt):
        return None


def run_console(runtime: Runtime, *, stdin: Iterable[str] | None = None, is_tty: bool | None = None) -> None:
    console = Console(runtime)
    tty = sys.stdin.isatty() if is_tty is None else is_tty
    if tty:
        interactive(console)
    else:
        console.run(stdin if stdin is not None else sys.stdin, echo=True)
