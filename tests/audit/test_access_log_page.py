"""The access log page shows privacy officers who looked at a registration, and offers no way to change it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.registrations.services import registration_create
from tests.conftest import exchange_registration

pytestmark = pytest.mark.django_db


def test_a_privacy_officer_sees_who_viewed_a_registration(make_user: Callable[..., Any]) -> None:
    registration = registration_create(
        actor=None, data=exchange_registration(), channel="import"
    ).registration
    screener = make_user("case_screener", organisation="oost-brabant", username="ingrid")
    viewer = Client()
    viewer.force_login(screener)
    assert viewer.get(f"/registraties/{registration.pk}/").status_code == 200

    officer = Client()
    officer.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    page = officer.get(f"/toegangslog/?object_type=registration&object_id={registration.pk}&action=view")
    assert page.status_code == 200
    rows = page.content.decode().split('data-testid="access-log"')[1]
    assert "ingrid" in rows and "oost-brabant" in rows
    assert '<form method="post"' not in rows  # read-only: nothing to submit
    assert officer.post("/toegangslog/").status_code == 405
