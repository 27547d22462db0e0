"""Login lockout (django-axes) with a second threshold: per address across users.

Axes counts failed logins per user name and address (AXES_LOCKOUT_PARAMETERS): AXES_FAILURE_LIMIT (5) wrong
passwords for one user from one address lock that pair. Trying a few passwords for many users from one
address (password spraying) stays under it for every user, so the failures of all users from one address are
counted too: at KETENZICHT_LOCKOUT_ADDRESS_FAILURES (20) within the same cool-off window (AXES_COOLOFF_TIME)
that address is locked for everyone, until the window has passed. Other addresses are not affected.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class AddressLockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The failures counted against AXES_FAILURE_LIMIT: the user's from this address, or the limit itself
        once this address has failed for all users together as often as its own threshold allows."""
        failures: int = super().get_failures(request, credentials)
        if address_failures(request) >= settings.KETENZICHT_LOCKOUT_ADDRESS_FAILURES:
            return max(failures, int(get_failure_limit(request, credentials)))
        return failures


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's address within the cool-off window, over all user names."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    total: int | None = attempts.aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0
