"""A test client signed in as a user, for page tests whose subject is not the signing in itself."""

from __future__ import annotations

from typing import Any

from django.test import Client


def signed_in(user: Any) -> Client:
    """A client with `user`'s session (no password, no second factor: `force_login`)."""
    client = Client()
    client.force_login(user)
    return client
