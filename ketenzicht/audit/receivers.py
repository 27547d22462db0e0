"""Logins, failed logins and logouts land in the access log, through Django's own auth signals, so that
every way in (the login page, the admin, a test client) is covered. A failed login keeps the username that
was tried, never the password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from .models import Action, Result
from .services import access_log_record, request_origin

OBJECT = "session"


@receiver(user_logged_in, dispatch_uid="audit_login")
def log_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        access_log_record(
            actor=user, action=Action.LOGIN, object_type=OBJECT, result=Result.GRANTED,
            origin=request_origin(request, "web"),
        )  # fmt: skip


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def log_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if credentials.get("second_factor"):  # a wrong code: ketenzicht.signin logged it already
        return
    tried = str(credentials.get("username") or "")
    with transaction.atomic():
        access_log_record(
            actor=None, actor_username=tried or "?", action=Action.LOGIN, object_type=OBJECT,
            result=Result.REFUSED, origin=request_origin(request, "web"),
        )  # fmt: skip


@receiver(user_logged_out, dispatch_uid="audit_logout")
def log_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # logging out without a session: nobody to record
        return
    with transaction.atomic():
        access_log_record(
            actor=user, action=Action.LOGOUT, object_type=OBJECT, result=Result.GRANTED,
            origin=request_origin(request, "web"),
        )  # fmt: skip
