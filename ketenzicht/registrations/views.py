"""Pages of the register: the list and one registration, scoped to the user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from ketenzicht.audit.services import request_origin

from .forms import RegistrationFilterForm
from .purposes import linked_purpose
from .selectors import registration_list_for_user
from .services import registration_list_logged, registration_open
from .sharing import may_see_registrations

PAGE_SIZE = 50


@require_GET
def registration_list(request: HttpRequest) -> HttpResponse:
    if not may_see_registrations(request.user):  # type: ignore[arg-type]
        registration_list_logged(
            user=request.user,  # type: ignore[arg-type]
            origin=request_origin(request, "web"),
            detail={},
            refused=True,
        )
        raise PermissionDenied
    filters = RegistrationFilterForm(request.GET or None)
    registrations = filters.apply(registration_list_for_user(user=request.user))  # type: ignore[arg-type]
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    registration_list_logged(
        user=request.user,  # type: ignore[arg-type]
        origin=request_origin(request, "web"),
        detail={"page": page.number, "count": len(page.object_list), "filters": filters.used()},
        shown=list(page.object_list),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "filters": filters, "query": query.urlencode(), "filtered": bool(filters.used())}
    return render(request, "registrations/list.html", context)


@require_GET
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    purpose = linked_purpose(request, pk)  # from a dossier or a case: other units' too, logged so
    registration = registration_open(
        user=request.user,  # type: ignore[arg-type]
        pk=pk,
        origin=request_origin(request, "web"),
        purpose=purpose,
    )
    context = {
        "registration": registration,
        "break_glass": purpose.break_glass if purpose else None,
        "back": _back(request),
    }
    return render(request, "registrations/detail.html", context)


BACK_PARAM = "terug"  # ?terug=<a path of this site>: the page the registration was opened from


def _back(request: HttpRequest) -> str | None:
    """The page to go back to, when the link named one of this site (a path, never another host)."""
    path = request.GET.get(BACK_PARAM, "")
    safe = path.startswith("/") and not path.startswith("//")
    allowed = url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()})
    return path if safe and allowed else None
