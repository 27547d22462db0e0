"""The page Bewaartermijnen (/privacy/bewaartermijnen/): the retention rules per category of data with
their legal ground, what is due now and within 30 days (counts only, published), the last runs and
whether the scheduled run is overdue. The privacy officer and the functional administrator; anyone else is
refused (403, logged once). Every view is logged with its purpose."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.organisations.models import User

from .engine.due import RetentionSettingError
from .labels import ACCESS_LOG, GROUNDS, HELD_REASONS, category_label, length_label
from .selectors import SOON_DAYS, Overview, may_see_retention, retention_overview

# The access log's purpose, shown translated.
RETENTION_PURPOSE = gettext_noop("supervision of the retention periods")
OBJECT_TYPE = "retention"


def _log(request: HttpRequest, user: User, result: str, detail: dict[str, Any] | None = None) -> None:
    access_log_record(
        actor=user,
        action=Action.VIEW,
        object_type=OBJECT_TYPE,
        result=result,
        purpose=RETENTION_PURPOSE,
        origin=request_origin(request, "web"),
        detail=detail,
    )


@require_GET
def overview_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not may_see_retention(user):
        _log(request, user, Result.REFUSED)
        raise PermissionDenied()
    try:
        overview = retention_overview()
    except RetentionSettingError as error:  # the run stops on it too: say which setting
        _log(request, user, Result.SHOWN, {"setting_error": str(error)})
        return render(request, "retention/overview.html", {"setting_error": str(error)})
    _log(request, user, Result.SHOWN, {"as_of": overview.today.isoformat()})
    return render(request, "retention/overview.html", _context(overview))


def _context(overview: Overview) -> dict[str, Any]:
    rows = [
        {
            "label": category_label(category.source, category.kind),
            "period": length_label(category.length),
            "set_here": category.set_here,
            "ground": GROUNDS[category.source],
            "category": category,
            "access_log": category.source == ACCESS_LOG,
        }
        for category in overview.categories
    ]
    return {
        "overview": overview,
        "rows": rows,
        "run_headers": [row["label"] for row in rows if not row["access_log"]],
        "soon_days": SOON_DAYS,
        "held_reasons": [
            (label, overview.held_reasons[reason])
            for reason, label in HELD_REASONS.items()
            if reason in overview.held_reasons
        ],
    }
