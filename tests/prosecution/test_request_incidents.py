"""A partner's request names every incident of the file that names its person on their side, newest first,
each with its day, place and police unit; not only the latest. What the partner is not told of (another
person's incident, the summary) stays out."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.workprocesses.services import case_take
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.prosecution.helpers import police_case_of

pytestmark = pytest.mark.django_db


def _moment(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat(timespec="seconds")


def test_the_request_lists_every_incident_of_the_file_newest_first(make_user: Any, eva: Any) -> None:
    first = take_in("PL0600-INC-1", MARCO, LOTTE, registered_at=_moment(20), municipality="GM0772")
    take_in("PL0600-INC-2", MARCO, LOTTE, registered_at=_moment(3), municipality="GM0796", summary="Geheim")
    owner = make_user("case_owner", organisation="oost-brabant")
    police_case = case_take(police_case_of(first), "start_screening", actor=owner, expected_version=None)
    urgency = police_case.data.get("urgency_provisional") or "normal"
    police_case = case_take(
        police_case, "screened", actor=owner, expected_version=None, values={"urgency": urgency}
    )
    case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="ZSM")
    file = ZsmFile.objects.get(police_case=police_case)
    assert file.case.registrations.count() == 2
    days = [f"{timezone.localdate(timezone.now() - timedelta(days=n)):%d-%m-%Y}" for n in (3, 20)]
    for partner, role, organisation in (
        ("victim_support", "victim_support", "slachtofferhulp-nederland"),
        ("probation", "probation", "reclassering-nederland"),
    ):
        client = Client()
        client.force_login(make_user(role, organisation=organisation))
        request = file.requests.get(partner=partner)
        page = client.get(reverse("prosecution:request", args=[request.pk])).content.decode()
        listed = page.split('data-testid="request-incidents">', 1)[1].split("</ul>", 1)[0]
        items = [re.sub(r"\s+", " ", i).strip() for i in re.findall(r"<li[^>]*>(.*?)</li>", listed, re.S)]
        assert items == [
            f"{days[0]}, &#x27;s-Hertogenbosch (Politie eenheid Oost-Brabant)",
            f"{days[1]}, Eindhoven (Politie eenheid Oost-Brabant)",
        ], items
        assert "Geheim" not in page
