"""A notification's case page at the speed of work: whether the police case of each hand-off may be named
to the reader (`selectors.handoffs_named_for_user`) is one query, not a read of the hand-offs and then one of
the cases' registrations; what the reader is told stays as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.selectors import handoffs_named_for_user
from ketenzicht.workprocesses.models import Handoff
from tests.veiligthuis.test_handoff import VT, _client, _language_kept, _notify, _screened  # noqa: F401

pytestmark = pytest.mark.django_db

SEEN = 'FROM "workprocesses_case_registrations"'
BY_ID = '"workprocesses_handoff"."id" IN ('


@pytest.fixture
def notified(make_user: Callable[..., Any]) -> dict[str, Any]:
    police, screener = _screened(make_user, days_ago=0)
    _notify(_client(screener), police)
    return {"police": police, "notification": Notification.objects.get()}


def test_which_hand_offs_name_their_police_case_is_one_query(
    notified: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    assessor = make_user("vt_assessor", organisation=VT)
    stranger = make_user("vt_assessor", organisation="vt-amsterdam-amstelland", username="vt-ams")
    handoffs = set(Handoff.objects.values_list("pk", flat=True))
    assert handoffs
    for user in (assessor, stranger):
        handoffs_named_for_user(user=user, handoff_ids=handoffs)  # the roles read once, before counting
    with CaptureQueriesContext(connection) as named:
        assert handoffs_named_for_user(user=assessor, handoff_ids=handoffs) == handoffs
    assert len(named) == 1  # was two: the hand-offs, then the cases' registrations
    # Another Veilig Thuis organisation sees no registration of the police case: not named to it.
    assert handoffs_named_for_user(user=stranger, handoff_ids=handoffs) == set()


def test_the_notification_page_reads_the_police_cases_it_may_name_once_per_question(
    notified: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    assessor = make_user("vt_assessor", organisation=VT)
    client = _client(assessor)
    path = reverse("workprocesses:case-detail", args=[notified["notification"].case_id])
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as page:
        response = client.get(path)
    assert response.status_code == 200
    assert notified["police"].reference in response.content.decode()  # named in the panel and history
    handoffs = [q for q in page.captured_queries if BY_ID in q["sql"]]
    seen = [q for q in page.captured_queries if SEEN in q["sql"] and "workprocesses_handoff" not in q["sql"]]
    # The panel's and the history's hand-offs each in one query (with whether their police case may be
    # named); the notification's own police case in one more. Was five: two reads of the hand-offs, three of
    # the cases' registrations.
    assert (len(handoffs), len(seen)) == (2, 1)
