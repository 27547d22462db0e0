"""Pages of break-the-glass: asking for it on a dossier (`/personen/<id>/doorbreken/`), a person search
outside the sharing rules (`/personen/doorbreken/`, from the search results), and the privacy officer's review
list with the judgements (`/privacy/doorbraken/`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.selectors import people_names

from .break_glass import (
    AlreadyDecided,
    break_glass_decide,
    break_glass_get_for_user,
    break_glass_grant,
    break_glass_granted_before,
    break_glass_person_get_for_user,
    break_glass_review_list_for_user,
    break_glass_search,
    break_glass_search_refused,
    break_glass_search_results,
    search_found,
)
from .engine.query import MAX_QUERY_LENGTH
from .forms import BreakGlassDecisionForm, BreakGlassForm, BreakGlassSearchForm
from .selectors import may_break_glass
from .views import keep_search_text, session_purpose

SEARCH_PARAM = "zoektocht"  # on a result's link: the break-the-glass search that showed the person
SCORES_KEY = "kz_break_glass_scores"  # in the session: {search id: {person id: match}} of the last search


def _search_id(request: HttpRequest) -> int | None:
    given = request.GET.get(SEARCH_PARAM, "")
    return int(given) if given.isdigit() and len(given) < 19 else None


@require_http_methods(["GET", "POST"])
def person_break_glass(request: HttpRequest, person_id: int) -> HttpResponse:
    """The reason and the confirmation; then the whole dossier for KETENZICHT_BREAK_GLASS_MINUTES. Only
    from a dossier opened under a purpose (without one the dossier asks for it first)."""
    user: Any = request.user
    purpose = session_purpose(request) if may_break_glass(user) else None
    if purpose is None and may_break_glass(user):
        return redirect("dossiers:dossier", person_id=person_id)  # which asks for the purpose first
    origin = request_origin(request, "web")
    search_id = _search_id(request)
    person = break_glass_person_get_for_user(  # NotVisible for every other role: the one 404
        user=user,
        person_id=person_id,
        purpose=purpose.for_log() if purpose else "",
        origin=origin,
        search=search_id,
    )
    # From a break-the-glass search that showed this person: its reason, to confirm again for the person.
    search = search_found(user=user, search=search_id, person_id=person) if search_id else None
    form = BreakGlassForm(
        request.POST if request.method == "POST" else None,
        initial={"reason": search.reason} if search else None,
    )
    if request.method == "POST" and form.is_valid():
        asked_at = timezone.now()
        access = break_glass_grant(
            user=user,
            person_id=person,
            reason=form.cleaned_data["reason"],
            origin=origin,
            search=search.pk if search else None,
            now=asked_at,
        )
        if break_glass_granted_before(access, asked_at=asked_at):
            messages.info(
                request,
                _(
                    "You already had access to this whole dossier (asked at %(granted)s, until %(until)s); "
                    "no second access was recorded."
                )
                % {
                    "granted": formats.time_format(timezone.localtime(access.granted_at), "H:i"),
                    "until": formats.time_format(timezone.localtime(access.expires_at), "H:i"),
                },
            )
        return redirect("dossiers:dossier", person_id=person)
    context = {
        "form": form,
        "person_id": person,
        "search": search,
        "minutes": settings.KETENZICHT_BREAK_GLASS_MINUTES,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "dossiers/break_glass.html", context, status=status)


@require_http_methods(["GET", "POST"])
def person_search_break_glass(request: HttpRequest) -> HttpResponse:
    """A person search outside the sharing rules: the box, the reason and the confirmation first; then the
    search runs once, stored and logged as a break-the-glass access for the privacy officer, and its
    results lead to the break-the-glass dossier of the person chosen. From the search results page (`ask`:
    the box carried over, nothing run yet) and under the session's purpose (without one the search page
    asks for it first). The search that ran redirects to its results (`?zoektocht=<id>`), so that a reload
    shows them again instead of searching (and storing an access for the privacy officer) once more."""
    user: Any = request.user
    origin = request_origin(request, "web")
    if not may_break_glass(user):
        raise break_glass_search_refused(user=user, origin=origin, text=request.POST.get("q", ""))
    purpose = session_purpose(request)
    if purpose is None:
        return redirect("dossiers:search")  # which asks for the purpose first
    minutes = settings.KETENZICHT_BREAK_GLASS_MINUTES
    search_id = _search_id(request) if request.method == "GET" else None
    if search_id is not None:
        kept = request.session.get(SCORES_KEY) or {}
        scores = kept.get(str(search_id)) or {}
        access, hits = break_glass_search_results(
            user=user,
            search=search_id,
            origin=origin,
            scores={int(person): float(score) for person, score in scores.items()},
        )
        context = {"minutes": minutes, "access": access, "hits": hits}
        return render(request, "dossiers/break_glass_search.html", context)
    if request.method == "POST" and request.POST.get("ask"):
        form = BreakGlassSearchForm(initial={"q": request.POST.get("q", "")[:MAX_QUERY_LENGTH]})
        return render(request, "dossiers/break_glass_search.html", {"form": form, "minutes": minutes})
    form = BreakGlassSearchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        access, hits = break_glass_search(
            user=user,
            text=form.cleaned_data["q"],
            reason=form.cleaned_data["reason"],
            purpose=purpose,
            origin=origin,
        )
        keep_search_text(request, form.cleaned_data["q"])
        request.session[SCORES_KEY] = {str(access.pk): {str(hit.person_id): hit.score for hit in hits}}
        return redirect(f"{reverse('dossiers:search-break-glass')}?{SEARCH_PARAM}={access.pk}")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "minutes": minutes}
    return render(request, "dossiers/break_glass_search.html", context, status=status)


SHOW_PARAM = "toon"  # the review list's filter in the address
SHOWS = {"te-beoordelen": "pending", "beoordeeld": "decided"}


@require_http_methods(["GET"])
def review_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    given = request.GET.get(SHOW_PARAM, "")
    show = SHOWS.get(given, "")
    rows = break_glass_review_list_for_user(user=user, origin=request_origin(request, "web"), show=show)
    for row in rows:
        row.form = BreakGlassDecisionForm(prefix=f"g{row.access.pk}")
    _name_events(rows)
    context = {"rows": rows, "show": given if show else ""}
    return render(request, "dossiers/break_glass_review.html", context)


@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    origin = request_origin(request, "web")
    access = break_glass_get_for_user(user=user, pk=pk, origin=origin)
    form = BreakGlassDecisionForm(request.POST, prefix=f"g{pk}")
    if not form.is_valid():
        rows = break_glass_review_list_for_user(user=user, origin=origin)
        for row in rows:
            row.form = form if row.access.pk == pk else BreakGlassDecisionForm(prefix=f"g{row.access.pk}")
        _name_events(rows)
        return render(request, "dossiers/break_glass_review.html", {"rows": rows}, status=422)
    try:
        break_glass_decide(
            access,
            actor=user,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
            origin=origin,
        )
    except AlreadyDecided:
        messages.warning(request, _("This access was judged before; its judgement stands."))
    else:
        messages.success(request, _("Your judgement is stored."))
    return redirect("break_glass:list")


def _name_events(rows: list[Any]) -> None:
    """Who granted and who judged, by name (`shown_name`: the history names colleagues, not accounts)."""
    names = people_names({event.actor_name for row in rows for event in row.events})
    for row in rows:
        for event in row.events:
            event.shown_name = names.get(event.actor_name, event.actor_name)
