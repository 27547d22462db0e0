"""Pages: the person search and a person's dossier. The purpose is stated once and kept in the session
for KETENZICHT_PURPOSE_MINUTES (then the dossier asks for it again); it goes into the access log with every
search and every dossier view."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_http_methods

from ketenzicht.audit.services import request_origin
from ketenzicht.patterns.selectors import person_signal_rows_for_user
from ketenzicht.registrations.models import MentionRole, PersonMention
from ketenzicht.registrations.purposes import LinkedPurpose
from ketenzicht.ui import clock, formats

from .break_glass import break_glass_registration
from .charts import TimelinePoint, timeline_svg
from .forms import PurposeForm, SearchForm
from .panels import dossier_panel
from .purpose import Purpose, purpose_for_case, purpose_for_signal
from .selectors import may_break_glass, may_open_dossier, may_search_persons
from .services import LookupRefused, dossier_open
from .services import person_search as search_persons
from .tables import registration_rows

SESSION_KEY = "kz_person_purpose"
SEARCH_TEXT_KEY = "kz_person_search_text"  # the last search box, for "back to the search" (`?terug=1`)
BACK_PARAM = "terug"

# The dossier's sections for what the desks add: (slot, title, template or None). A slot without a template
# shows the panel a desk registered for it (dossiers.panels), or says that nothing is known there yet.
DOSSIER_SLOTS = (
    ("signals", gettext_noop("Pattern signals"), "patterns/_person_signals.html"),
    ("screening", gettext_noop("Screening cases"), "screening/_person_screening_cases.html"),
    ("measures", gettext_noop("Protective measures"), None),
)
SIDE_LABELS = {
    "suspect": gettext_noop("suspect"),
    "victim": gettext_noop("victim"),
    "both": gettext_noop("both sides"),
}


STATED_AT = "stated_at"  # beside the purpose in the session: when it was stated, in seconds (ui.clock)


def session_purpose(request: HttpRequest) -> Purpose | None:
    """The purpose stated in this session, unless it was stated longer ago than KETENZICHT_PURPOSE_MINUTES
    (then it is forgotten)."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return None
    stated_at = kept.get(STATED_AT)
    if not isinstance(stated_at, int | float) or purpose_expired(stated_at):
        del request.session[SESSION_KEY]
        request._kz_purpose_expired = True  # type: ignore[attr-defined]
        return None
    return Purpose.from_dict(kept)


def purpose_expired(stated_at: float) -> bool:
    return clock.now() - stated_at > settings.KETENZICHT_PURPOSE_MINUTES * 60


def _keep_purpose(request: HttpRequest, purpose: Purpose | None) -> None:
    if purpose is not None:
        request.session[SESSION_KEY] = purpose.as_dict() | {STATED_AT: int(clock.now())}


def keep_search_text(request: HttpRequest, text: str) -> None:
    """The search box as typed, in the (server-side) session only: a page's "back to the search" fills the
    form with it again, without putting it in an address."""
    request.session[SEARCH_TEXT_KEY] = text


def _initial(purpose: Purpose | None) -> dict[str, Any]:
    if purpose is None:
        return {}
    reference = purpose.registration_label
    return {"purpose_reason": purpose.reason, "purpose_text": purpose.text, "purpose_registration": reference}


@require_http_methods(["GET", "POST"])
def person_search(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    origin = request_origin(request, "web")
    current = session_purpose(request)
    if request.method == "GET":
        try:
            if not user.is_authenticated or not may_search_persons(user):
                search_persons(user=user, text="", purpose=None, origin=origin)
        except LookupRefused:
            raise PermissionDenied from None
        initial = _initial(current)
        if request.GET.get(BACK_PARAM):
            initial["q"] = request.session.get(SEARCH_TEXT_KEY, "")
        form = SearchForm(user=user, initial=initial)
        return render(request, "dossiers/search.html", {"form": form, "purpose": current})
    form = SearchForm(request.POST, user=user)
    valid = form.is_valid()
    try:
        if not valid:
            if form.purpose is None:  # no valid purpose: a refusal, logged
                search_persons(user=user, text=request.POST.get("q", ""), purpose=None, origin=origin)
            return render(request, "dossiers/search.html", {"form": form, "purpose": current}, status=422)
        hits = search_persons(user=user, text=form.cleaned_data["q"], purpose=form.purpose, origin=origin)
    except LookupRefused as refusal:
        if refusal.field == "role":
            raise PermissionDenied from None
        return render(request, "dossiers/search.html", {"form": form, "purpose": current}, status=422)
    _keep_purpose(request, form.purpose)
    keep_search_text(request, form.cleaned_data["q"])
    context = {"form": form, "purpose": form.purpose, "hits": hits, "may_break_glass": may_break_glass(user)}
    return render(request, "dossiers/search.html", context)


def _linked_purpose(request: HttpRequest, person_id: int) -> Purpose | None:
    """The purpose a link from a signal page (`?signaal=<id>`) or a case page (`?zaak=<id>`) carries, kept
    as the session's purpose; None for any other request or a signal or case the user may not open."""
    signal_id, case_id, user = request.GET.get("signaal", ""), request.GET.get("zaak", ""), request.user
    if not user.is_authenticated:
        return None
    purpose = None
    if signal_id.isdigit():
        purpose = purpose_for_signal(user=user, signal_id=int(signal_id), person_id=person_id)
    elif case_id.isdigit():
        purpose = purpose_for_case(user=user, case_id=int(case_id), person_id=person_id)
    _keep_purpose(request, purpose)
    return purpose


def registration_purpose_of_dossier(
    request: HttpRequest, registration_id: int, value: str
) -> LinkedPurpose | None:
    """`?persoon=<id>` on a registration page (the dossier's links): the purpose the dossier was opened
    under (the session's), when the registration is one of that person's; else None. During the user's
    break-the-glass grant for that person it carries the grant: the registration opens outside the sharing
    rules, read-only, flagged in the log like the dossier views."""
    user: Any = request.user
    purpose = session_purpose(request)
    if purpose is None or not value.isdigit() or not user.is_authenticated or not may_search_persons(user):
        return None
    detail = {"purpose": purpose.detail(), "person": int(value)}
    found = break_glass_registration(user=user, registration_id=registration_id, person_id=int(value))
    if found is not None:  # during a break-the-glass grant: outside the sharing rules, flagged
        outside, flags = found
        return LinkedPurpose(log=purpose.for_log(), detail=detail | flags, break_glass=outside)
    if not PersonMention.objects.filter(registration_id=registration_id, link__person_id=int(value)).exists():
        return None
    return LinkedPurpose(log=purpose.for_log(), detail=detail)


@require_http_methods(["GET", "POST"])
def person_dossier(request: HttpRequest, person_id: int) -> HttpResponse:
    user: Any = request.user
    if request.method == "POST":
        if not may_open_dossier(user):
            raise PermissionDenied
        form = PurposeForm(request.POST, user=user)
        if form.is_valid():
            _keep_purpose(request, form.purpose)
            return redirect("dossiers:dossier", person_id=person_id)
        return render(request, "dossiers/purpose.html", {"form": form, "person_id": person_id}, status=422)
    purpose = _linked_purpose(request, person_id) or session_purpose(request)
    try:
        dossier = dossier_open(
            user=user, person_id=person_id, purpose=purpose, origin=request_origin(request, "web")
        )
    except LookupRefused:  # no purpose stated yet (NotVisible passes on: the one 404)
        form = PurposeForm(user=user)
        context = {
            "form": form,
            "person_id": person_id,
            "refused": True,
            "expired_minutes": settings.KETENZICHT_PURPOSE_MINUTES
            if getattr(request, "_kz_purpose_expired", False)
            else None,
        }
        return render(request, "dossiers/purpose.html", context)
    if dossier.person.pk != person_id:
        return redirect("dossiers:dossier", person_id=dossier.person.pk)  # merged into another person
    role_labels = dict(MentionRole.choices)
    points = [
        TimelinePoint(
            when=line.when.date(),
            role=line.role,
            label=f"{line.when:%d-%m-%Y} {line.registration.reference}: {line.role_label}, "
            + (", ".join(f"art. {o.article}" for o in line.offences) or "—"),
            stalking=line.stalking,
            breach=line.breach,
            violence=line.violence,
        )
        for line in dossier.lines
    ]
    chart = (
        timeline_svg(
            points,
            title=_("Timeline of the registrations of %(person)s") % {"person": dossier.person},
            description=ngettext(
                "%(n)s registration on %(first)s, one row per role. A ring marks art. 285b "
                "(stalking), a square a breach of a measure, a triangle violence. The table of "
                "registrations below holds the same data.",
                "%(n)s registrations from %(first)s to %(last)s, one row per role. A ring marks art. 285b "
                "(stalking), a square a breach of a measure, a triangle violence. The table of "
                "registrations below holds the same data.",
                len(points),
            )
            % {
                "n": len(points),
                "first": formats.date(points[0].when),
                "last": formats.date(points[-1].when),
            },
            role_labels={
                MentionRole.SUSPECT.value: str(role_labels[MentionRole.SUSPECT]),
                MentionRole.VICTIM.value: str(role_labels[MentionRole.VICTIM]),
                "other": _("Other role"),
            },
            legend={
                "stalking": _("art. 285b"),
                "breach": _("breach of a measure"),
                "violence": _("violence"),
            },
        )
        if points
        else None
    )
    slots = [
        (slot, _(title), template, None if template else dossier_panel(slot, request, dossier.person))
        for slot, title, template in DOSSIER_SLOTS
    ]
    # Seen as the dossier sees the registrations: under its purpose, and whole during a break-the-glass grant.
    person_signals = person_signal_rows_for_user(
        user=user,
        person_id=dossier.person.pk,
        purposed=purpose is not None,
        everything=dossier.break_glass is not None,
    )
    for row in person_signals:
        row.side = _(SIDE_LABELS[row.side])
    return render(
        request,
        "dossiers/dossier.html",
        {
            "dossier": dossier,
            "chart": chart,
            "purpose": purpose,
            "slots": slots,
            "person_signals": person_signals,
            "may_break_glass": may_break_glass(user),
            "registration_rows": registration_rows(dossier.lines, person_id=dossier.person.pk),
        },
    )
