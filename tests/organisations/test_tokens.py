"""API tokens from the shell: the command shares organisations.services with the administrator's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ketenzicht.organisations.models import ApiToken
from ketenzicht.organisations.selectors import user_for_api_token
from ketenzicht.organisations.services import api_token_issue, api_token_revoke

pytestmark = pytest.mark.django_db


def test_a_token_without_a_name_is_refused_naming_the_field(make_user: Callable[..., Any]) -> None:
    user = make_user("police_registrar")
    with pytest.raises(CommandError, match=r"^name: "):
        call_command("create_api_token", user.username, name="  ")
    with pytest.raises(ValueError, match=r"^name: at most 100"):
        api_token_issue(user=user, name="x" * 101)
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stays_revoked(make_user: Callable[..., Any]) -> None:
    user = make_user("police_registrar")
    row, token = api_token_issue(user=user, name="feed")
    assert row.prefix == token[:8] and user_for_api_token(token) == user
    assert api_token_revoke(row) and not api_token_revoke(row)
    assert user_for_api_token(token) is None
