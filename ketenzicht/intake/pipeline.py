"""The intake pipeline: the one way a registration enters Ketenzicht.

Every channel (web form, API, bulk import, partner feeds) calls `intake_registration` for one registration
or `intake_registrations` for a batch; the web form calls `intake_form_registration`, which stores each
form once (its one-time token, `FormSubmission`). The pipeline is an explicit sequence of steps run in one
transaction:

    1. authorise   (per registration) may this actor register for this source and unit?
    2. store       (per batch) validate and store: registrations.services.registrations_create, idempotent
                   on source + reference; a bad registration is rejected alone, the others go on
    -- the steps below run for the newly stored registrations of the batch only --
    3. link        (per batch) link each person mention to a person, a new person, or a review item
    4. patterns    (per batch) recompute the signals of every person linked into the batch
    5. breaches    (per batch) judge, once for the batch and storing nothing, which registrations breach a
                   protective measure in force that binds a person linked into them: a protected person is
                   in it too, it lies in a banned area, or it reports a breach (`ctx.judged`, for steps 6
                   and 8)
    6. screening   (per batch) open a screening case in the registration's police unit for every suspect-
                   victim pair the case rules name (a DV relation, stalking, a breach of a measure, a
                   pattern signal about the pair), or add the registration to the pair's open case there
                   (now; for a historic import, when the pair's registrations were registered); a breach
                   judged in step 5 brings the measure's pair, bound and protected person, also when the
                   registration names the bound person alone. The case's provisional urgency as of each
                   registration, in the order registered (`ctx.urgencies`, for step 7): the same whatever
                   the batches
    7. veiligthuis (per batch) notify Veilig Thuis of every registration its routing rules name, in the
                   region of the children's municipality, else the victim's latest known among the
                   registrations of its police case up to it (the hand-off's rule); alert the assessor of
                   an open notification when a new police registration shows rising risk. Decided one
                   registration after another in the order registered: the same whatever the batches
    8. measures    (per batch) store the breaches judged in step 5 (`ctx.breaches`); alert the police case
                   owners and the district office's prosecutor (now; for a historic import, when each
                   registration was registered)
    9. insights    (per batch) mark the days whose figures the batch changed (registered, the days its
                   breaches happened as step 8 stored them, and the first day of the signals of its
                   persons), for the next count of the insight figures

To add a step after storing, write `step(batch: list[IntakeContext]) -> None` (it sees every newly stored
registration of the batch at once, so it can work in bulk) and put it in `STEPS_AFTER_STORE`. What a step
finds that a later one needs goes on the contexts (`persons`, `links`, `judged`, `breaches`): each thing
is worked out once per batch, by the step that owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.db import commit_unflushed
from ketenzicht.dossiers.services import search_index_add
from ketenzicht.insights.services import stale_mark_registrations
from ketenzicht.linking.online import LinkOutcome, mentions_link
from ketenzicht.measures.breaches import BreachOf, breaches_judge, breaches_record
from ketenzicht.measures.models import Breach
from ketenzicht.patterns.services import signals_update
from ketenzicht.registrations.exchange import FieldError
from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.services import (
    CreateResult,
    ReferenceCodes,
    RegistrationInvalid,
    canonical_hash,
    registrations_create,
)
from ketenzicht.registrations.sharing import may_register
from ketenzicht.screening.services import screening_cases_for
from ketenzicht.veiligthuis.services import notifications_route
from ketenzicht.workprocesses.rollouts import versions_remembered

from .models import FormSubmission


class IntakeForbidden(Exception):
    """The actor may not register this registration (source or unit outside their rights)."""

    def __init__(self, error: FieldError):
        self.errors = [error]
        super().__init__(str(error))


@dataclass
class IntakeContext:
    actor: Any  # a user, or None for the system (a bulk import run by an operator)
    data: Any
    channel: str
    origin: str = ""
    result: CreateResult | None = None
    notes: list[str] = field(default_factory=list)
    persons: set[int] = field(default_factory=set)  # the persons its mentions were linked to
    links: list[LinkOutcome] = field(default_factory=list)  # what linking did with each of its mentions
    # The breaches of measures in force judged in it (the `breaches` step), and those the `measures` step
    # stored of them.
    judged: list[BreachOf] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    # police case -> its provisional urgency as of this registration, as the `screening` step decided the
    # batch one registration after another (for the `veiligthuis` step)
    urgencies: dict[int, str] = field(default_factory=dict)
    # A register taken in afterwards (the demo's): its cases are opened as its registrations came in.
    historic: bool = False

    @property
    def registration(self) -> Registration:
        assert self.result is not None
        return self.result.registration


@dataclass(frozen=True)
class IntakeResult:
    registration: Registration
    created: bool
    conflict: bool
    notes: tuple[str, ...] = ()
    repeated: bool = False  # a form sent again: the registration it was stored as, nothing stored now
    # What the steps did with a newly stored registration, for the page that says it to its registrar (who
    # may see only part of it: `intake.selectors.intake_feedback_for_user`).
    links: tuple[LinkOutcome, ...] = ()
    breaches: tuple[Breach, ...] = ()


IntakeOutcome = IntakeResult | IntakeForbidden | RegistrationInvalid
Check = Callable[[IntakeContext], None]
BatchStep = Callable[[list[IntakeContext]], None]


def authorise(ctx: IntakeContext) -> None:
    if ctx.actor is None:
        return
    if not may_register(ctx.actor):
        raise IntakeForbidden(FieldError.of("(registration)", gettext_noop("your role may not register")))
    data = ctx.data if isinstance(ctx.data, dict) else {}
    source, unit = data.get("source"), data.get("unit")
    if not isinstance(source, str):
        return  # no registration to authorise: validation names what is missing
    municipality = str(data.get("municipality") or "")
    if not may_register(ctx.actor, source=source, unit_code=str(unit or ""), municipality_code=municipality):
        org = ctx.actor.organisation
        # The organisation as its people know it (its name), never its internal code.
        where = org.name if org is not None else "no organisation"
        if org is not None and org.kind == source and source != "politie":
            raise IntakeForbidden(
                FieldError.of(
                    "municipality",
                    gettext_noop(
                        "you may only register for a municipality your organisation serves (%(where)s)"
                    ),
                    where=where,
                )
            )
        raise IntakeForbidden(
            FieldError.of(
                "unit" if source == "politie" else "source",
                gettext_noop("you may only register for your own unit (%(where)s)"),
                where=where,
            )
        )


def link(batch: list[IntakeContext]) -> None:
    outcomes = mentions_link(registrations=[ctx.registration for ctx in batch], actor=batch[0].actor)
    search_index_add(mention_ids=[outcome.mention_id for outcome in outcomes])
    doubtful: dict[int, int] = {}
    by_registration = {ctx.registration.pk: ctx for ctx in batch}
    for outcome in outcomes:
        by_registration[outcome.registration_id].persons.add(outcome.person_id)
        by_registration[outcome.registration_id].links.append(outcome)
        if outcome.reviews:
            doubtful[outcome.registration_id] = doubtful.get(outcome.registration_id, 0) + 1
    for ctx in batch:
        if ctx.registration.pk in doubtful:
            ctx.notes.append(f"{doubtful[ctx.registration.pk]} person mention(s) wait for a reviewer")


def patterns(batch: list[IntakeContext]) -> None:
    signals_update(persons={person for ctx in batch for person in ctx.persons})


def breaches(batch: list[IntakeContext]) -> None:
    judged = breaches_judge(
        [ctx.registration.pk for ctx in batch], linked={ctx.registration.pk: ctx.persons for ctx in batch}
    )
    for ctx in batch:
        ctx.judged = judged.get(ctx.registration.pk, [])


def screening(batch: list[IntakeContext]) -> None:
    # The cases are opened by the system (the registrar did not choose to open one): actor None; now, or
    # for a historic import when the registrations came in.
    summary = screening_cases_for(
        [ctx.registration.pk for ctx in batch],
        at_registered=any(ctx.historic for ctx in batch),
        breaches={ctx.registration.pk: ctx.judged for ctx in batch},
    )
    by_registration = {ctx.registration.pk: ctx for ctx in batch}
    for (registration, case), urgency in summary.urgencies.items():
        if registration in by_registration:
            by_registration[registration].urgencies[case] = urgency


def veiligthuis(batch: list[IntakeContext]) -> None:
    # Each registration's notification as urgent as its police case was as of it, whatever the batch.
    notifications_route(
        [ctx.registration.pk for ctx in batch],
        urgencies={(ctx.registration.pk, case): u for ctx in batch for case, u in ctx.urgencies.items()},
    )


def measures(batch: list[IntakeContext]) -> None:
    if any(ctx.historic for ctx in batch):
        # A register taken in afterwards: each breach found when its registration came in, its alerts and
        # history lines dated then (as the screening step opens the cases then), not today.
        found = [
            breach
            for ctx in batch
            for breach in breaches_record(ctx.judged, at=ctx.registration.registered_at, new=True)
        ]
    else:
        found = breaches_record([breach for ctx in batch for breach in ctx.judged], new=True)
    by_registration = {ctx.registration.pk: ctx for ctx in batch}
    for breach in found:
        by_registration[breach.registration_id].breaches.append(breach)


STEPS_BEFORE_STORE: tuple[Check, ...] = (authorise,)


def insights(batch: list[IntakeContext]) -> None:
    stale_mark_registrations(
        [ctx.registration for ctx in batch],
        breaches=[breach for ctx in batch for breach in ctx.breaches],
        persons={p for ctx in batch for p in ctx.persons},
    )


STEPS_AFTER_STORE: tuple[BatchStep, ...] = (
    link,
    patterns,
    breaches,
    screening,
    veiligthuis,
    measures,
    insights,
)


def intake_registrations(
    *,
    actor: Any,
    items: Sequence[Any],
    channel: str,
    origin: str = "",
    codes: ReferenceCodes | None = None,
    durable: bool = True,
    historic: bool = False,
) -> list[IntakeOutcome]:
    """Run a batch through the pipeline in one transaction; one outcome per item, in order. A rejected
    item (IntakeForbidden or RegistrationInvalid as its outcome) stores nothing; the others are stored.
    `durable=False`: the commit does not wait for the disk (`db.commit_unflushed`; a bulk import, which a
    re-run completes). `historic=True`: a register taken in afterwards (the demo's), whose screening cases
    open, and are joined, at the moments its registrations were registered rather than now (a normal
    import of a backlog opens them now, for today's screeners)."""
    contexts = [
        IntakeContext(actor=actor, data=data, channel=channel, origin=origin, historic=historic)
        for data in items
    ]
    outcomes: list[IntakeOutcome | None] = [None] * len(contexts)
    with transaction.atomic():
        if not durable:
            commit_unflushed()
        allowed: list[int] = []
        for index, ctx in enumerate(contexts):
            try:
                for check in STEPS_BEFORE_STORE:
                    check(ctx)
            except IntakeForbidden as exc:
                outcomes[index] = exc
                continue
            allowed.append(index)
        stored = registrations_create(
            actor=actor,
            items=[contexts[i].data for i in allowed],
            channel=channel,
            origin=origin,
            codes=codes,
        )
        new: list[IntakeContext] = []
        for index, result in zip(allowed, stored, strict=True):
            if isinstance(result, RegistrationInvalid):
                outcomes[index] = result
                continue
            contexts[index].result = result
            if result.created:
                new.append(contexts[index])
        with versions_remembered():
            for step in STEPS_AFTER_STORE:
                if new:
                    step(new)
        for index, ctx in enumerate(contexts):
            if ctx.result is not None:
                outcomes[index] = IntakeResult(
                    ctx.registration,
                    ctx.result.created,
                    ctx.result.conflict,
                    tuple(ctx.notes),
                    links=tuple(ctx.links),
                    breaches=tuple(ctx.breaches),
                )
    return [outcome for outcome in outcomes if outcome is not None]


def intake_registration(
    *, actor: Any, data: Any, channel: str, origin: str = "", codes: ReferenceCodes | None = None
) -> IntakeResult:
    """Run one registration through the pipeline. Raises RegistrationInvalid or IntakeForbidden."""
    outcome = intake_registrations(actor=actor, items=[data], channel=channel, origin=origin, codes=codes)[0]
    if isinstance(outcome, IntakeResult):
        return outcome
    raise outcome


def intake_form_registration(*, actor: Any, data: Any, token: str, origin: str = "") -> IntakeResult:
    """One registration of the web form, stored once per form: `token` is the form's one-time token
    (`form_tokens`). The first write of the transaction claims it (`FormSubmission`); a form already stored
    by `actor` gives its registration back (`repeated`) and stores nothing. A second send while the first
    is being stored (a double click) waits for that transaction at the claim, then finds its registration;
    should the first store nothing (refused), the second goes on. A reference that another registration
    with other content holds is refused at the field (RegistrationInvalid). Raises RegistrationInvalid or
    IntakeForbidden, and then the claim is gone with the rest."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = FormSubmission.objects.create(user=actor, token=token)
        except IntegrityError:
            stored = FormSubmission.objects.select_related("registration").get(user=actor, token=token)
            assert stored.registration is not None  # set in the transaction that claimed it
            return IntakeResult(stored.registration, created=False, conflict=False, repeated=True)
        result = intake_registration(actor=actor, data=data, channel="form", origin=origin)
        if result.conflict and _other_content(data, result.registration):
            # A reference typed over the new number that another registration holds, with other content:
            # the form would be dropped without a word (an API call gets `conflict`). Refused at the field,
            # the claim rolled back with the rest. The same content typed again (a form of its own, its own
            # moment of registering) stays "stored already".
            reference = str(result.registration.reference)
            raise RegistrationInvalid([FieldError.of("reference", REFERENCE_TAKEN, reference=reference)])
        FormSubmission.objects.filter(pk=claim.pk).update(registration=result.registration)
    return result


def _other_content(data: Any, registration: Registration) -> bool:
    """Whether the form's `data` differs from what `registration` was stored from, its moment of
    registering aside (a form sets it when it is sent)."""
    moment = timezone.localtime(registration.registered_at).isoformat()
    return canonical_hash({**data, "registered_at": moment}) != registration.content_hash


REFERENCE_TAKEN = gettext_noop(
    "%(reference)s belongs to another registration already: keep the new number that was filled in, or type "
    "the reference of this registration"
)
