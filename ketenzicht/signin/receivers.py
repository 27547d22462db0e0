"""At every login: whether the identity provider's own second factor counts for this session (oidc.py puts
it on the user it returns); a password login never brings it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from .selectors import PROVIDER_MFA_SESSION_KEY


@receiver(user_logged_in, dispatch_uid="signin_provider_mfa")
def keep_provider_mfa(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[PROVIDER_MFA_SESSION_KEY] = getattr(user, "kz_provider_mfa", False) is True
