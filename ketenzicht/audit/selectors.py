"""Reads of the access log, for privacy officers and functional administrators."""

from __future__ import annotations

from django.db.models import QuerySet

from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role

from .models import AccessLogEntry

AUDIT_READER_ROLES = (Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN)


def access_log_for_object(*, user: User, object_type: str, object_id: str) -> QuerySet[AccessLogEntry]:
    if not user.has_role(*AUDIT_READER_ROLES):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.filter(object_type=object_type, object_id=object_id)


def access_log_list_for_user(*, user: User) -> QuerySet[AccessLogEntry]:
    if not user.has_role(*AUDIT_READER_ROLES):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.all()
