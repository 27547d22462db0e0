"""Roll-outs: which version of a work process an organisation runs from which day (enabled per unit, or as the
national default; withdrawn before its first day), and the version a new case starts on (`version_for`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.ui.formats import in_installation_language

from .definitions import DEFAULT_ROLLOUT_NOTE, definition_of
from .models import ProcessVersion, Rollout

# The notes Ketenzicht writes on the roll-outs it makes itself (the reference data's national defaults, the
# demo's pilots): English texts marked with gettext_noop, written in the installation's language, shown in the
# reader's however they were written (older ones in English). The app that writes one registers it
# (`rollout_notes_register`); a note a functional administrator typed stays as typed.
_NOTES: list[str] = [DEFAULT_ROLLOUT_NOTE]


def rollout_notes_register(*notes: str) -> None:
    _NOTES.extend(note for note in notes if note not in _NOTES)


def rollout_note(note: str) -> str:
    """A roll-out's note as a page shows it: one of Ketenzicht's own in the reader's language."""
    for text in _NOTES:
        if note in (text, in_installation_language(text)):
            return gettext(text)
    return note


class NoProcessVersion(Exception):
    """No version of the process is rolled out for the organisation on that date."""


@dataclass(frozen=True)
class RolloutRefused(Exception):
    """A roll-out (or its withdrawal) is refused before anything is stored; `field` names the form field."""

    field: str
    message: str | Promise

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _day(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _standing(process: str, organisation: Organisation | None, valid_from: date) -> Rollout | None:
    """The roll-out that stands for the process in the organisation (None: the default) from that day."""
    return (
        Rollout.objects.filter(
            process=process, organisation=organisation, valid_from=valid_from, withdrawn_at__isnull=True
        )
        .select_related("process_version")
        .first()
    )


def _taken(standing: Rollout, *, organisation: Organisation | None, today: date) -> RolloutRefused:
    """The day is taken by `standing`: the same version (a second tab, a second click) or another one."""
    where = organisation.name if organisation else gettext_lazy("The national default")
    found = {"where": where, "version": standing.process_version.version, "date": _day(standing.valid_from)}
    if standing.valid_from > today:
        text = gettext_lazy(
            "%(where)s already has version %(version)s of this work process from %(date)s: nothing was "
            "stored. To run another version from that day, withdraw that planned roll-out first."
        )
    else:
        text = gettext_lazy(
            "%(where)s already has version %(version)s of this work process from %(date)s: nothing was "
            "stored. To run another version, roll it out from a later day."
        )
    return RolloutRefused("valid_from", text % found)


def rollout_enable(
    *,
    process_version: ProcessVersion,
    organisation: Organisation | None,
    valid_from: date,
    actor: User | None,
    note: str = "",
    origin: str = "",
    today: date | None = None,
) -> Rollout:
    """Enable a version for one organisation (or, with None, as the default of all) from a date. Logged.

    `valid_from` lies not before `today` (default: the local date; a test or an import of history passes the
    day it stands on): a roll-out cannot change the version of cases opened before it. One roll-out stands
    per process, organisation and day (the database's constraint decides between two at once). Refusals
    raise RolloutRefused; an organisation that cannot run the process, ValueError."""
    definition = definition_of(process_version)
    if organisation is not None and organisation.kind not in definition.organisation_kinds:
        raise ValueError(f"{organisation} cannot run {process_version}")
    today = today or timezone.localdate()
    if valid_from < today:
        raise RolloutRefused(
            "valid_from",
            gettext_lazy(
                "‘From’ cannot lie before today (%(today)s): cases opened before then keep the version they "
                "started on. Choose today or a later day."
            )
            % {"today": _day(today)},
        )
    standing = _standing(process_version.process, organisation, valid_from)
    if standing is not None:
        raise _taken(standing, organisation=organisation, today=today)
    with transaction.atomic():
        try:
            with transaction.atomic():
                rollout = Rollout.objects.create(
                    process=process_version.process,
                    process_version=process_version,
                    organisation=organisation,
                    valid_from=valid_from,
                    enabled_by=actor,
                    note=note,
                )
        except IntegrityError as error:  # stored meanwhile by another administrator (or tab)
            standing = _standing(process_version.process, organisation, valid_from)
            if standing is None:
                raise
            raise _taken(standing, organisation=organisation, today=today) from error
        access_log_record(
            actor=actor,
            action="create",
            object_type="rollout",
            object_id=rollout.pk,
            result="stored",
            origin=origin,
            detail={
                "process": process_version.process,
                "version": process_version.version,
                "organisation": organisation.code if organisation else "",
                "valid_from": valid_from.isoformat(),
            },
        )
    return rollout


REASON_LENGTH = Rollout._meta.get_field("withdrawal_reason").max_length or 300


def rollout_withdraw(
    rollout: Rollout, *, actor: User, reason: str, origin: str = "", today: date | None = None
) -> Rollout:
    """Withdraw a roll-out before its first day, with a reason: it decides nothing any more (the version in
    force stays) and its day is free again. One that has begun cannot be withdrawn (cases may run on it):
    roll out another version from a later day instead. Logged; refusals raise RolloutRefused."""
    reason = reason.strip()
    if not reason:
        raise RolloutRefused("reason", gettext_lazy("Give the reason for withdrawing this roll-out."))
    if len(reason) > REASON_LENGTH:
        raise RolloutRefused(
            "reason", gettext_lazy("Keep the reason to at most %(n)s characters.") % {"n": REASON_LENGTH}
        )
    today = today or timezone.localdate()
    with transaction.atomic():
        # One statement decides: a second withdrawal at once, or the first day come meanwhile, finds no row.
        withdrawn = Rollout.objects.filter(
            pk=rollout.pk, withdrawn_at__isnull=True, valid_from__gt=today
        ).update(withdrawn_at=timezone.now(), withdrawn_by=actor, withdrawal_reason=reason)
        rollout.refresh_from_db()
        if not withdrawn:
            message: str | Promise
            if rollout.withdrawn_at is not None:
                message = gettext_lazy("This roll-out has been withdrawn already.")
            else:
                message = gettext_lazy(
                    "This roll-out began on %(date)s and cannot be withdrawn: cases may run on it. Roll out "
                    "another version from a later day instead."
                ) % {"date": _day(rollout.valid_from)}
            raise RolloutRefused("rollout", message)
        access_log_record(
            actor=actor,
            action="withdraw",
            object_type="rollout",
            object_id=rollout.pk,
            result="stored",
            origin=origin,
            detail={
                "process": rollout.process,
                "version": rollout.process_version.version,
                "organisation": rollout.organisation.code if rollout.organisation else "",
                "valid_from": rollout.valid_from.isoformat(),
                "reason": reason,
            },
        )
    return rollout


# Within `versions_remembered()` every roll-out is read once, in one query (an intake batch opens cases of
# several processes in dozens of organisations, an import of history on many days: the version is chosen
# among them here, not asked of the database again).
_remembered: ContextVar[dict[tuple[str, int], list[Rollout]] | None] = ContextVar(
    "process_rollouts", default=None
)
_ALL = ("", 0)  # the key under which the remembered roll-outs keep all of them


@contextmanager
def versions_remembered() -> Iterator[None]:
    """Read the roll-outs once while the block runs (a batch of intake opens many cases; no roll-out changes
    inside it). Within an enclosing block, that block's are used."""
    if _remembered.get() is not None:
        yield
        return
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


_ORDER_OF_CHOICE = (F("organisation_id").asc(nulls_last=True), "-valid_from", "-id")


def _rollouts(process: str, organisation: Organisation) -> list[Rollout]:
    """Every roll-out of `process` that applies to `organisation` (a withdrawn one applies nowhere), in the
    order of choice: its own before the default's, the latest start first."""
    return list(
        Rollout.objects.filter(process=process, withdrawn_at__isnull=True)
        .filter(Q(organisation=organisation) | Q(organisation__isnull=True))
        .select_related("process_version")
        .order_by(*_ORDER_OF_CHOICE)
    )


def _remembered_rollouts(
    remembered: dict[tuple[str, int], list[Rollout]], process: str, organisation: Organisation
) -> list[Rollout]:
    """`_rollouts`, taken from every roll-out read once into `remembered`."""
    key = (process, organisation.pk)
    if key not in remembered:
        if _ALL not in remembered:
            remembered[_ALL] = list(
                Rollout.objects.filter(withdrawn_at__isnull=True)
                .select_related("process_version")
                .order_by(*_ORDER_OF_CHOICE)
            )
        remembered[key] = [
            rollout
            for rollout in remembered[_ALL]
            if rollout.process == process and rollout.organisation_id in (organisation.pk, None)
        ]
    return remembered[key]


def version_for(process: str, organisation: Organisation, on: date) -> ProcessVersion:
    """The version new cases of `process` start on in `organisation` on `on`: the organisation's own latest
    roll-out that has begun, else the default's."""
    remembered = _remembered.get()
    if remembered is None:
        rollouts = _rollouts(process, organisation)
    else:
        rollouts = _remembered_rollouts(remembered, process, organisation)
    chosen = next((rollout for rollout in rollouts if rollout.valid_from <= on), None)
    if chosen is None:
        raise NoProcessVersion(f"{process} is not rolled out for {organisation.code} on {on}")
    return chosen.process_version
