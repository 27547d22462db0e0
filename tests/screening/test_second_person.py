"""A lowered level that waits for a second person, and what happens to the case meanwhile: a newer screening
makes it count no longer (confirming it later would put an older, lower level over the newer one), a closed
case takes no confirmation and leaves no alert open, and the answer is refused when the case changed since
the page was shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketenzicht.screening.models import Screening
from ketenzicht.screening.recording import screening_confirm, screening_decline, screening_record
from ketenzicht.workprocesses.alerts import alert_list_for_user
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_take
from tests.clients import signed_in
from tests.screening.test_record import NO, _case, _open_instrument

pytestmark = pytest.mark.django_db

ANSWERS = {**NO, "threat_to_kill": True, "weapon": True, "earlier_violence": True, "escalation": True}


def _lowered(case: Case, screener: Any, level: str = "standard") -> Screening:
    lowered = screening_record(
        case=case, instrument=_open_instrument(), answers=ANSWERS, level=level,
        reason="bedreiging in een ruzie over de omgang, door beiden ingetrokken", actor=screener,
    )  # fmt: skip
    assert lowered.status == Screening.Status.AWAITING_SECOND
    return lowered


def test_a_newer_screening_makes_a_waiting_lowering_count_no_longer(make_user: Callable[..., Any]) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _case(screener)
    older = _lowered(case, screener)
    assert alert_list_for_user(user=lead).count() == 1
    newer = screening_record(
        case=case, instrument=_open_instrument(), answers={**ANSWERS, "breach_of_ban": True}, actor=screener
    )
    assert newer.status == Screening.Status.RECORDED and newer.level == "high"
    older.refresh_from_db()
    assert older.status == Screening.Status.SUPERSEDED
    assert not alert_list_for_user(user=lead).exists()  # the team leads' alert is settled
    line = case.events.filter(detail__superseded=older.pk).get()
    assert line.kind == "recorded" and line.actor == screener and line.detail["values"] == {}
    with pytest.raises(Refused) as confirmed:
        screening_confirm(older, actor=lead)
    with pytest.raises(Refused) as declined:
        screening_decline(older, actor=lead, reason="te laat")
    assert (confirmed.value.code, declined.value.code) == ("superseded", "superseded")
    case.refresh_from_db()
    assert case.data["screening_level"] == "high"  # the newer level stays


def test_a_newer_lowering_keeps_its_own_alert_while_the_older_one_is_settled(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _case(screener)
    older = _lowered(case, screener)
    newer = _lowered(case, screener)  # the same step's label: only the older one's alert is settled
    older.refresh_from_db()
    assert older.status == Screening.Status.SUPERSEDED
    [alert] = alert_list_for_user(user=lead)
    assert alert.created_at == newer.recorded_at
    screening_confirm(newer, actor=lead)
    case.refresh_from_db()
    assert case.data["screening_level"] == "standard"
    assert not alert_list_for_user(user=lead).exists()


def test_a_lowering_waiting_when_the_case_closes_is_refused_and_its_alert_settled(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _case(screener)
    lowered = _lowered(case, screener)
    case.refresh_from_db()
    case_take(case, "no_further_action", actor=lead, expected_version=None, reason="Geen feit.")
    assert not alert_list_for_user(user=lead).exists()
    events = case.events.count()
    with pytest.raises(Refused) as confirmed:
        screening_confirm(lowered, actor=lead)
    with pytest.raises(Refused) as declined:
        screening_decline(lowered, actor=lead, reason="te laat")
    assert (confirmed.value.code, declined.value.code) == ("closed", "closed")
    case.refresh_from_db()
    assert "screening_level" not in case.data and case.events.count() == events
    lowered.refresh_from_db()
    assert lowered.status == Screening.Status.LAPSED and lowered.second_person is None


def _page_form(html: str, testid: str) -> str:
    form = html[html.index(f'data-testid="{testid}"') :]
    return form[: form.index("</form>")]


def test_an_answer_from_a_page_shown_before_a_newer_screening_is_told_the_case_changed(
    make_user: Callable[..., Any],
) -> None:
    from django.urls import reverse

    from tests.screening.test_desk import HIGH_ANSWERS, _english, _lowered_to_medium

    screener, lead = make_user("case_screener"), make_user("team_lead")
    case, lowered = _lowered_to_medium(screener)
    client = _english(signed_in(lead))
    detail = reverse("workprocesses:case-detail", args=[case.pk])
    page = client.get(detail).content.decode()
    shown = case.lock_version
    for testid in ("screening-confirm", "screening-decline"):
        assert f'name="lock_version" value="{shown}"' in _page_form(page, testid)
    screening_record(case=case, instrument=lowered.instrument, answers=HIGH_ANSWERS, actor=screener)
    second = reverse("screening:screening-second", args=[case.pk, lowered.pk])
    answer = client.post(second, {"decision": "confirm", "lock_version": shown}, follow=True)
    html = answer.content.decode()
    assert f"{screener.get_full_name() or screener.username} changed this case at" in html
    assert "Lowered level confirmed." not in html
    case.refresh_from_db()
    lowered.refresh_from_db()
    assert case.data["screening_level"] == "high" and lowered.status == "superseded"
    # The page now shows it no longer counts, with no form to answer it; the history says why.
    trend = _page_form(html.replace("</table>", "</form>"), "screening-trend")
    assert "no longer counts: a newer screening was recorded" in trend
    assert 'data-testid="screening-confirm"' not in html
    assert "no longer waits for a second person: Risiconiveau verlaagd naar Verhoogd" in html
    # An answer without the page's version (an older page) is refused in words, not "nothing pending".
    old = client.post(second, {"decision": "decline", "reason": "te laat"}, follow=True).content.decode()
    assert "A newer screening was recorded meanwhile: this lowering no longer counts." in old


def test_an_answer_from_a_page_shown_before_the_case_closed_is_refused(make_user: Callable[..., Any]) -> None:
    from django.urls import reverse

    from tests.screening.test_desk import _english, _lowered_to_medium

    screener, lead = make_user("case_screener"), make_user("team_lead")
    case, lowered = _lowered_to_medium(screener)
    shown = case.lock_version
    owner = make_user("case_owner")
    case_take(case, "no_further_action", actor=owner, expected_version=None, reason="Geen feit.")
    client = _english(signed_in(lead))
    second = reverse("screening:screening-second", args=[case.pk, lowered.pk])
    changed = client.post(second, {"decision": "confirm", "lock_version": shown}, follow=True)
    assert "changed this case at" in changed.content.decode()
    closed = client.post(second, {"decision": "confirm"}, follow=True).content.decode()
    assert "The case is closed." in closed
    assert "no longer counts: the case was closed" in closed
    case.refresh_from_db()
    assert "screening_level" not in case.data
    assert not alert_list_for_user(user=lead).exists()


def test_a_superseded_lowering_is_refused_in_dutch(make_user: Callable[..., Any]) -> None:
    from django.urls import reverse

    from tests.screening.test_desk import HIGH_ANSWERS, _lowered_to_medium

    screener, lead = make_user("case_screener"), make_user("team_lead")
    case, lowered = _lowered_to_medium(screener)
    screening_record(case=case, instrument=lowered.instrument, answers=HIGH_ANSWERS, actor=screener)
    second = reverse("screening:screening-second", args=[case.pk, lowered.pk])
    html = signed_in(lead).post(second, {"decision": "confirm"}, follow=True).content.decode()
    assert "Er is intussen een nieuwere screening vastgelegd; deze verlaging telt niet meer." in html
    assert "telt niet meer: er is een nieuwere screening vastgelegd" in html
    assert "wacht niet langer op een tweede persoon: Risiconiveau verlaagd naar Verhoogd" in html


def test_the_history_names_what_the_desk_recorded_in_the_readers_language(
    make_user: Callable[..., Any],
) -> None:
    """A desk's lines read as what they are ("Screening vastgelegd"), not as the kernel's "recorded by a
    desk"; a line stored before desks named theirs keeps that general label."""
    from django.urls import reverse

    from ketenzicht.workprocesses.models import CaseEvent, EventKind
    from tests.screening.test_desk import _english, _lowered_to_medium

    screener, lead = make_user("case_screener"), make_user("team_lead")
    case, lowered = _lowered_to_medium(screener)
    screening_confirm(lowered, actor=lead)
    CaseEvent.objects.create(  # as an older desk line was stored: without its name
        case=case, at=case.opened_at, kind=EventKind.RECORDED, actor=None, actor_name="",
        process_version=case.events.first().process_version, detail={"values": {}},
    )  # fmt: skip
    detail = reverse("workprocesses:case-detail", args=[case.pk])

    def what(client: Any) -> list[str]:
        html = client.get(detail).content.decode()
        cells = html.split('data-testid="history-what"')[1:]
        return [cell.split(">", 1)[1].split("<", 1)[0] for cell in cells]

    dutch = what(signed_in(lead))
    assert dutch.count("Screening vastgelegd") == 2  # the lowering, and its confirmation
    assert dutch.count("Vastgelegd vanuit een werkplek") == 1  # the older line
    english = what(_english(signed_in(lead)))
    assert english.count("Screening recorded") == 2 and english.count("Recorded by a desk") == 1
