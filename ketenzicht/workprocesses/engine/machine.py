"""Taking a transition: who may, what it needs, what it sets. Pure: the caller stores the outcome."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .deadlines import AMSTERDAM, deadline_at, overridden
from .definition import Deadline, Definition, FieldKind, Transition


class Refused(Exception):
    """A transition that may not be taken now. `code` is stable (tests, translations), `detail` names what;
    `said`: the words of a desk that refused it by a rule of its own (shown as they are); `params` fills in
    what the words say beside it (a date's bound, as an ISO date, and where it comes from)."""

    def __init__(self, code: str, detail: str = "", *, said: str = "", **params: str) -> None:
        self.code = code
        self.detail = detail
        self.said = said
        self.params = params
        super().__init__(f"{code}: {detail}" if detail else code)


PAST, FUTURE = "past", "future"
CASE_START = "case_start"


@dataclass(frozen=True)
class DateRule:
    """What the value of a date field may be (definitions.date_rules, data/date_fields.yaml): `when` PAST, a
    date of something that happened (today or before), or FUTURE, of something still to come (today or
    after); `from_start` (PAST): not before the case's start; `days_ahead` (FUTURE): not more than that many
    days after today."""

    when: str
    from_start: bool = False
    days_ahead: int | None = None


@dataclass(frozen=True)
class CaseStart:
    """The first day of what a case is about: `day`, and `by` what it is known, "registration" (its earliest
    registration's incident) or "opened" (the day it opened, when it holds no registration)."""

    day: date
    by: str


@dataclass(frozen=True)
class Outcome:
    transition: Transition
    source: str
    target: str
    deadline_at: datetime | None
    escalate_to: str | None
    final: bool
    values: dict[str, str] = field(default_factory=dict)
    # The choice fields given a value below their floor (`lowering_floor`), each with that floor: a step
    # that lowers one whose lowering a second person confirms waits for them (the caller decides).
    lowered: dict[str, str] = field(default_factory=dict)


def may_take(definition: Definition, state: str, roles: Iterable[str]) -> list[Transition]:
    held = set(roles)
    return [t for t in definition.transitions_from(state) if held & set(t.roles)]


def deadline_spec(
    definition: Definition,
    state: str,
    data: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Deadline | None:
    """The deadline rule of `state` for a case holding `data` (its `deadline_by` choice), with the
    installation's overrides applied (settings.WORK_PROCESS_DEADLINES, by the rule's `setting`)."""
    found = definition.states[state]
    spec: Deadline | None = found.deadline
    if found.deadline_by is not None:
        spec = found.deadline_by.values.get(str((data or {}).get(found.deadline_by.field) or ""), spec)
    if spec is None:
        return None
    amount, unit = overridden(spec.amount, spec.unit, spec.setting, overrides)
    changes: dict[str, Any] = {"amount": amount, "unit": unit}
    if spec.then is not None:
        then_amount, then_unit = overridden(spec.then.amount, spec.then.unit, spec.then.setting, overrides)
        changes["then"] = spec.then.model_copy(update={"amount": then_amount, "unit": then_unit})
    return spec.model_copy(update=changes)


def further_escalation(
    definition: Definition,
    state: str,
    escalated: datetime,
    data: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[datetime, str] | None:
    """When a case still overdue after its first escalation is escalated again, and to whom; None when
    the state's deadline names no further escalation. The `then` term counts from `escalated`, the moment
    of the first escalation, not from the deadline: a case found far past its deadline (a check that did
    not run for days, old data loaded) reaches the first level's role first, and the next one only when
    that role has had its term."""
    spec = deadline_spec(definition, state, data, overrides)
    if spec is None or spec.then is None:
        return None
    return deadline_at(escalated, spec.then.amount, spec.then.unit), spec.then.escalate_to


def state_deadline(
    definition: Definition,
    state: str,
    start: datetime,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    data: Mapping[str, Any] | None = None,
) -> tuple[datetime | None, str | None]:
    """The deadline entering `state` at `start` sets, and the role it escalates to. A state whose deadline
    depends on a recorded choice (`deadline_by`) takes it from `data`, the case's values."""
    spec = deadline_spec(definition, state, data, overrides)
    if spec is None:
        return None, None
    return deadline_at(start, spec.amount, spec.unit), spec.escalate_to


def _clean_values(definition: Definition, transition: Transition, given: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, raw in given.items():
        spec = definition.fields.get(name)
        if spec is None:
            raise Refused("field", name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            continue
        if spec.kind is FieldKind.CHOICE and value not in spec.choices:
            raise Refused("field", name)
        if spec.kind is FieldKind.DATE:
            try:
                datetime.strptime(value, "%Y-%m-%d")
            except ValueError:
                raise Refused("field", name) from None
        values[name] = value
    missing = [name for name in transition.requires.fields if name not in values]
    if missing:
        raise Refused("fields", ", ".join(missing))
    return values


SUGGESTED = "_suggested"  # a desk's suggestion for a choice field `f` is recorded as `f_suggested`
# A desk's provisional value, from the register before anyone judged the case (the urgency the registrations'
# facts give, `f_provisional`): the floor when nothing was suggested since, so that skipping the step that
# suggests (an optional risk screening) does not let a lower choice pass unexplained and unconfirmed.
PROVISIONAL = "_provisional"


def lowering_floor(
    definition: Definition, name: str, recorded: Mapping[str, Any], ranked: Collection[str] = ()
) -> str:
    """The value of choice field `name` that a step may not go below without a reason: what a desk
    suggested for it (`<name>_suggested` on the case, e.g. the urgency a screening suggests), else, for a
    ranked field (`ranked`, e.g. the unsafety Veilig Thuis found), the value the case already holds, else
    its provisional value (`<name>_provisional`, e.g. the urgency the registrations give before the
    screening). The choices are listed most serious first, so a value later in the list is lower. "" when
    there is no such value, or when it is the last choice (nothing lies below it)."""
    spec = definition.fields.get(name)
    if spec is None or spec.kind is not FieldKind.CHOICE:
        return ""
    floor = str(recorded.get(name + SUGGESTED) or "")
    if floor not in spec.choices:
        floor = str(recorded.get(name) or "") if name in ranked else ""
    if floor not in spec.choices:
        floor = str(recorded.get(name + PROVISIONAL) or "")
    if floor not in spec.choices or floor == list(spec.choices)[-1]:
        return ""
    return floor


def lowering_floors(
    definition: Definition, transition: Transition, recorded: Mapping[str, Any], ranked: Collection[str] = ()
) -> dict[str, str]:
    """The floors (`lowering_floor`) of the choice fields the step asks for: below them it needs a reason.
    A value the step sets by itself (`sets`) is the step's meaning, not a choice: it has none."""
    found = {
        name: lowering_floor(definition, name, recorded, ranked)
        for name in transition.requires.fields
        if name not in transition.sets
    }
    return {name: floor for name, floor in found.items() if floor}


def lowered_fields(
    definition: Definition, values: Mapping[str, str], recorded: Mapping[str, Any], ranked: Collection[str]
) -> dict[str, str]:
    """The choice fields given a value below their floor (`lowering_floor`), each with that floor, in the
    order given: lowering says why."""
    found: dict[str, str] = {}
    for name, value in values.items():
        spec = definition.fields.get(name)
        floor = lowering_floor(definition, name, recorded, ranked)
        if spec is None or not floor or value not in spec.choices:
            continue
        order = list(spec.choices)
        if order.index(value) > order.index(floor):
            found[name] = floor
    return found


def _date_out_of_time(
    definition: Definition,
    values: Mapping[str, str],
    rules: Mapping[str, DateRule | str],
    at: datetime,
    start: CaseStart | None,
) -> Refused | None:
    """The refusal of the first date out of its time, as `rules` says per field name; None when every date
    fits: date_future (something that happened, given after today), date_past (something to come, given
    before today), both with today as param `bound`; date_before_start (before the case's `start`, params
    `bound` and `by`), date_too_far (more days ahead than the rule allows, param `bound`). A rule may be
    "past" or "future" alone."""
    today = at.astimezone(AMSTERDAM).date()
    for name, value in values.items():
        spec, given = definition.fields.get(name), rules.get(name)
        if spec is None or spec.kind is not FieldKind.DATE or given is None:
            continue
        rule = given if isinstance(given, DateRule) else DateRule(when=given)
        day = date.fromisoformat(value)
        if rule.when == PAST and day > today:
            return Refused("date_future", name, bound=today.isoformat())
        if rule.when == FUTURE and day < today:
            return Refused("date_past", name, bound=today.isoformat())
        # A start after today (a registration dated ahead) bounds no date that happened up to today.
        if rule.from_start and start is not None and day < min(start.day, today):
            return Refused("date_before_start", name, bound=start.day.isoformat(), by=start.by)
        if rule.days_ahead is not None and day > today + timedelta(days=rule.days_ahead):
            bound = today + timedelta(days=rule.days_ahead)
            return Refused("date_too_far", name, bound=bound.isoformat(), days=str(rule.days_ahead))
    return None


def take(
    definition: Definition,
    state: str,
    name: str,
    *,
    roles: Iterable[str],
    at: datetime,
    values: Mapping[str, Any] | None = None,
    recorded: Mapping[str, Any] | None = None,
    reason: str = "",
    second_person: bool = False,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    dates: Mapping[str, DateRule | str] | None = None,
    ranked: Collection[str] = (),
    start: CaseStart | None = None,
) -> Outcome:
    """Check and compute taking transition `name` from `state`. `second_person` says a second person has
    confirmed (the caller enforces that it is another person). Raises Refused with a stable code:
    unknown, state, role, fields, field, date_future / date_past / date_before_start / date_too_far (a date
    out of its time, as `dates` says per field name; `start`: the case's start), recorded, reason, lowered
    (a choice below the desk's suggestion, or below what the case holds for a field of `ranked`, without a
    reason: `lowering_floor`), second_person."""
    transition = definition.transition(name)
    if transition is None:
        raise Refused("unknown", name)
    if state not in transition.sources:
        raise Refused("state", state)
    if not set(roles) & set(transition.roles):
        raise Refused("role", ", ".join(transition.roles))
    cleaned = _clean_values(definition, transition, {**(values or {}), **transition.sets})
    held = {**(recorded or {}), **cleaned}
    missing = [name for name in transition.requires.recorded if not str(held.get(name) or "").strip()]
    if missing:
        raise Refused("recorded", ", ".join(missing))
    if transition.requires.reason and not reason.strip():
        raise Refused("reason")
    when = _date_out_of_time(definition, cleaned, dates or {}, at, start)
    if when:
        raise when
    given = {key: value for key, value in cleaned.items() if key not in transition.sets}
    lowered = lowered_fields(definition, given, recorded or {}, ranked)
    if lowered and not reason.strip():
        raise Refused("lowered", next(iter(lowered)))
    if transition.requires.second_person and not second_person:
        raise Refused("second_person")
    due, escalate_to = state_deadline(definition, transition.to, at, overrides, held)
    return Outcome(
        transition=transition,
        source=state,
        target=transition.to,
        deadline_at=due,
        escalate_to=escalate_to,
        final=definition.states[transition.to].final,
        values=cleaned,
        lowered=lowered,
    )
