"""The intake pipeline: the one way a registration enters Ketenzicht.

Every channel (web form, API, bulk import, partner feeds) calls `intake_registration`. The pipeline is an
explicit sequence of steps run in one transaction; a step that fails rolls back everything before it.

    1. authorise   may this actor register for this source and unit?
    2. register    validate and store (registrations.services.registration_create); idempotent
    -- the steps below run only for a newly stored registration --
    (later) link person mentions, update patterns, open or update the screening case, chain follow-up

To add a step, write a function `step(ctx: IntakeContext) -> None` and put it in `STEPS_AFTER_STORE`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from ketenzicht.registrations.exchange import FieldError
from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.services import CreateResult, ReferenceCodes, registration_create
from ketenzicht.registrations.sharing import may_register


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
    codes: ReferenceCodes | None = None
    result: CreateResult | None = None
    notes: list[str] = field(default_factory=list)

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


Step = Callable[[IntakeContext], None]


def authorise(ctx: IntakeContext) -> None:
    if ctx.actor is None:
        return
    if not may_register(ctx.actor):
        raise IntakeForbidden(FieldError("(registration)", "your role may not register"))
    data = ctx.data if isinstance(ctx.data, dict) else {}
    source, unit = data.get("source"), data.get("unit")
    if not isinstance(source, str):
        return  # no registration to authorise: validation names what is missing
    if not may_register(ctx.actor, source=source, unit_code=str(unit or "")):
        org = ctx.actor.organisation
        where = f"{org.code}" if org is not None else "no organisation"
        raise IntakeForbidden(
            FieldError(
                "unit" if source == "politie" else "source",
                f"you may only register for your own unit ({where})",
            )
        )


def register(ctx: IntakeContext) -> None:
    ctx.result = registration_create(
        actor=ctx.actor, data=ctx.data, channel=ctx.channel, origin=ctx.origin, codes=ctx.codes
    )


STEPS_BEFORE_STORE: tuple[Step, ...] = (authorise,)
STORE: Step = register
STEPS_AFTER_STORE: tuple[Step, ...] = ()


def intake_registration(
    *, actor: Any, data: Any, channel: str, origin: str = "", codes: ReferenceCodes | None = None
) -> IntakeResult:
    """Run one registration through the pipeline. Raises RegistrationInvalid or IntakeForbidden."""
    ctx = IntakeContext(actor=actor, data=data, channel=channel, origin=origin, codes=codes)
    with transaction.atomic():
        for step in STEPS_BEFORE_STORE:
            step(ctx)
        STORE(ctx)
        assert ctx.result is not None
        if ctx.result.created:
            for step in STEPS_AFTER_STORE:
                step(ctx)
    return IntakeResult(ctx.registration, ctx.result.created, ctx.result.conflict, tuple(ctx.notes))
