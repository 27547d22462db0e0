"""Reads of the intake: the registration a form was stored as."""

from __future__ import annotations

from ketenzicht.organisations.models import User
from ketenzicht.registrations.models import Registration

from .models import FormSubmission


def form_registration_for_user(*, user: User, token: str) -> Registration | None:
    """The registration `user` stored with the form of `token`, or None while it is not stored."""
    submission = (
        FormSubmission.objects.filter(user=user, token=token, registration__isnull=False)
        .select_related("registration")
        .first()
    )
    return submission.registration if submission is not None else None
