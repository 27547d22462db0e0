"""What the case kernel does when a user moves to another unit: the open cases they held in the unit they
left are given back, as when a user is deactivated (`services.cases_release_of`), in the move's
transaction. They can no longer see those cases, so nobody may wait on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import Organisation, User
from ketenzicht.ui.formats import in_installation_language

from .services import Released, cases_release_of

# The reason on the history lines of the cases a moved user gave back: the new unit and why.
MOVED_REASON = gettext_noop("Moved to %(unit)s: %(reason)s")


def on_user_moved(
    sender: Any,
    user: User,
    previous: Organisation,
    at: datetime,
    actor: User | None = None,
    reason: str = "",
    **kwargs: Any,
) -> Released:
    """`user_moved`: the open cases the user owns or is the victim's contact person of go back, each history
    line naming the new unit and the move's `reason`, at the move's time `at`; the old unit's team
    leads are told. A history line that emptied the owner or the contact person at the time of a recorded
    move says the user moved, not that they were deactivated (`organisations.selectors.moves_at`)."""
    unit = user.organisation.name if user.organisation else ""
    why = in_installation_language(MOVED_REASON, unit=unit, reason=reason)
    return cases_release_of(user, actor=actor, reason=why, at=at)
