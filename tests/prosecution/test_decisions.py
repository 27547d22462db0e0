"""The prosecutor's decisions on a ZSM file may not contradict what the file holds: no dismissal for want of
a complaint that is on file, or that the file does not need. A final decision before the chain partners
answered is warned of on its form and needs a reason; the history names the answers it was taken without."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from ketenzicht.prosecution.models import PartnerRequest
from ketenzicht.prosecution.services import request_answer
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import CaseEvent, EventKind
from ketenzicht.workprocesses.services import case_take
from tests.prosecution.helpers import at_zsm, decision_post

pytestmark = pytest.mark.django_db

STALKING = {"required": True, "months": 3, "articles": ["285b"]}


def _dismiss(file: Any, eva: Any, ground: str) -> Any:
    return case_take(
        file.case,
        "decide_dismissal",
        actor=eva,
        expected_version=None,
        values={"dismissal_ground": ground},
        reason="sepot",
    )


@override_settings(STALKING_COMPLAINT=STALKING)
def test_no_dismissal_for_want_of_a_complaint_that_is_on_file(make_user: Any, eva: Any) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="aangifte")  # her report is the complaint
    assert file.case.data["complaint"] == "on_file"
    with pytest.raises(Refused) as refused:
        _dismiss(file, eva, "no_complaint")
    assert (refused.value.code, refused.value.detail) == ("desk", "dismissal_ground")
    assert refused.value.said.startswith(f"Er is een klacht (ontvangen op {timezone.localdate():%d-%m-%Y})")
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm" and "decision" not in file.case.data  # nothing stored
    assert _dismiss(file, eva, "public_interest").state == "decided"


@override_settings(STALKING_COMPLAINT={"required": False})
def test_no_dismissal_for_want_of_a_complaint_the_file_does_not_need(make_user: Any, eva: Any) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="melding")
    assert file.case.data["complaint"] == "not_required"
    with pytest.raises(Refused) as refused:
        _dismiss(file, eva, "no_complaint")
    assert refused.value.detail == "dismissal_ground"
    assert refused.value.said.startswith("Dit dossier heeft geen klacht nodig")


@override_settings(STALKING_COMPLAINT=STALKING)
def test_a_dismissal_for_want_of_a_complaint_while_none_is_on_file(make_user: Any, eva: Any) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="melding")
    assert "complaint" not in file.case.data
    assert _dismiss(file, eva, "no_complaint").state == "decided"


@override_settings(STALKING_COMPLAINT=STALKING)
def test_the_case_page_says_at_the_ground_why_it_was_refused(make_user: Any, eva: Any) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="aangifte")
    client = Client()
    client.force_login(eva)
    page = decision_post(client, file, "decide_dismissal", {"dismissal_ground": "no_complaint"}, "sepot")
    assert page.status_code == 422
    html = page.content.decode()
    error = html.split('data-testid="error-step-decide_dismissal-value_dismissal_ground">', 1)[1]
    assert f"{timezone.localdate():%d-%m-%Y}" in error.split("</div>", 1)[0]
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm"


def _answer_all(make_user: Any, file: Any) -> None:
    victim_support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    probation = make_user("probation", organisation="reclassering-nederland")
    for request in PartnerRequest.objects.filter(file=file):
        if request.partner == "victim_support":
            request_answer(request, actor=victim_support, answer={"contacted": "no"})
        else:
            request_answer(request, actor=probation, answer={"known": "no", "advice": "zsm"})


def _penalty(file: Any, eva: Any, reason: str = "") -> Any:
    file.case.refresh_from_db()
    return case_take(
        file.case,
        "decide_penalty_order",
        actor=eva,
        expected_version=None,
        values={"penalty": "taakstraf 40 uur"},
        reason=reason,
    )


@override_settings(STALKING_COMPLAINT=STALKING)
def test_deciding_before_the_partners_answered_needs_a_reason_and_the_history_names_them(
    make_user: Any, eva: Any
) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="aangifte")
    with pytest.raises(Refused) as refused:
        _penalty(file, eva)
    assert (refused.value.code, refused.value.detail) == ("desk", "reason")
    assert (
        "Slachtofferhulp Nederland" in refused.value.said and "Reclassering Nederland" in refused.value.said
    )
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm"
    # Fast-track ZSM stays possible, with a reason; the history keeps what it was decided without.
    assert _penalty(file, eva, reason="bekent, verblijft elders: niet wachten").state == "decided"
    line = CaseEvent.objects.get(case=file.case, kind=EventKind.TRANSITION, transition="decide_penalty_order")
    assert {row["partner"] for row in line.detail["without_answers"]} == {"victim_support", "probation"}
    assert line.reason == "bekent, verblijft elders: niet wachten"
    client = Client()
    client.force_login(eva)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert line.detail["desk_note"] in page and "Slachtofferhulp Nederland" in line.detail["desk_note"]


def _reason_label(page: str, step: str) -> str:
    """The words of the label of the step's reason field (tags left out)."""
    form = page[page.index(f'data-testid="step-{step}"') :]
    form = form[: form.index("</form>")]
    label = re.search(r'<label[^>]*for="[^"]*-reason"[^>]*>(.*?)</label>', form, re.S)
    assert label is not None
    return re.sub(r"<[^>]+>", "", label.group(1)).strip()


@override_settings(STALKING_COMPLAINT=STALKING)
def test_the_decision_form_warns_while_answers_are_outstanding(make_user: Any, eva: Any) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="aangifte")
    client = Client()
    client.force_login(eva)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    for step in ("decide_penalty_order", "decide_summons", "decide_conditions", "decide_dismissal"):
        note = page.split(f'data-testid="step-note-{step}">', 1)[1].split("</p>", 1)[0]
        assert "Slachtofferhulp Nederland" in note and "Reclassering Nederland" in note
    assert 'data-testid="step-note-decide_behaviour_order"' not in page  # not a final decision
    # The reason the note asks for is labelled and marked as required, not "(optional)".
    assert _reason_label(page, "decide_penalty_order") == "Reden *(verplicht)"
    # Left empty: said at the reason, naming whose answers are missing; nothing taken.
    refused = decision_post(client, file, "decide_penalty_order", {"penalty": "boete"}, "").content.decode()
    said = refused.split('data-testid="error-step-decide_penalty_order-reason">', 1)[1].split("</div>", 1)[0]
    assert "Slachtofferhulp Nederland" in said and "Reclassering Nederland" in said
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm"
    _answer_all(make_user, file)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert 'data-testid="step-note-decide_penalty_order"' not in page
    assert _reason_label(page, "decide_penalty_order") == "Toelichting (niet verplicht)"
    # Everything in: a decision needs no reason of its own.
    assert _penalty(file, eva).state == "decided"
    line = CaseEvent.objects.get(case=file.case, kind=EventKind.TRANSITION, transition="decide_penalty_order")
    assert "without_answers" not in line.detail


@override_settings(STALKING_COMPLAINT=STALKING)
def test_a_decision_withdraws_the_open_requests_visibly_on_both_sides(make_user: Any, eva: Any) -> None:
    file = at_zsm(make_user, eva, offences=["285b"], kind="aangifte")
    probation = make_user("probation", organisation="reclassering-nederland")
    answered = PartnerRequest.objects.get(file=file, partner="probation")
    request_answer(answered, actor=probation, answer={"known": "no", "advice": "zsm"})
    victim_support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    partner = Client()
    partner.force_login(victim_support)
    inbox = reverse("prosecution:requests")
    assert 'data-testid="request-row"' in partner.get(inbox).content.decode()
    client = Client()
    client.force_login(eva)
    file_url = reverse("workprocesses:case-detail", args=[file.pk])
    assert "opnieuw berekend zodra ketenpartners antwoorden" in client.get(file_url).content.decode()
    decided = _dismiss(file, eva, "public_interest")
    withdrawn = PartnerRequest.objects.get(file=file, partner="victim_support")
    answered.refresh_from_db()
    assert withdrawn.withdrawn_at == decided.closed_at and withdrawn.answered_at is None
    assert answered.withdrawn_at is None  # an answer given stays an answer
    # The partner: no longer open, but in the list of those done with, saying why and since when.
    assert 'data-testid="requests-empty"' in partner.get(inbox).content.decode()
    done = partner.get(inbox, {"toon": "beantwoord"}).content.decode()
    said = f"{timezone.localtime(decided.closed_at):%d-%m-%Y}"
    assert 'data-testid="request-withdrawn"' in done and said in done
    page_url = reverse("prosecution:request", args=[withdrawn.pk])
    page = partner.get(page_url).content.decode()
    assert 'data-testid="request-withdrawn"' in page and 'data-testid="answer-form"' not in page
    posted = partner.post(page_url, {"contacted": "no"}, follow=True).content.decode()
    assert said in posted
    withdrawn.refresh_from_db()
    assert withdrawn.answered_at is None and withdrawn.answer == {}
    # The prosecutor's file: withdrawn, not waiting, and the triage no longer computed again.
    html = client.get(file_url).content.decode()
    assert html.count('data-testid="zsm-request-withdrawn"') == 1
    rules = html.split('data-testid="zsm-triage-rules">', 1)[1].split("</p>", 1)[0]
    assert rules.strip() and "opnieuw berekend" not in rules
    # Which rules these are: the version of the ZSM triage rules the route was computed with.
    assert re.sub(r"\s+", " ", rules).strip().startswith("Voorgesteld door de ZSM-triageregels, versie ")
    assert 'data-testid="zsm-request-waiting"' not in html and 'data-testid="zsm-request-late"' not in html


@override_settings(STALKING_COMPLAINT=STALKING)
def test_a_request_withdrawn_unanswered_no_longer_shows_its_brief(make_user: Any, eva: Any) -> None:
    """Once withdrawn without an answer, the partner sees only the request's reference, who asked, when and
    that it was withdrawn: not the victim's name, date of birth, residence or the offences."""
    file = at_zsm(make_user, eva, offences=["285b"], kind="aangifte")
    withdrawn = PartnerRequest.objects.get(file=file, partner="victim_support")
    brief = withdrawn.brief
    person = brief["person"]
    assert person["name"] and person["birth_date"] and brief["offences"]
    born = "-".join(reversed(person["birth_date"].split("-")))  # as the page shows it
    partner = Client()
    partner.force_login(make_user("victim_support", organisation="slachtofferhulp-nederland"))
    page_url = reverse("prosecution:request", args=[withdrawn.pk])
    before = partner.get(page_url).content.decode()
    assert person["name"] in before and born in before and "285b" in before and "Woonplaats" in before
    _dismiss(file, eva, "public_interest")
    page = partner.get(page_url).content.decode()
    assert 'data-testid="request-withdrawn"' in page and file.case.reference in page
    assert "Arrondissementsparket Oost-Brabant" in page  # who asked
    assert f"{timezone.localtime(withdrawn.requested_at):%d-%m-%Y %H:%M}" in page  # when
    for shown in (person["name"], born, "285b", 'data-testid="request-brief"', "Geboortedatum", "Woonplaats"):
        assert shown not in page
    listed = partner.get(reverse("prosecution:requests"), {"toon": "beantwoord"}).content.decode()
    assert 'data-testid="request-withdrawn"' in listed and person["name"] not in listed
