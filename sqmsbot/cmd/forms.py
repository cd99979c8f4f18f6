"""Forms owned by the command layer: which line opens one, what it submits, what it got wrong.

A subcommand declares its form (`form=` on `Command.sub`, see sqmsbot.cmd.form_request); nothing
here or in an adapter names a command. Adapters only:

- ask `form_for(line, …)` whether a line (a bare command, a button's command line, a typed line)
  opens a form, and render the `Form` it returns (a Slack modal, a Lark form card, console prompts);
- turn the answers into the command line the form stands for (`command_line`) and run it through
  the dispatcher, exactly as typing it would;
- show `check_form`'s per-field errors under the fields, which binds the submitted line to the
  subcommand's arguments without running it (no store, no side effects).

The registry is passed in (`commands.form_for` passes `commands.registry()`): the command layer
sits below the command modules and does not import them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqmsbot.cmd.dispatch import MAX_LINE
from sqmsbot.cmd.form_request import FormRequest
from sqmsbot.cmd.spec import Command, Subcommand
from sqmsbot.cmd.tokens import tokenize
from sqmsbot.cmd.wording import labelled
from sqmsbot.config import OrgConfig
from sqmsbot.errors import UsageError
from sqmsbot.i18n import Translator
from sqmsbot.messages import Form


@dataclass(frozen=True)
class _Found:
    command: Command
    sub: Subcommand
    rest: str


def form_for(
    line: str, *, t: Translator, org: OrgConfig, user_id: str, commands: Mapping[str, Command]
) -> Form | None:
    """The form this line opens, or None to run it as it is.

    `incident` (a bare command means its default subcommand) gives the report form; a button's
    `incident assign SQ-1` the assign form, preset to `user_id`; `incident assign SQ-1 <@U3>` None.
    A line that names no subcommand with a form, or does not even tokenize, is None: the dispatcher
    runs it and says what is wrong.
    """
    found = _find(line, commands)
    if found is None or found.sub.form is None or len(line) > MAX_LINE:
        return None
    try:
        words = tuple(tokenize(found.rest))
    except UsageError:
        return None
    request = FormRequest(
        t=t,
        org=org,
        user_id=user_id,
        line=f"{found.command.name} {found.sub.name} {found.rest}".strip(),
        words=words,
    )
    return found.sub.form(request=request)


def check_form(
    line: str,
    *,
    t: Translator,
    org: OrgConfig,
    fields: Sequence[str],
    commands: Mapping[str, Command],
) -> dict[str, str]:
    """What the submitted line gets wrong, as `{field name: message in the reader's language}`.

    The line is bound to its subcommand's argument model (with the organisation, so that a service
    named in any language is checked as the command would) and not run. An error naming none of
    `fields` (a model-wide rule, a word the form did not ask for) is shown under the first one.
    Empty when the line would bind, or names no subcommand (then the dispatcher answers it), or the
    form has no fields to show an error under.
    """
    found = _find(line, commands)
    if found is None or not fields:
        return {}
    try:
        if len(line) > MAX_LINE:
            raise UsageError("errors.line_too_long", max=MAX_LINE)
        problems = found.sub.problems(tokenize(found.rest), org=org)
    except UsageError as error:
        problems = [error]
    errors: dict[str, str] = {}
    for problem in problems:
        args = dict(problem.args_)
        named = str(args.get("field") or args.get("option") or "")
        where = named if named in fields else fields[0]
        errors.setdefault(where, t(problem.key, **labelled(args, t=t, org=org)))
    return errors


def command_line(command: str, values: Mapping[str, str]) -> str:
    """`command key="value" …`: what a form's answers stand for, quoted and escaped the way the
    tokenizer reads them back (any text survives, quotes and backslashes included)."""
    args = [f'{key}="{_quote(value)}"' for key, value in values.items()]
    return " ".join([command, *args])


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _find(line: str, commands: Mapping[str, Command]) -> _Found | None:
    """The command and subcommand a line names, as the dispatcher finds them (`/incident`, a bare
    command's default subcommand, a subcommand's other names), and the words after them."""
    words = line.strip().split(None, 1)
    command = commands.get(words[0].lstrip("/").lower()) if words else None
    if command is None:
        return None
    rest = words[1] if len(words) > 1 else ""
    head = rest.split(None, 1)
    if not head:
        sub = command.subcommands.get(command.default) if command.default else None
        return _Found(command, sub, "") if sub is not None else None
    sub = command.find(head[0])
    return _Found(command, sub, head[1] if len(head) > 1 else "") if sub is not None else None
