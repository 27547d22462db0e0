"""The alerts of a ZSM file that ask its prosecutor to act (routed to them, complete) are settled once the
file is finally decided; the partners' answers are lines of its history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenzicht.prosecution.services import request_answer
from ketenzicht.workprocesses.models import Alert
from ketenzicht.workprocesses.services import case_take
from tests.prosecution.helpers import at_zsm

pytestmark = pytest.mark.django_db


def _answered(make_user: Any, file: Any) -> None:
    support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    probation = make_user("probation", organisation="reclassering-nederland")
    request_answer(file.requests.get(partner="victim_support"), actor=support, answer={"contacted": "no"})
    request_answer(
        file.requests.get(partner="probation"), actor=probation, answer={"known": "no", "advice": "zsm"}
    )


def test_the_files_alerts_to_act_are_settled_when_it_is_decided(make_user: Any, eva: Any) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="aangifte")
    _answered(make_user, file)
    waiting = Alert.objects.filter(case=file.case, recipient=eva, read_at__isnull=True)
    assert set(waiting.values_list("kind", flat=True)) == {"zsm_routed", "zsm_answered"}
    file.case.refresh_from_db()
    case_take(
        file.case,
        "decide_dismissal",
        actor=eva,
        expected_version=None,
        values={"dismissal_ground": "public_interest"},
        reason="geen belang",
    )
    assert not waiting.exists()
    settled = Alert.objects.filter(case=file.case, kind__in=["zsm_routed", "zsm_answered"])
    assert all(a.read_at is not None and a.read_by is None for a in settled)
    line = file.case.events.get(transition="decide_dismissal")
    assert line.detail["alerts_settled"] == 2
    page = Client()
    page.force_login(eva)
    html = page.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert "2 waarschuwingen afgehandeld: de aanleiding geldt niet meer" in html


def test_each_partners_answer_is_a_line_of_the_files_history_without_what_it_says(
    make_user: Any, eva: Any
) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="aangifte")
    support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    request_answer(
        file.requests.get(partner="victim_support"),
        actor=support,
        answer={"contacted": "yes", "wishes": "prosecution", "afraid": "yes", "note": "Zij slaapt elders."},
    )
    lines = file.case.events.filter(kind="recorded", detail__what="answer from victim support received")
    [line] = lines
    assert line.actor == support and line.reason == "" and line.detail["partner"] == "victim_support"
    assert "Zij slaapt elders" not in str(line.detail)
    probation = make_user("probation", organisation="reclassering-nederland")
    request_answer(
        file.requests.get(partner="probation"), actor=probation, answer={"known": "no", "advice": "zsm"}
    )
    assert file.case.events.filter(detail__what="answer from probation received").count() == 1
    page = Client()
    page.force_login(eva)
    html = page.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    history = html[html.index('data-testid="history"') :]
    assert "Antwoord van Slachtofferhulp ontvangen" in history
    assert "Antwoord van Reclassering ontvangen" in history
    assert "Zij slaapt elders" not in history
