from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from ketenzicht.accounts.selectors import may_manage_users
from ketenzicht.audit.selectors import AUDIT_READER_ROLES
from ketenzicht.dossiers.selectors import (
    break_glass_pending_count,
    may_review_break_glass,
    may_search_persons,
)
from ketenzicht.insights.selectors import may_recount, may_see_insights
from ketenzicht.linking.selectors import may_review
from ketenzicht.measures.selectors import may_see_measures
from ketenzicht.organisations.selectors import may_record_absences, post_labels
from ketenzicht.patterns.selectors import may_see_signals
from ketenzicht.prosecution.selectors import may_answer_requests, may_see_portfolio, may_use_zsm_desk
from ketenzicht.registrations.sharing import may_register, may_see_registrations
from ketenzicht.retention.selectors import may_see_retention
from ketenzicht.screening.selectors import may_see_instruments, may_use_screening_desk
from ketenzicht.signin.selectors import second_factor_passed, second_factor_required
from ketenzicht.veiligthuis.selectors import may_see_feedback_list, may_see_timeliness, may_use_vt_desk
from ketenzicht.workprocesses.alerts import alert_list_for_user
from ketenzicht.workprocesses.selectors import may_manage_rollouts, may_work_cases


def current_user(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if second_factor_required() and not second_factor_passed(request):
        # Between the password and the second factor: no menu (every link would lead back here).
        return {
            "kz_second_factor_pending": True,
            "kz_organisation": user.organisation,
            "kz_roles": [*user.role_labels(), *post_labels(user)],
        }
    return {
        "kz_organisation": user.organisation,
        "kz_roles": [*user.role_labels(), *post_labels(user)],
        "kz_may_register": may_register(user),
        "kz_may_see_registrations": may_see_registrations(user),
        "kz_may_read_access_log": user.has_role(*AUDIT_READER_ROLES),
        "kz_may_review_break_glass": may_review_break_glass(user),
        "kz_may_see_retention": may_see_retention(user),
        "kz_may_review_links": may_review(user),
        "kz_may_search_persons": may_search_persons(user),
        "kz_may_see_signals": may_see_signals(user),
        "kz_may_work_cases": may_work_cases(user),
        "kz_may_screen": may_use_screening_desk(user),
        "kz_may_manage_rollouts": may_manage_rollouts(user),
        "kz_may_manage_users": may_manage_users(user),
        "kz_may_see_instruments": may_see_instruments(user),
        "kz_may_use_vt_desk": may_use_vt_desk(user),
        "kz_may_see_vt_timeliness": may_see_timeliness(user),
        "kz_may_see_vt_feedback": may_see_feedback_list(user),
        "kz_may_use_zsm_desk": may_use_zsm_desk(user),
        "kz_may_answer_requests": may_answer_requests(user),
        "kz_may_see_zsm_portfolio": may_see_portfolio(user),
        "kz_may_see_measures": may_see_measures(user),
        "kz_may_see_insights": may_see_insights(user),
        "kz_may_recount_insights": may_recount(user),
        "kz_may_record_absences": may_record_absences(user),
        "kz_alerts_unread": _Count(lambda: alert_list_for_user(user=user).count()),
        "kz_break_glass_pending": _Count(lambda: break_glass_pending_count(user)),
    }


class _Count:
    """A number for the menu or the start page (unread alerts, accesses to judge), counted only when a page
    shows it (one query then)."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count
        self._count: int | None = None

    def __int__(self) -> int:
        if self._count is None:
            self._count = self.count()
        return self._count

    def __str__(self) -> str:
        return str(int(self))

    def __bool__(self) -> bool:
        return int(self) > 0
