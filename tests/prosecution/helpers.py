"""A police case sent to the ZSM table, through intake and the screening desk's steps."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.prosecution.services import triage_choose
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_take
from tests.patterns.helpers import LOTTE, MARCO, take_in


def police_case_of(registration: Any) -> Case:
    return Case.objects.get(screening__in=ScreeningCase.objects.filter(opened_by=registration))


def send_to_zsm(
    make_user: Any,
    reference: str = "PL0600-ZSM-1",
    *,
    suspect: dict[str, Any] | None = None,
    victim: dict[str, Any] | None = None,
    offences: list[str] | None = None,
    kind: str = "aangifte",
    relation: str | None = "ex_partner",
    municipality: str = "GM0796",
    registered_at: str | None = None,
    owner: Any = None,
) -> tuple[ZsmFile, Case]:
    """Take a registration in, screen its police case and send it to ZSM (as `owner`, else a new case
    owner of the unit); the file that opened."""
    registration = take_in(
        reference,
        suspect or MARCO,
        victim or LOTTE,
        registered_at=registered_at or timezone.now().isoformat(timespec="seconds"),
        offences=offences,
        kind=kind,
        relation=relation,
        municipality=municipality,
    )
    police_case = police_case_of(registration)
    owner = owner or make_user("case_owner", organisation="oost-brabant")
    police_case = case_take(police_case, "start_screening", actor=owner, expected_version=None)
    # The urgency the registrations gave (a lower one would wait for a team lead).
    urgency = police_case.data.get("urgency_provisional") or "normal"
    police_case = case_take(
        police_case, "screened", actor=owner, expected_version=None, values={"urgency": urgency}
    )
    police_case = case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="ZSM")
    return ZsmFile.objects.select_related("case", "police_case").get(police_case=police_case), police_case


def vt_assessed(make_user: Any, file: ZsmFile) -> ZsmFile:
    """Veilig Thuis assesses every notification of the file's registrations (no unsafety found): its
    information is in, and a decision need not wait for it."""
    for notification in Notification.objects.filter(registration__in=file.case.registrations.all()):
        vt_assess(make_user, notification)
    return ZsmFile.objects.select_related("case", "police_case").get(pk=file.pk)


def vt_assess(make_user: Any, notification: Notification) -> None:
    """An assessor of the notification's Veilig Thuis ends its involvement: no unsafety found."""
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    case_take(
        notification.case,
        "end_involvement",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "none"},
        reason="hulp loopt",
    )


def decision_post(
    client: Client, file: ZsmFile, transition: str, values: dict[str, str], reason: str, **extra: Any
) -> HttpResponse:
    """The case page's form for the final decision `transition`, sent with `values`, `reason` and the
    confirmation ticked."""
    field = f"step-{transition}-"
    return client.post(  # type: ignore[return-value]
        reverse("workprocesses:case-act", args=[file.pk]),
        {
            "action": "take",
            "transition": transition,
            f"{field}lock_version": file.case.lock_version,
            **{f"{field}value_{name}": value for name, value in values.items()},
            f"{field}reason": reason,
            f"{field}confirm_final": "on",
        },
        **extra,
    )


def at_zsm(make_user: Any, prosecutor: Any, **kwargs: Any) -> ZsmFile:
    """A file (not domestic, and Veilig Thuis has assessed its notification of the stalking: no wait for
    Veilig Thuis) triaged to the ZSM table by `prosecutor`."""
    file = vt_assessed(make_user, send_to_zsm(make_user, relation="acquaintance", **kwargs)[0])
    file.case = triage_choose(file, route="zsm", actor=prosecutor, reason="", expected_version=None)
    return file
