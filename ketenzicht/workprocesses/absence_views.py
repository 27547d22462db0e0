"""The team's absences: a team lead of a police unit or a Veilig Thuis organisation records a colleague's
absence (anyone there records their own); while it lasts the queues mark the colleague's cases and the team
leads hear of the alerts meant for them. Decision 0019."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.organisations.selectors import absence_members_for, may_record_absences, member_absences
from ketenzicht.ui.forms import error_items

from .absence_forms import MemberAbsenceForm
from .selectors import open_cases_owned
from .services.absences import absence_member_get, member_absence_record


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_http_methods(["GET", "POST"])
def absences(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_record_absences(user):
        raise PermissionDenied
    members = absence_members_for(user)
    if request.method == "POST" and request.POST.get("member", "").strip():
        # Someone the user may not record an absence for is refused as one who does not exist: 404.
        absence_member_get(actor=user, pk=request.POST["member"].strip(), origin=origin)
    form = MemberAbsenceForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        member = next(m for m in members if m.pk == form.cleaned_data["member"])
        stored = member_absence_record(
            actor=user,
            member=member,
            absent_from=form.cleaned_data["absent_from"],
            absent_until=form.cleaned_data["absent_until"],
            origin=origin,
        )  # the form checked the dates
        name = member.display_name
        messages.success(
            request,
            _("The absence of %(name)s is recorded.") % {"name": name}
            if stored is not None
            else _("The absence of %(name)s is cleared.") % {"name": name},
        )
        return redirect("workprocesses:absences")
    today = timezone.localdate()
    recorded = member_absences(members)
    owned = open_cases_owned(members, user.organisation_id or 0)
    organisation = user.organisation
    return render(
        request,
        "workprocesses/absences.html",
        {
            "rows": [
                {
                    "member": member,
                    "absence": recorded.get(member.pk),
                    "now": member.pk in recorded and recorded[member.pk].absent_on(today),
                    "owned": owned.get(member.pk, 0),
                }
                for member in members
            ],
            "lead": user.has_role(Role.TEAM_LEAD),
            "police": organisation is not None and organisation.kind == OrganisationKind.POLITIE,
            "form": form,
            "error_summary": error_items(form),
        },
        status=422 if request.method == "POST" else 200,
    )
