"""The Veilig Thuis inbox costs the same number of queries whatever the number of open notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from ketenzicht.veiligthuis.models import Notification
from tests.patterns.helpers import take_in

pytestmark = pytest.mark.django_db

VT = "vt-brabant-noordoost"  # the Veilig Thuis of GM0796, where take_in's registrations happen
SUSPECTS = ["Bas", "Daan", "Erik", "Frank", "Gijs", "Hugo", "Ivo", "Jeroen", "Koen", "Luuk"]
VICTIMS = ["Anouk", "Britt", "Carmen", "Dewi", "Eva", "Fleur", "Iris", "Julia", "Kim", "Lisa"]
SURNAMES = ["Bakker", "Dekker", "Janssen", "Kok", "Meijer", "Mulder", "Peters", "Smit", "Vos", "Willems"]


def _pair(n: int) -> None:
    """A police registration of a partner pair: routed to the Veilig Thuis of 's-Hertogenbosch."""
    take_in(
        f"PL0600-VT-{n}",
        {
            "given_names": SUSPECTS[n % 10],
            "surname": SURNAMES[n // 10],
            "birth_date": f"1980-01-{n % 28 + 1:02d}",
        },
        {
            "given_names": VICTIMS[n % 10],
            "surname": SURNAMES[9 - n // 10],
            "birth_date": f"1990-02-{n % 28 + 1:02d}",
        },
        registered_at=f"2024-03-{n % 28 + 1:02d}T{n % 24:02d}:00:00+01:00",
        relation="partner",
    )


def test_the_inbox_costs_the_same_queries_for_three_notifications_as_for_thirty(
    make_user: Callable[..., Any],
) -> None:
    assessor = make_user("vt_assessor", organisation=VT)
    owner = make_user("vt_assessor", organisation=VT)
    client = Client()
    client.force_login(assessor)

    def count(path: str) -> int:
        """Statements of one load of the inbox, counted at the driver (a request clears Django's log)."""
        client.get(path)  # warm: the session, the user
        sent: list[str] = []

        def counting(execute: Any, sql: str, *args: Any) -> Any:
            sent.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(counting):
            page = client.get(path)
        assert page.status_code == 200
        return len(sent)

    def counts() -> tuple[int, ...]:
        inbox = reverse("veiligthuis:inbox")
        return tuple(count(f"{inbox}{query}") for query in ("", "?radar=re", "?owner=nobody&overdue=on"))

    for n in range(3):
        _pair(n)
    assert Notification.objects.filter(organisation__code=VT, open=True).count() == 3
    few = counts()
    for n in range(3, 30):
        _pair(n)
    # Some owned, so the rows show an owner's name (a join, not a query per row).
    for notification in Notification.objects.select_related("case")[:10]:
        notification.case.owner = owner
        notification.case.save(update_fields=["owner"])
    assert Notification.objects.filter(organisation__code=VT, open=True).count() == 30
    many = counts()
    assert many == few
    html = client.get(reverse("veiligthuis:inbox")).content.decode()
    assert html.count('data-testid="inbox-row"') == 30
    assert html.count('data-testid="inbox-take"') == 20  # the ten owned show their owner instead
    assert few[0] > 3  # the session, the user, the page's rows and count, the access log...


def test_the_inbox_reads_its_order_from_the_index_acute_first(make_user: Callable[..., Any]) -> None:
    """The page's query walks the vt_inbox index (organisation, open, urgency, deadline, case) instead of
    sorting every open notification of the organisation (on SQLite a bare `WHERE open` did not use it)."""
    from ketenzicht.veiligthuis.selectors import InboxFilter, inbox_for_user

    assessor = make_user("vt_assessor", organisation=VT)
    for n in range(3):
        _pair(n)
    Notification.objects.update(urgency_rank=2)
    last = Notification.objects.order_by("-case_id").first()
    assert last is not None
    Notification.objects.filter(pk=last.pk).update(urgency_rank=0)
    for chosen in (InboxFilter(), InboxFilter(radar="first"), InboxFilter(owner="nobody", overdue=True)):
        found = inbox_for_user(user=assessor, chosen=chosen)
        if connection.vendor == "sqlite":
            plan = found[:50].explain()
            assert "vt_inbox (organisation_id=? AND open=?)" in plan
            assert "TEMP B-TREE" not in plan
    rows = list(inbox_for_user(user=assessor))
    assert rows[0].case_id == last.case_id  # acute at the police first
    assert len(rows) == 3
