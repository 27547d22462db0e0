"""The case page at the speed of work (bench/desk_pages.py): the colleagues who may own a case or be the
victim's contact person are read once for the page (the owner's form, the contact's form and their absences
list the same people), and what is posted is still checked against who may take it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.purpose import case_purpose_log
from ketenzicht.workprocesses.services import case_open
from tests.clients import signed_in
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db

COLLEAGUES = 'SELECT DISTINCT "organisations_user"'
ENTRIES = 'INSERT INTO "audit_accesslogentry"'


def _named(user: Any, first: str, last: str) -> Any:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def test_the_case_page_reads_the_colleagues_once_for_both_assignment_forms(
    make_user: Callable[..., Any],
) -> None:
    screener = _named(make_user("case_screener"), "Ingrid", "Verhoeven")
    owner = _named(make_user("case_owner"), "Marco", "van Dijk")
    elsewhere = _named(make_user("case_owner", organisation="zeeland-west-brabant"), "Elders", "Collega")
    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Ex-partner blijft bellen",
        actor=None,
    )
    client = signed_in(screener)
    path = reverse("workprocesses:case-detail", args=[case.pk])
    client.get(path)
    with CaptureQueriesContext(connection) as page:
        response = client.get(path)
    assert response.status_code == 200
    assert sum(1 for q in page.captured_queries if q["sql"].startswith(COLLEAGUES)) == 1  # was three
    html = response.content.decode()
    for form in ("owner", "contact"):  # both forms list the unit's colleagues, by name, nobody else
        select = html.split(f'name="{form}-person"')[1].split("</select>")[0]
        assert "Kies een collega" in select and "Marco van Dijk" in select and "Ingrid Verhoeven" in select
        assert f'value="{owner.pk}"' in select and "Elders" not in select
    # What is posted is checked against who may take it, as before: another unit's user is refused.
    act = reverse("workprocesses:case-act", args=[case.pk])
    refused = client.post(
        act, {"action": "owner", "owner-lock_version": case.lock_version, "owner-person": elsewhere.pk}
    )
    assert refused.status_code == 422 and Case.objects.get(pk=case.pk).owner is None
    taken = client.post(
        act, {"action": "owner", "owner-lock_version": case.lock_version, "owner-person": owner.pk}
    )
    assert taken.status_code == 302 and Case.objects.get(pk=case.pk).owner == owner


def test_the_notification_s_and_the_zsm_file_s_pages_write_their_entries_together(
    make_user: Callable[..., Any],
) -> None:
    """A Veilig Thuis notification's page and a ZSM file's page log each read as before, each entry with the
    case as purpose, written with one insert (was one per entry)."""
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        user=prosecutor,
        kind=PostKind.DV_PROSECUTOR,
    )
    file, police_case = send_to_zsm(make_user)
    notification = Notification.objects.select_related("organisation").get(
        registration__in=police_case.registrations.all()
    )
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    for user, case in ((assessor, notification.case), (prosecutor, file.case)):
        client = signed_in(user)
        path = reverse("workprocesses:case-detail", args=[case.pk])
        client.get(path)
        last = AccessLogEntry.objects.order_by("pk").last()
        with CaptureQueriesContext(connection) as page:
            assert client.get(path).status_code == 200
        assert sum(1 for q in page.captured_queries if q["sql"].startswith(ENTRIES)) == 1  # was 2
        entries = list(AccessLogEntry.objects.filter(pk__gt=last.pk if last else 0).order_by("pk"))
        assert [(e.action, e.object_type) for e in entries][:1] == [("view", "case")] and len(entries) >= 2
        assert {e.purpose for e in entries} == {case_purpose_log(case.reference)}
        assert all(e.actor == user and e.result == "shown" for e in entries)
        persons = set(case.persons.values_list("pk", flat=True))
        assert set(entries[0].persons.values_list("person_id", flat=True)) == persons
