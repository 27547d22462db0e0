"""The access log page, for privacy officers and functional administrators. Read-only by design."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Action, Result
from .selectors import AUDIT_READER_ROLES, access_log_list_for_user

PAGE_SIZE = 100


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_role(*AUDIT_READER_ROLES):  # type: ignore[union-attr]
        raise PermissionDenied
    entries = access_log_list_for_user(user=user)  # type: ignore[arg-type]
    filters = {
        "actor_username": request.GET.get("actor", "").strip(),
        "object_type": request.GET.get("object_type", "").strip(),
        "object_id": request.GET.get("object_id", "").strip(),
        "action": request.GET.get("action", "").strip(),
        "result": request.GET.get("result", "").strip(),
    }
    for field, value in filters.items():
        if value:
            entries = entries.filter(**{field: value})
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "actions": Action.choices,
        "results": Result.choices,
        "query": query.urlencode(),
    }
    return render(request, "audit/access_log.html", context)
