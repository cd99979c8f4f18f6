"""How a command module declares its subcommands, and how a command line binds to their arguments.

A subcommand is a function `(ctx, args) -> Reply`. Its docstring's first line is its usage (the same
in every language); its one-line summary is translated in the catalogs as `help.<command>.<sub>`.
It may declare a form (`form=`, see sqmsbot.cmd.form_request): what to ask before the line runs.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from sqmsbot.cmd.form_request import FormFunction
from sqmsbot.cmd.names import fold
from sqmsbot.cmd.tokens import Token
from sqmsbot.config import OrgConfig
from sqmsbot.errors import UsageError


class Args(BaseModel):
    """Base for argument models: unknown keys are refused, text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class NoArgs(Args):
    pass


@dataclass(frozen=True)
class Pos:
    """A positional argument. `match`: the word must look like this to be taken (else an optional one is
    skipped); `rest`: takes every remaining word; `shown`: how errors name it when its word in the usage
    line is not simply the one in its place (a usage with alternatives)."""

    name: str
    match: str | None = None
    optional: bool = False
    rest: bool = False
    shown: str | None = None


Handler = Callable[[Any, Any], Any]
# A word of a usage line: a quoted phrase (optional in brackets) or a run of non-spaces.
USAGE_WORD = re.compile(r'\[?"[^"]*"\]?|\S+')


@dataclass
class Subcommand:
    command: str
    name: str
    handler: Handler
    args_model: type[Args]
    positional: tuple[Pos, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)
    also: tuple[str, ...] = ()
    form: FormFunction | None = None

    @property
    def usage(self) -> str:
        doc = inspect.getdoc(self.handler) or self.name
        return f"/{self.command} {doc.splitlines()[0]}".rstrip()

    @property
    def help_key(self) -> str:
        return f"help.{self.command}.{self.name}"

    def option_names(self) -> list[str]:
        return sorted(set(self.args_model.model_fields) | set(self.aliases))

    def usage_names(self) -> dict[str, str]:
        """Each positional field's word in the usage line (`note` → `"REASON"` in `reopen SQ-N "REASON"`),
        so that an error names what the reader sees in the usage, not the model's field name."""
        doc = (inspect.getdoc(self.handler) or "").splitlines()
        words = [
            word.strip('[]"')
            for word in USAGE_WORD.findall(re.sub(r"\[\w+=\]", "", doc[0] if doc else ""))[1:]
            if "=" not in word and word.strip("[]").lower() not in self.flags
        ]
        named = {pos.name: word for pos, word in zip(self.positional, words, strict=False)}
        return named | {pos.name: pos.shown for pos in self.positional if pos.shown}

    def bind(self, tokens: list[Token], *, org: OrgConfig | None = None) -> Args:
        """Turn words into the argument model; every problem becomes a UsageError with a catalog key.

        `org` is handed to the argument types (as pydantic's validation context), which resolve the
        names people type (`财务部`, `账单与收费`) to the organisation's keys.
        """
        values = self._values(tokens)
        try:
            return self.args_model.model_validate(values, context={"org": org})
        except ValidationError as exc:
            raise self._usage_error(exc.errors()[0], values) from None

    def problems(self, tokens: list[Token], *, org: OrgConfig | None = None) -> list[UsageError]:
        """Everything `bind` would refuse, one error per field (the first said of each), without
        running anything: what a form shows under each of its inputs. Words that do not even make
        values (an unknown option, a word too many) are one error, as `bind` would raise it."""
        try:
            values = self._values(tokens)
        except UsageError as error:
            return [error]
        try:
            self.args_model.model_validate(values, context={"org": org})
        except ValidationError as exc:
            seen: dict[object, UsageError] = {}
            for detail in exc.errors():
                seen.setdefault(detail["loc"][:1], self._usage_error(detail, values))
            return list(seen.values())
        return []

    def _values(self, tokens: list[Token]) -> dict[str, Any]:
        """The words as the model's raw values: `key=value` by name, flags, then the positionals."""
        values: dict[str, Any] = {}
        words: list[Token] = []
        fields = self.args_model.model_fields
        for token in tokens:
            if token.key is not None:
                name = self._field_for(token.key)
                if name in values:
                    raise UsageError("errors.repeated_option", option=token.key)
                values[name] = token.text
            elif not token.quoted and fold(token.text).lower() in self.flags:
                values[self.flags[fold(token.text).lower()]] = True
            else:
                words.append(token)
        index = 0
        for number, pos in enumerate(self.positional):
            if pos.name in values:
                _check_given_twice(pos, self.positional[number + 1 :], words[index:], values)
                continue
            if pos.rest:
                if index < len(words):
                    values[pos.name] = " ".join(w.text for w in words[index:])
                    index = len(words)
                continue
            if index >= len(words):
                break
            word = words[index]
            if pos.match and not _matches(pos, word) and pos.optional:
                _check_order(pos, words[index:])
                continue
            values[pos.name] = word.text
            index += 1
        if index < len(words):
            raise UsageError("errors.unexpected_argument", word=_clip(words[index].text))
        unknown = set(values) - set(fields)
        if unknown:
            raise UsageError("errors.unknown_option", option=sorted(unknown)[0], options=self._options())
        return values

    def _usage_error(self, detail: ErrorDetails, values: dict[str, Any]) -> UsageError:
        return _usage_error(detail, values, self.args_model, self.usage_names())

    def _field_for(self, key: str) -> str:
        lowered = key.lower().replace("-", "_")
        if lowered in self.aliases:
            return self.aliases[lowered]
        if lowered in self.args_model.model_fields:
            return lowered
        raise UsageError("errors.unknown_option", option=_clip(key), options=self._options())

    def _options(self) -> str:
        return ", ".join(f"{name}=" for name in self.option_names())


def _matches(pos: Pos, word: Token) -> bool:
    """Whether a typed word has the positional's shape; full-width forms count (`Ｐ２` is P2)."""
    return pos.match is not None and bool(re.fullmatch(pos.match, fold(word.text), re.IGNORECASE))


def _check_given_twice(pos: Pos, later: tuple[Pos, ...], words: list[Token], values: dict[str, Any]) -> None:
    """`report P2 billing "x" priority=P3`: a word in the place of an argument given as key=value
    too, which would otherwise slide into the next argument (a service called "P2"), is a conflict.
    Not when the next argument takes the rest of the line: a note may well begin with such a word."""
    following = next((p for p in later if p.name not in values), None)
    if words and pos.match and _matches(pos, words[0]) and not (following and following.rest):
        raise UsageError(
            "errors.given_twice", field=pos.name, first=_clip(words[0].text), second=_clip(values[pos.name])
        )


def _check_order(pos: Pos, words: list[Token]) -> None:
    """`report billing P2 "x"`: an optional argument skipped because the word in its place is not one,
    right before a word that is, means two words were swapped; taking them as they come would report a
    P3 titled "P2 x". Say which goes first instead."""
    if len(words) > 1 and _matches(pos, words[1]):
        raise UsageError(
            "errors.out_of_order", field=pos.name, word=_clip(words[1].text), before=_clip(words[0].text)
        )


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _usage_error(
    error: ErrorDetails, values: dict[str, Any], model: type[BaseModel], usage_names: dict[str, str]
) -> UsageError:
    name = str(error["loc"][0]) if error["loc"] else ""
    given = values.get(name)
    shown = _clip(str(given)) if given is not None else ""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind.startswith("errors."):
        return UsageError(kind, field=name, value=shown, **ctx)
    if kind == "missing":
        return UsageError("errors.missing_field", field=name, usage_name=usage_names.get(name, f"{name}="))
    if kind == "string_too_long":
        return UsageError("errors.too_long", field=name, max=ctx.get("max_length", "?"))
    if kind == "string_too_short":
        return UsageError("errors.empty_field", field=name)
    if kind in ("literal_error", "enum"):
        choices = _literal_choices(model.model_fields[name].annotation) if name in model.model_fields else []
        return UsageError("errors.invalid_choice", field=name, value=shown, choices=", ".join(choices))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return UsageError("errors.number_out_of_range", field=name, value=shown)
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return UsageError("errors.invalid_number", field=name, value=shown)
    return UsageError("errors.invalid_value", field=name, value=shown)


def _literal_choices(annotation: Any) -> list[str]:
    """The allowed words of a Literal field (inside Optional or Annotated), for the reader's error."""
    if get_origin(annotation) is Literal:
        return [str(value) for value in get_args(annotation)]
    return [choice for arg in get_args(annotation) for choice in _literal_choices(arg)]


class Command:
    """A chat command (`/incident`, `/sq`): a named set of subcommands."""

    def __init__(self, name: str, *, default: str | None = None) -> None:
        self.name = name
        self.default = default
        self.subcommands: dict[str, Subcommand] = {}

    @property
    def help_key(self) -> str:
        return f"help.{self.name}.summary"

    def usage_for(self, sub: Subcommand | None) -> str:
        """The usage an error shows: the subcommand's, or where to find them all."""
        return sub.usage if sub is not None else f"/{self.name} help"

    def sub(
        self,
        name: str,
        *,
        positional: tuple[Pos, ...] = (),
        aliases: dict[str, str] | None = None,
        flags: dict[str, str] | None = None,
        also: tuple[str, ...] = (),
        form: FormFunction | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register a subcommand; the handler need not know how it is reached. `form`: what to ask
        before the line runs, where it lacks something (see sqmsbot.cmd.form_request)."""

        def register(handler: Handler) -> Handler:
            hints = get_type_hints(handler)
            params = list(inspect.signature(handler).parameters)
            model = hints.get(params[1]) if len(params) > 1 else NoArgs
            if not (isinstance(model, type) and issubclass(model, Args)):
                raise TypeError(f"{handler.__name__}: second parameter must be an Args model")
            self.subcommands[name] = Subcommand(
                command=self.name,
                name=name,
                handler=handler,
                args_model=model,
                positional=positional,
                aliases=aliases or {},
                flags=flags or {},
                also=also,
                form=form,
            )
            return handler

        return register

    def find(self, word: str) -> Subcommand | None:
        lowered = fold(word).lower()
        for sub in self.subcommands.values():
            if lowered == sub.name or word in sub.also:
                return sub
        return None
