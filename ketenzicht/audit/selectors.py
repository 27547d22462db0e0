"""Reads of the access log, for privacy officers and functional administrators."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role

from .labels import ACTION_LABELS
from .models import AccessLogEntry, AccessLogPerson, Action

AUDIT_READER_ROLES = (Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN)


def access_log_for_object(*, user: User, object_type: str, object_id: str) -> QuerySet[AccessLogEntry]:
    if not user.has_role(*AUDIT_READER_ROLES):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.filter(object_type=object_type, object_id=object_id)


def access_log_list_for_user(*, user: User) -> QuerySet[AccessLogEntry]:
    if not user.has_role(*AUDIT_READER_ROLES):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.all()


def access_log_for_persons(*, user: User, person_ids: Iterable[int]) -> QuerySet[AccessLogEntry]:
    """Every entry that concerned one of these persons: dossier views and search hits, and the signals,
    registrations and review items that showed them. Pass a person with the ids merged into it."""
    if not user.has_role(*AUDIT_READER_ROLES):
        return AccessLogEntry.objects.none()
    concerned = AccessLogPerson.objects.filter(person_id__in=list(person_ids)).values("entry_id")
    return AccessLogEntry.objects.filter(pk__in=concerned)


def action_choices() -> list[tuple[str, str]]:
    """Every action an entry can have, for the log's filter: the model's choices, then the desks' own."""
    extra = [(code, str(label)) for code, label in ACTION_LABELS.items() if code not in Action.values]
    return [(code, str(label)) for code, label in Action.choices] + sorted(extra, key=lambda c: c[1])
