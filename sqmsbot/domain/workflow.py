"""Declarative workflows: one table per entity says which verb moves it from which states to which, who
may use the verb, and what it records (DESIGN §2, §3.6).

The table is the single answer to three questions that used to be answered in three places: may this
person do this now (the domain asks `check`), which buttons does a card show (`available`), and what
does help say about the states (`steps`). Incidents declare theirs in `incident_workflow`; improvement
actions and accountability appeals declare their own on the same mechanism.

The table decides against the state the unit of work read. That the state is still the same when the
change is written is the store's job: every workflow entity carries a version column, so a change read
from a state another process has already left fails to commit, is rolled back, and is decided again
against the new state (see `sqmsbot.cmd.dispatch`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqmsbot.errors import Forbidden, InvalidTransition
from sqmsbot.models import Person

E = TypeVar("E")


def _status(entity: Any) -> str:
    """Every workflow entity keeps its state in `status`."""
    return str(entity.status)


@dataclass(frozen=True)
class Permission(Generic[E]):
    """A named rule about who may act: `name` is what help lists, `allows` what the domain checks.

    `refusal` is the error key a refused person reads; `refusal_args` fills it from the entity (the
    department that would have been allowed, say), never from what the person may not see.
    """

    name: str
    allows: Callable[[E, Person], bool]
    refusal: str
    refusal_args: Callable[[E], Mapping[str, object]] = field(default=lambda _entity: {})


@dataclass(frozen=True)
class Step:
    """A button a card shows for a transition: its label key, and where it is the obvious next step."""

    label: str
    primary_in: tuple[str, ...] = ()
    danger: bool = False

    def style(self, state: str) -> str | None:
        if self.danger:
            return "danger"
        return "primary" if state in self.primary_in else None


@dataclass(frozen=True)
class Transition(Generic[E]):
    """One verb: from which states, to which (None: the state stays), who may, and the event it records.

    `refused` names the error for a state the verb cannot start from (`"*"` for any other state).
    """

    verb: str
    sources: tuple[str, ...]
    target: str | None
    who: Permission[E]
    records: str
    refused: Mapping[str, str]
    step: Step | None = None

    def moves_from(self, state: str) -> bool:
        return state in self.sources


class Workflow(Generic[E]):
    """The table of an entity's transitions, and the checks every change to the entity goes through."""

    def __init__(
        self,
        *,
        entity: str,
        states: Sequence[str],
        transitions: Iterable[Transition[E]],
        refusal_context: Callable[[E], Mapping[str, object]] = lambda _entity: {},
    ) -> None:
        self.entity = entity
        self.states = tuple(states)
        self.transitions: dict[str, Transition[E]] = {}
        for transition in transitions:
            unknown = {*transition.sources, transition.target or transition.sources[0]} - set(self.states)
            if unknown or transition.verb in self.transitions:
                raise ValueError(f"{entity} workflow: bad transition {transition.verb} ({unknown})")
            self.transitions[transition.verb] = transition
        self._refusal_context = refusal_context

    def __getitem__(self, verb: str) -> Transition[E]:
        return self.transitions[verb]

    def check(self, verb: str, entity: E, actor: Person) -> Transition[E]:
        """The transition `verb` may happen now, by `actor`; else the error says why.

        Who may is checked before the state, so a refused person learns nothing of the state; a state
        refusal carries the entity's `refusal_context`: its ref, and the last change as `changed_by`,
        `changed_key` (the catalog key saying what they did) and `changed_at`, so that the loser of a
        race knows what won.
        """
        transition = self.transitions[verb]
        if not transition.who.allows(entity, actor):
            raise Forbidden(transition.who.refusal, **transition.who.refusal_args(entity))
        if not transition.moves_from(_status(entity)):
            key = transition.refused.get(_status(entity)) or transition.refused["*"]
            raise InvalidTransition(key, status=_status(entity), **self._refusal_context(entity))
        return transition

    def available(self, entity: E, actor: Person | None = None) -> list[Transition[E]]:
        """The transitions with a button, in table order, that the state allows (and the actor, if known)."""
        return [
            t
            for t in self.transitions.values()
            if t.step is not None
            and t.moves_from(_status(entity))
            and (actor is None or t.who.allows(entity, actor))
        ]

    def is_legal_walk(self, steps: Sequence[tuple[str, str | None, str | None]]) -> list[str]:
        """Faults in a recorded history of (event kind, from state, to state), oldest first; [] if none.

        Used by tests and audits: each state-changing event must leave the state the previous one
        entered, by a verb of this table that may move from there.
        """
        faults: list[str] = []
        state: str | None = None
        by_kind: dict[str, list[Transition[E]]] = {}
        for transition in self.transitions.values():
            by_kind.setdefault(transition.records, []).append(transition)
        for index, (kind, before, after) in enumerate(steps):
            if after is None or after.split(":")[0] not in self.states:
                continue
            after = after.split(":")[0]
            if state is None:
                state = after
                continue
            legal = any(t.moves_from(state) and (t.target or state) == after for t in by_kind.get(kind, []))
            if before != state or not legal:
                faults.append(f"step {index}: {kind} {before}→{after} while {state}")
            state = after
        return faults


def describe(workflow: Workflow[Any]) -> list[tuple[str, tuple[str, ...], str | None, str]]:
    """(verb, from states, to state, who) for each transition: what help lists."""
    return [(t.verb, t.sources, t.target, t.who.name) for t in workflow.transitions.values()]
