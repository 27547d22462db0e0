"""Every look-up has its purpose: a case's page, whichever desk's (the police screening case, the Veilig
Thuis notification, the ZSM file), is read as that case's work, and the privacy officer's log says so with
the case named by its reference."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.models import Case
from tests.clients import signed_in
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db


def _log_row(officer: Client, reference: str, username: str) -> str:
    """The privacy officer's row of `username` opening the case named `reference`, found by that name."""
    page = officer.get("/toegangslog/", {"object_id": reference, "action": "view", "actor": username})
    assert page.status_code == 200
    rows = re.findall(r"<tr class=\"utrecht-table__row\">(.*?)</tr>", page.content.decode(), re.S)[1:]
    assert len(rows) == 1, rows
    return str(rows[0])


def test_each_desks_case_page_is_logged_with_the_case_as_its_purpose(make_user: Callable[..., Any]) -> None:
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    post_assign(
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        user=prosecutor,
        kind=PostKind.DV_PROSECUTOR,
    )
    owner = make_user("case_owner", organisation="oost-brabant", username="bram")
    file, police_case = send_to_zsm(make_user, owner=owner)
    notification = Notification.objects.select_related("case", "organisation").get(
        registration__in=police_case.registrations.all()
    )
    assessor = make_user("vt_assessor", organisation=notification.organisation.code, username="vera")
    screener = make_user("case_screener", organisation="oost-brabant", username="ingrid")
    opened: list[tuple[Any, Case]] = [
        (screener, police_case),  # from the screening queue
        (owner, police_case),  # from the owner's own list
        (assessor, notification.case),  # the Veilig Thuis notification's page
        (prosecutor, file.case),  # the ZSM file's page
    ]
    for user, case in opened:
        assert signed_in(user).get(reverse("workprocesses:case-detail", args=[case.pk])).status_code == 200
        entry = AccessLogEntry.objects.filter(
            actor=user, action="view", object_type="case", object_id=str(case.pk)
        ).get()
        assert entry.purpose == f"case {case.reference}"
        assert entry.detail["purpose"] == {"reason": "case", "case_id": case.pk}

    officer = signed_in(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    for user, case in opened:
        row = _log_row(officer, case.reference, user.username)
        # The object by its reference, the purpose in words with the same reference.
        assert f"zaak {case.reference}" in row
        assert f"Een zaak waaraan ik werk ({case.reference})" in row


def test_the_desks_lists_are_logged_with_their_purpose(make_user: Callable[..., Any]) -> None:
    """Each desk's list says why it was read: the queue, the case list, the alerts, the inbox, the ZSM
    table, the partner's requests, the figures, the users, the access log itself."""
    send_to_zsm(make_user)
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        user=prosecutor,
        kind=PostKind.DV_PROSECUTOR,
    )
    walks = [
        (make_user("case_screener"), ["/screening/", "/zaken/", "/waarschuwingen/"]),
        (make_user("vt_assessor", organisation="vt-brabant-noordoost"), ["/veiligthuis/"]),
        (prosecutor, ["/zsm/"]),
        (make_user("victim_support", organisation="slachtofferhulp-nederland"), ["/verzoeken/"]),
        (make_user("national_analyst", organisation="landelijke-eenheid"), ["/inzicht/"]),
        (make_user("functional_admin", organisation="ketenzicht-beheer"), ["/beheer/gebruikers/"]),
    ]
    for user, paths in walks:
        for path in paths:
            assert signed_in(user).get(path).status_code == 200, path
    privacy = make_user("privacy_officer", organisation="ketenzicht-beheer")
    page = signed_in(privacy).get("/toegangslog/", {"action": "list"}).content.decode()
    lists = AccessLogEntry.objects.filter(action="list").exclude(object_type="registration")
    assert {e.object_type for e in lists} >= {
        "screening_case", "case", "alert", "vt_notification", "zsm_file", "zsm_request", "statistics", "user",
        "access_log",
    }  # fmt: skip
    assert [e.object_type for e in lists if not e.purpose] == []
    for words in (
        "screening van de zaken van de eigen eenheid",
        "werk aan de ZSM-tafel van het eigen",
        "gebruikersbeheer",
    ):
        assert words in page
