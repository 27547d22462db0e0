"""The definition format of a work process, validated by pydantic.

Reference: docs/reference/work-process-format.md.

A definition is immutable once loaded: its content hash identifies it, and a case keeps the version it
started with.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ketenzicht.datafile import DataFileError, read_mapping, validated


class DefinitionError(DataFileError):
    """A definition file that cannot be used, with every problem found in it."""


class DeadlineUnit(StrEnum):
    HOURS = "hours"  # calendar hours
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"  # Monday to Friday, Dutch public holidays excluded


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FurtherEscalation(_Strict):
    """Who is alerted next when a case is still overdue `amount` `unit` after its first escalation (e.g. the
    team lead first, then the chain contact)."""

    amount: int = Field(gt=0, le=1000)
    unit: DeadlineUnit
    escalate_to: str
    setting: str | None = None


class Deadline(_Strict):
    """The deadline a state sets when a case enters it, and who is alerted when it passes. An amount of 0
    days means the end of the day the case entered the state ("the same day")."""

    amount: int = Field(ge=0, le=1000)
    unit: DeadlineUnit
    escalate_to: str | None = None
    # A name under which settings.WORK_PROCESS_DEADLINES may override amount and unit per installation.
    setting: str | None = None
    then: FurtherEscalation | None = None

    @model_validator(mode="after")
    def _hours_are_counted(self) -> Deadline:
        if self.amount == 0 and self.unit is DeadlineUnit.HOURS:
            raise ValueError("a deadline of 0 hours is no deadline: use 0 calendar_days for the same day")
        return self


class DeadlineBy(_Strict):
    """Deadlines that depend on a recorded choice (e.g. the urgency): `values` maps a choice of `field` to
    its deadline; a case without that value, or with another, gets the state's own `deadline`."""

    field: str
    values: dict[str, Deadline]


class State(_Strict):
    label: str
    final: bool = False
    deadline: Deadline | None = None
    deadline_by: DeadlineBy | None = None


class FieldKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"


class FieldSpec(_Strict):
    """A value a transition records on the case (e.g. the urgency decided)."""

    label: str
    kind: FieldKind = FieldKind.TEXT
    choices: dict[str, str] = Field(default_factory=dict)  # code -> label

    @model_validator(mode="after")
    def _choices_for_choice(self) -> FieldSpec:
        if self.kind is FieldKind.CHOICE and not self.choices:
            raise ValueError("a choice field needs choices")
        return self


class Requirements(_Strict):
    fields: tuple[str, ...] = ()  # fields the transition must be given
    recorded: tuple[str, ...] = ()  # fields the case must already hold (recorded by a desk's own form)
    reason: bool = False
    second_person: bool = False


class Transition(_Strict):
    name: str
    label: str
    sources: tuple[str, ...] = Field(alias="from")
    to: str
    roles: tuple[str, ...]
    requires: Requirements = Requirements()
    # A hand-off the next desk picks up (e.g. "veilig_thuis", "zsm"): taking the transition leaves a record
    # of this kind on the case, open until that desk takes it on.
    handoff: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    # Values the step records by itself (e.g. the outcome a step stands for): field -> choice.
    sets: dict[str, str] = Field(default_factory=dict)
    # Taken on a desk's own page, which asks what the step needs beyond the definition (e.g. forwarding a
    # notification asks where to): the case page does not offer it.
    via_desk: bool = False

    @field_validator("sources", "roles", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class Definition(_Strict):
    process: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(gt=0)
    label: str
    organisation_kinds: tuple[str, ...]
    roles: tuple[str, ...]  # roles of the organisation that may see and work its cases
    initial: str
    states: dict[str, State]
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    transitions: tuple[Transition, ...]
    # Whether its cases name a fixed contact person of the victim (the police's case management does; a
    # Veilig Thuis safety assessment does not).
    victim_contact: bool = True
    # Whether its cases are opened only by a desk (a Veilig Thuis notification opens its assessment): then
    # "Nieuwe zaak" does not offer it.
    opened_by_desk: bool = False
    content_hash: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Definition:
        problems: list[str] = []
        if self.initial not in self.states:
            problems.append(f"initial state {self.initial!r} is not a state")
        names: set[str] = set()
        for transition in self.transitions:
            if transition.name in names:
                problems.append(f"transition {transition.name!r} is defined twice")
            names.add(transition.name)
            for source in transition.sources:
                if source not in self.states:
                    problems.append(f"transition {transition.name!r} leaves unknown state {source!r}")
                elif self.states[source].final:
                    problems.append(f"transition {transition.name!r} leaves final state {source!r}")
            if transition.to not in self.states:
                problems.append(f"transition {transition.name!r} goes to unknown state {transition.to!r}")
            for name in (*transition.requires.fields, *transition.requires.recorded):
                if name not in self.fields:
                    problems.append(f"transition {transition.name!r} requires unknown field {name!r}")
            for name, value in transition.sets.items():
                spec = self.fields.get(name)
                if spec is None:
                    problems.append(f"transition {transition.name!r} sets unknown field {name!r}")
                elif spec.kind is FieldKind.CHOICE and value not in spec.choices:
                    problems.append(
                        f"transition {transition.name!r} sets {name!r} to {value!r}, not a choice"
                    )
            for role in transition.roles:
                if role not in self.roles:
                    problems.append(
                        f"transition {transition.name!r} names role {role!r} not in the process's roles"
                    )
        for name, state in self.states.items():
            problems += self._deadline_problems(name, state)
            if not state.final and not any(name in t.sources for t in self.transitions):
                problems.append(f"state {name!r} is not final and has no way out")
        if self.initial in self.states:
            reached = self.reachable()
            for name in self.states:
                if name not in reached:
                    problems.append(f"state {name!r} cannot be reached from {self.initial!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _deadline_problems(self, name: str, state: State) -> list[str]:
        problems: list[str] = []
        deadlines = [("", state.deadline)] if state.deadline is not None else []
        if state.deadline_by is not None:
            spec = self.fields.get(state.deadline_by.field)
            if spec is None or spec.kind is not FieldKind.CHOICE:
                problems.append(
                    f"the deadlines of state {name!r} depend on {state.deadline_by.field!r}, "
                    "which is not a choice field"
                )
            else:
                problems += [
                    f"the deadlines of state {name!r} name {value!r}, not a choice of "
                    f"{state.deadline_by.field!r}"
                    for value in state.deadline_by.values
                    if value not in spec.choices
                ]
            deadlines += [(f" for {value!r}", d) for value, d in state.deadline_by.values.items()]
        for which, deadline in deadlines:
            if state.final:
                problems.append(f"final state {name!r} cannot have a deadline")
            if not deadline.escalate_to:
                problems.append(f"the deadline of state {name!r}{which} has no escalation (escalate_to)")
            for role in (deadline.escalate_to, deadline.then.escalate_to if deadline.then else None):
                if role and role not in self.roles:
                    problems.append(
                        f"the deadline of state {name!r}{which} escalates to unknown role {role!r}"
                    )
        return problems

    def reachable(self) -> set[str]:
        seen = {self.initial}
        queue = deque([self.initial])
        while queue:
            state = queue.popleft()
            for transition in self.transitions:
                if state in transition.sources and transition.to not in seen:
                    seen.add(transition.to)
                    queue.append(transition.to)
        return seen

    def working_roles(self) -> set[str]:
        """The roles that can take a step: who may own a case (a role that only follows it, such as the
        chain contact an escalation reaches, may not)."""
        return {role for transition in self.transitions for role in transition.roles}

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def check_roles(self, known: Iterable[str]) -> None:
        unknown = sorted(set(self.roles) - set(known))
        if unknown:
            raise DefinitionError(f"{self.process} v{self.version}", [f"unknown roles: {', '.join(unknown)}"])


def parse_definition(raw: bytes, source: str = "<definition>") -> Definition:
    """Parse and validate one definition; DefinitionError lists every problem with where it is."""
    return validated(Definition, read_mapping(raw, source, DefinitionError), source, DefinitionError)


def load_definition(path: Path) -> Definition:
    return parse_definition(path.read_bytes(), source=str(path))
