"""A form as questions in the terminal: the console's rendering of a `Form` (DESIGN §3, §4).

Each field is asked in turn with its label, its choices (a select's values, yes/no for a checkbox)
and its default in brackets. An empty answer takes the default, or skips a field that is not
required; a required one left empty is asked once more, and left empty again cancels the form.
Each answer is checked at once by the command layer (`check`: the submitted line bound to the
subcommand's arguments, not run), so a refusal is shown under the question — in the reader's
language, as the dispatcher would say it — and the same field is asked again; `TRIES` refusals in
a row cancel. `:cancel` cancels at any question, and so does the end of the input. A cancelled
form runs nothing, so it writes nothing. Control characters and over-long answers are refused
before they are checked (an escape sequence is never echoed back into the terminal).

What the answers stand for is the form's command line (`command_line`), run by the console like
any typed line: one path, whatever the platform.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqmsbot.cmd.forms import command_line
from sqmsbot.cmd.names import fold
from sqmsbot.i18n import Translator
from sqmsbot.messages import Form, FormField

Read = Callable[[str], str | None]  # shows a question, returns the answer (None: the input ended)
Write = Callable[[str], None]
Check = Callable[[str], dict[str, str]]  # a command line → its errors by field

TRIES = 3
MAX_ANSWER = 12_000  # longer than any field allows; refused before it is even checked
CANCEL = {":cancel", ":c", ":q", ":quit", ":exit", ":取消"}
YES = {"y", "yes", "true", "1", "on", "是", "是的", "对", "好"}
NO = {"n", "no", "false", "0", "off", "否", "不", "不是"}
PERSON = re.compile(r"<@([^\s<>@:]{1,64})>|@?([^\s<>@:]{1,64})")


@dataclass
class Prompter:
    """Asks one form's questions through `read`, says what is wrong through `write`."""

    read: Read
    write: Write
    t: Translator
    check: Check

    def fill(self, form: Form) -> str | None:
        """The command line the answers stand for, or None when the form was cancelled (and the
        person told so)."""
        self.write(self.t("console.form_intro", title=form.title))
        answers: dict[str, str] = {}
        if not all(self._ask(form, field, answers) for field in form.fields):
            return None
        for _ in range(TRIES):  # a rule across fields, seen only once all are answered
            errors = self.check(command_line(form.command, answers))
            wrong = next((f for f in form.fields if f.name in errors), None)
            if wrong is None:
                return command_line(form.command, answers)
            self.write(self.t("errors.reply", message=errors[wrong.name]))
            answers.pop(wrong.name, None)
            if not self._ask(form, wrong, answers):
                return None
        self._stop("console.form_cancelled")
        return None

    def _ask(self, form: Form, field: FormField, answers: dict[str, str]) -> bool:
        """Ask until the field has an answer the command accepts (or none, if it may be empty);
        False when the form is cancelled instead."""
        t, empty, refused = self.t, 0, 0
        while True:
            raw = self.read(self._question(field))
            if raw is None:
                return self._stop("console.form_unfinished")
            answer = raw.strip()
            if answer.lower() in CANCEL:
                return self._stop("console.form_cancelled")
            if not answer and field.required and not field.initial:
                empty += 1
                if empty >= 2:
                    return self._stop("console.form_cancelled")
                self.write(t("errors.reply", message=t("console.form_must_answer")))
                continue
            value, problem = self._value(field, answer)
            if problem is None:
                trial = dict(answers) if value is None else {**answers, field.name: value}
                problem = self.check(command_line(form.command, trial)).get(field.name)
            if problem is None:
                if value is not None:
                    answers[field.name] = value
                return True
            refused += 1
            self.write(t("errors.reply", message=problem))
            if refused >= TRIES:
                return self._stop("console.form_gave_up", label=field.label, tries=TRIES)

    def _value(self, field: FormField, answer: str) -> tuple[str | None, str | None]:
        """The answer as the command line wants it (None: leave the field out), or what is wrong."""
        t = self.t
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in answer):
            return None, t("console.form_control")
        limit = field.max_length or MAX_ANSWER
        if len(answer) > limit:
            return None, t("errors.too_long", field=field.label, max=limit)
        if not answer:
            answer = field.initial or ""
            if not answer:
                return None, None
        if field.kind == "checkbox":
            word = fold(answer).lower()
            if word in YES:
                return "true", None
            if word in NO:
                return None, None
            return None, t("console.form_bad_yes_no")
        if field.kind == "user":
            match = PERSON.fullmatch(answer)
            if match is None:
                return None, t("console.form_bad_person")
            return f"<@{match.group(1) or match.group(2)}>", None
        if field.kind == "select":
            return _option(field, answer), None
        return answer, None

    def _question(self, field: FormField) -> str:
        t = self.t
        return t(
            "console.form_question",
            label=field.label,
            required=t("console.form_required") if field.required else "",
            choices=self._choices(field),
            default=t("console.form_default", default=self._default(field)) if self._default(field) else "",
        )

    def _choices(self, field: FormField) -> str:
        t = self.t
        if field.kind == "checkbox":
            return t("console.form_choices", choices=t("console.form_yes_no"))
        if field.kind != "select" or not field.options:
            return ""
        options = [
            value if label == value else t("console.form_option", value=value, label=label)
            for value, label in field.options
        ]
        return t("console.form_choices", choices=t("errors.list_separator").join(options))

    def _default(self, field: FormField) -> str:
        t = self.t
        if field.kind == "checkbox":
            return t("console.form_yes") if field.initial in ("true", "1", "yes") else t("console.form_no")
        if field.kind == "user" and field.initial:
            return "@" + field.initial
        return field.initial or ""

    def _stop(self, key: str, **args: object) -> Literal[False]:
        """Say why the form stops; False, for `_ask` to hand on as "cancelled"."""
        self.write(self.t(key, **args))
        return False


def shown(answer: str) -> str:
    """An answer as it may be echoed: control characters spelled out (`\\x1b`), never sent to the
    terminal, where an escape sequence would repaint or retitle it."""
    return "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in answer)


def _option(field: FormField, answer: str) -> str:
    """A select's value for what was typed: its value or its label in any case or width; anything
    else as typed, for the command to accept (a service named in another language) or refuse."""
    wanted = fold(answer).lower()
    for value, label in field.options:
        if wanted in (fold(value).lower(), fold(label).lower()):
            return value
    return answer
