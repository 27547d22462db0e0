"""The kernel's pages: roll-out by the functional administrator, the case list and a case, in Dutch;
the same 404 for a missing and a forbidden case; a second user acting on an old version is told."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation
from ketenzicht.registrations.services import registration_create
from ketenzicht.workprocesses.alerts import alert_list_for_user
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.labels import data_text
from ketenzicht.workprocesses.models import Case, ProcessVersion, Rollout
from ketenzicht.workprocesses.rollouts import rollout_enable
from ketenzicht.workprocesses.services import case_add_registrations, case_open, case_take, deadlines_check
from tests.clients import signed_in
from tests.conftest import exchange_registration
from tests.summary import banners, nothing_stored

pytestmark = pytest.mark.django_db


def _neutral(content: bytes, pk: int) -> str:
    """A page without what differs per request anyway: the CSRF token and the id in the address."""
    text = re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", content.decode())
    return text.replace(f"/zaken/{pk}/", "/zaken/ID/")


def _case(unit: str = "oost-brabant") -> Case:
    return case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code=unit),
        title="Ex-partner blijft bellen",
        actor=None,
    )


def test_the_functional_administrator_rolls_out_v2_for_one_unit_from_today(
    make_user: Callable[..., Any],
) -> None:
    admin = make_user("functional_admin", organisation="ketenzicht-beheer")
    client = signed_in(admin)
    page = client.get(reverse("workprocesses:rollouts"))
    assert page.status_code == 200
    # The date picker starts on today, in the ISO form a browser's date input needs.
    today = timezone.localdate().isoformat()
    assert f'type="date" name="valid_from" value="{today}"' in page.content.decode()
    unit = Organisation.objects.get(code="oost-brabant")
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    answer = client.post(
        reverse("workprocesses:rollouts"),
        {"process_version": v2.pk, "organisation": unit.pk, "valid_from": timezone.localdate().isoformat()},
        follow=True,
    )
    assert answer.status_code == 200
    row = answer.content.decode()
    assert Rollout.objects.filter(organisation=unit, process_version=v2, enabled_by=admin).exists()
    assert "verbeterde werkwijze" in row and timezone.localdate().strftime("%d-%m-%Y") in row
    assert AccessLogEntry.objects.filter(object_type="rollout", actor=admin).count() == 1


def test_only_the_functional_administrator_reaches_the_rollout_page(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener")
    assert signed_in(screener).get(reverse("workprocesses:rollouts")).status_code == 403
    answer = signed_in(screener).post(
        reverse("workprocesses:rollouts"),
        {"process_version": 1, "valid_from": date.today().isoformat()},
    )
    assert answer.status_code == 403
    assert not Rollout.objects.filter(enabled_by=screener).exists()


def test_a_screener_works_a_case_from_the_list(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener")
    case = _case()
    client = signed_in(screener)
    listing = client.get(reverse("workprocesses:case-list")).content.decode()
    assert case.reference in listing and "Nieuw" in listing
    # The process by its name, not only a version number that says nothing on its own.
    process = listing.split('data-testid="case-process">', 1)[1].split("</td>", 1)[0]
    assert process == "Ex-partnerstalking (werkwijze 2024), versie 1"
    detail = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert "Screening starten" in detail and "versie 1" in detail
    answer = client.post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "take",
            "transition": "start_screening",
            "step-start_screening-lock_version": case.lock_version,
        },
        follow=True,
    )
    assert answer.status_code == 200
    case.refresh_from_db()
    assert case.state == "screening"
    assert "In screening" in answer.content.decode()


def test_the_second_of_two_users_is_told_and_keeps_what_they_typed(make_user: Callable[..., Any]) -> None:
    first, second = _named(make_user("case_screener"), "Henk", "Claassen"), make_user("case_owner")
    case = _case()
    stale = case.lock_version
    signed_in(first).post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {"action": "take", "transition": "start_screening", "step-start_screening-lock_version": stale},
    )
    answer = signed_in(second).post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {"action": "note", "note-lock_version": stale, "note-text": "Slachtoffer gebeld, wil aangifte doen"},
    )
    assert answer.status_code == 409
    page = answer.content.decode()
    assert "intussen gewijzigd" in page
    assert "Slachtoffer gebeld, wil aangifte doen" in page  # what the second user typed is still in the form
    assert "Henk Claassen heeft" in page and "stap gezet" in page  # who changed the case, and how
    assert first.username not in page  # the person, not their account
    case.refresh_from_db()
    assert case.state == "screening" and not case.events.filter(kind="note").exists()


def test_a_note_goes_through_whatever_notes_a_colleague_added_meanwhile(
    make_user: Callable[..., Any],
) -> None:
    first = _named(make_user("case_screener"), "Henk", "Claassen")
    second = _named(make_user("case_owner"), "Ingrid", "Verhoeven")
    case = _case()
    act, opened = reverse("workprocesses:case-act", args=[case.pk]), case.lock_version
    note = {"action": "note", "note-lock_version": opened}
    assert signed_in(first).post(act, {**note, "note-text": "Melder gebeld"}).status_code == 302
    # Both opened the page before the first note: the second's note goes through all the same.
    assert signed_in(second).post(act, {**note, "note-text": "Slachtoffer gebeld"}).status_code == 302
    assert list(case.events.filter(kind="note").values_list("reason", flat=True)) == [
        "Melder gebeld",
        "Slachtoffer gebeld",
    ]
    # A step still asks to read what was added first, naming the person who wrote last.
    step = {"action": "take", "transition": "start_screening", "step-start_screening-lock_version": opened}
    refused = signed_in(first).post(act, step)
    assert refused.status_code == 409 and "Ingrid Verhoeven heeft" in refused.content.decode()
    assert second.username not in refused.content.decode()
    # After a step, a note written against the case as it was is refused too (it may be about that).
    fresh = Case.objects.get(pk=case.pk).lock_version
    step["step-start_screening-lock_version"] = fresh
    assert signed_in(first).post(act, step).status_code == 302
    stale = signed_in(second).post(
        act, {"action": "note", "note-lock_version": fresh, "note-text": "Nog iets"}
    )
    assert stale.status_code == 409 and "Henk Claassen heeft" in stale.content.decode()
    assert first.username not in stale.content.decode()


def test_an_assignment_without_a_reason_is_marked_at_its_own_forms_reason(
    make_user: Callable[..., Any],
) -> None:
    owner, lead = make_user("case_owner"), make_user("team_lead", "case_screener")
    colleague = make_user("case_owner")
    case = _case()
    act = reverse("workprocesses:case-act", args=[case.pk])
    signed_in(owner).post(
        act, {"action": "owner", "owner-lock_version": case.lock_version, "owner-person": owner.pk}
    )
    case.refresh_from_db()
    answer = signed_in(lead).post(
        act, {"action": "owner", "owner-lock_version": case.lock_version, "owner-person": colleague.pk}
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert 'data-testid="error-owner-reason"' in page and 'id="id_owner-reason_error"' in page
    # The top of the page names the form it refuses, as a step's refusal names its step.
    assert "Eigenaar toewijzen: Er is niets opgeslagen. Verbeter de gemarkeerde velden hieronder." in page
    assert (
        'data-testid="error-contact-reason"' not in page and 'data-testid="error-contact-person"' not in page
    )
    assert answer.context["contact_form"].is_bound is False  # the other form as it was
    assert answer.context["owner_form"]["person"].value() == str(colleague.pk)  # the choice kept
    case.refresh_from_db()
    assert case.owner == owner


def test_a_form_sent_twice_by_its_own_user_says_it_was_theirs(make_user: Callable[..., Any]) -> None:
    """A double click or a second tab: the second send was told "someone else changed this case", and the
    user, believing the note lost, sent it again; it then stood twice in the history."""
    screener = make_user("case_screener")
    case = _case()
    client, stale = signed_in(screener), case.lock_version
    note = {"action": "note", "note-lock_version": stale, "note-text": "Slachtoffer gebeld"}
    client.post(reverse("workprocesses:case-act", args=[case.pk]), note)
    again = client.post(reverse("workprocesses:case-act", args=[case.pk]), note)
    page = again.content.decode()
    assert again.status_code == 409 and "zelf" in page and "Iemand anders" not in page
    assert case.events.filter(kind="note").count() == 1


def test_missing_and_forbidden_cases_answer_the_same_404_and_are_logged(
    make_user: Callable[..., Any],
) -> None:
    theirs = _case(unit="zeeland-west-brabant")
    screener = make_user("case_screener")
    client = signed_in(screener)
    forbidden = client.get(reverse("workprocesses:case-detail", args=[theirs.pk]))
    missing = client.get(reverse("workprocesses:case-detail", args=[theirs.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    assert _neutral(forbidden.content, theirs.pk) == _neutral(missing.content, theirs.pk + 1000)
    refused = AccessLogEntry.objects.filter(actor=screener, object_type="case", result="refused")
    assert sorted(refused.values_list("object_id", flat=True)) == sorted(
        [str(theirs.pk), str(theirs.pk + 1000)]
    )
    post = client.post(reverse("workprocesses:case-act", args=[theirs.pk]), {"action": "note"})
    assert post.status_code == 404


def test_a_registrar_has_no_case_pages(make_user: Callable[..., Any]) -> None:
    registrar = make_user("police_registrar")
    client = signed_in(registrar)
    assert client.get(reverse("workprocesses:case-list")).status_code == 403
    assert client.get(reverse("workprocesses:case-new")).status_code == 403
    assert "/zaken/" not in client.get("/").content.decode()


def test_a_case_lists_the_registrations_the_user_may_see_and_says_nothing_of_the_rest(
    make_user: Callable[..., Any],
) -> None:
    """The case is the purpose: another police unit's registration of the case is shown (and logged with
    the case); another organisation's is neither named nor counted (sharing rules `counted`)."""
    own = registration_create(actor=None, data=exchange_registration(), channel="import").registration
    other = registration_create(
        actor=None,
        data=exchange_registration(
            reference="PL0900-2024-000077", unit="zeeland-west-brabant", municipality="GM0855"
        ),
        channel="import",
    ).registration
    vt = exchange_registration(reference="VT21-2024-000078", source="veilig_thuis", kind="melding")
    del vt["unit"]
    elsewhere = registration_create(actor=None, data=vt, channel="import").registration
    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Bedreigingen in twee eenheden",
        actor=None,
        registrations=[own, other, elsewhere],
    )
    page = signed_in(make_user("case_screener")).get(reverse("workprocesses:case-detail", args=[case.pk]))
    text = page.content.decode()
    assert own.reference in text and other.reference in text
    assert elsewhere.reference not in text
    assert 'data-testid="case-hidden"' not in text and "hidden-veilig_thuis" not in text
    assert "niet mag inzien" not in text and "niet mag zien" not in text
    assert f"/registraties/{other.pk}/?zaak={case.pk}" in text  # the link carries the case
    shown = AccessLogEntry.objects.get(object_type="registration", action="list")
    assert shown.purpose == f"case {case.reference}" and shown.detail["case"] == case.pk
    assert sorted(shown.detail["registrations"]) == sorted([own.pk, other.pk])


def _named(user: Any, first: str, last: str) -> Any:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def test_the_history_names_colleagues_not_their_accounts(make_user: Callable[..., Any]) -> None:
    screener = _named(make_user("case_screener"), "Ingrid", "Verhoeven")
    owner = _named(make_user("case_owner"), "Marco", "van Dijk")
    case = _case()
    client = signed_in(screener)
    act = reverse("workprocesses:case-act", args=[case.pk])
    client.post(act, {"action": "owner", "owner-lock_version": case.lock_version, "owner-person": owner.pk})
    case.refresh_from_db()
    client.post(
        act, {"action": "note", "note-lock_version": case.lock_version, "note-text": "Aangeefster gebeld"}
    )
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    rows = re.findall(r'<tr class="utrecht-table__row" data-testid="history-row">(.*?)</tr>', page, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    assert cells[1][1] == "Ingrid Verhoeven" and cells[1][3] == "— → Marco van Dijk"
    assert cells[2][3] == "Aangeefster gebeld"  # the note alone, no stray separator before it
    assert screener.username not in page and owner.username not in page
    # A colleague reads who owns the case now (the form is not theirs to use); the owner's form shows them
    # chosen, not an empty choice.
    assert 'data-testid="owner-held">Marco van Dijk heeft dit in behandeling:' in page
    mine = signed_in(owner).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert re.search(rf'<option value="{owner.pk}" selected>Marco van Dijk</option>', mine)


def test_a_proposal_names_who_proposed_it(make_user: Callable[..., Any]) -> None:
    unit = Organisation.objects.get(code="oost-brabant")
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    rollout_enable(process_version=v2, organisation=unit, valid_from=timezone.localdate(), actor=None)
    screener = _named(make_user("case_screener"), "Ingrid", "Verhoeven")
    case = _case()
    step = {
        "action": "take",
        "transition": "close_without_action",
        "step-close_without_action-lock_version": case.lock_version,
        "step-close_without_action-reason": "Aangifte ingetrokken",
    }
    # A step that ends the case is confirmed first: without the tick nothing is proposed.
    unconfirmed = signed_in(screener).post(reverse("workprocesses:case-act", args=[case.pk]), step)
    assert "Bevestig dat deze stap de zaak mag afsluiten." in unconfirmed.content.decode()
    assert "zodra een tweede persoon haar bevestigt" in unconfirmed.content.decode()  # a proposal first
    case.refresh_from_db()
    assert not case.pending
    signed_in(screener).post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {**step, "step-close_without_action-confirm_final": "on"},
    )
    case.refresh_from_db()
    assert case.pending
    page = signed_in(make_user("case_owner")).get(reverse("workprocesses:case-detail", args=[case.pk]))
    assert "Ingrid Verhoeven stelt voor" in page.content.decode()
    assert screener.username not in page.content.decode()


def test_a_form_with_a_mistake_says_so_at_the_top_and_at_the_field(make_user: Callable[..., Any]) -> None:
    case = _case()
    answer = signed_in(make_user("case_screener")).post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "take",
            "transition": "no_further_action",
            "step-no_further_action-lock_version": case.lock_version,
        },
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    # In the messages, above the case, in the words of every form not stored, naming the step: the page has
    # a form for each step.
    step = _step_label(case, "no_further_action")
    assert [html.unescape(text) for text in banners(page)] == [f"Stap '{step}': {nothing_stored()}"]
    assert page.index(nothing_stored()) < page.index("<h1")
    assert 'data-testid="error-step-no_further_action-reason"' in page
    case.refresh_from_db()
    assert case.state == "new"


def _step_label(case: Case, name: str) -> str:
    transition = definition_of(case.process_version).transition(name)
    assert transition is not None
    return data_text(transition.label)


def test_a_step_refused_as_a_whole_is_named_on_top_of_the_page(make_user: Callable[..., Any]) -> None:
    """A case page holds a form for each step (six and more); a step the process refuses as a whole (not
    at one of its fields) was said on top without saying which step it was."""
    case = _case()
    definition = definition_of(case.process_version)
    refused = next(
        t
        for t in definition.transitions
        if case.state not in t.sources and not t.via_desk and not t.requires.fields and not t.requires.reason
    )  # a step its form has nothing to ask for, which the process refuses in this state
    answer = signed_in(make_user("case_screener")).post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "take",
            "transition": refused.name,
            f"step-{refused.name}-lock_version": case.lock_version,
        },
    )
    assert answer.status_code == 422
    [banner] = [html.unescape(text) for text in banners(answer.content.decode())]
    assert banner.startswith(f"Stap '{data_text(refused.label)}': ") and nothing_stored() not in banner
    case.refresh_from_db()
    assert case.state == "new"


def test_a_lower_choice_without_a_reason_is_marked_at_the_explanation_not_only_at_the_top(
    make_user: Callable[..., Any],
) -> None:
    """The engine names the lowered field (Urgentie), but what is missing is the explanation: the page marks
    that field, so the user does not look for the mistake in the urgency they chose on purpose."""
    case = _case()
    client = signed_in(make_user("case_screener"))
    act = reverse("workprocesses:case-act", args=[case.pk])
    client.post(
        act, {"action": "take", "transition": "start_screening", "step-start_screening-lock_version": 0}
    )
    case.refresh_from_db()
    Case.objects.filter(pk=case.pk).update(data={**case.data, "urgency_suggested": "high"})
    answer = client.post(
        act,
        {
            "action": "take",
            "transition": "screened",
            "step-screened-lock_version": case.lock_version,
            "step-screened-value_urgency": "low",
        },
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    said = (
        "Een lagere keuze dan voorgesteld vraagt een reden: schrijf die in het veld Toelichting. (Urgentie)"
    )
    assert page.index(said) < page.index("<h1")  # at the top
    field_error = page.split('data-testid="error-step-screened-reason"', 1)[1].split("</", 1)[0]
    assert said in field_error
    assert 'data-testid="error-step-screened-value_urgency"' not in page  # the choice itself was fine
    step = page[page.index('data-testid="step-screened"') :]
    assert '<option value="low" selected>' in step[: step.index("</form>")]  # what was chosen stays
    case.refresh_from_db()
    assert case.state == "screening" and "urgency" not in case.data


def test_the_rollout_form_offers_only_organisations_a_process_runs_in(make_user: Callable[..., Any]) -> None:
    admin = make_user("functional_admin", organisation="ketenzicht-beheer")
    page = signed_in(admin).get(reverse("workprocesses:rollouts")).content.decode()
    start = page.index('data-testid="rollout-form"')
    form = page[start : page.index("</form>", start)]
    assert "Politie eenheid Oost-Brabant" in form
    assert "Veilig Thuis Brabant Noordoost</option>" in form  # it runs the safety assessment
    assert "Arrondissementsparket Oost-Brabant</option>" in form  # it runs the ZSM file
    assert "Slachtofferhulp" not in form and "Reclassering" not in form  # they run no process
    assert 'class="utrecht-select utrecht-select--html-select"' in form  # styled like every other form


def test_an_escalation_reads_as_the_state_the_case_stayed_in(make_user: Callable[..., Any]) -> None:
    case = _case()
    assert case.deadline_at is not None
    deadlines_check(now=case.deadline_at + timedelta(minutes=1))
    page = signed_in(make_user("case_screener")).get(reverse("workprocesses:case-detail", args=[case.pk]))
    rows = re.findall(r'data-testid="history-row">(.*?)</tr>', page.content.decode(), re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[-1], re.S)
    assert "opgeschaald" in cells[2]
    # Not "Nieuw → —", as if the case had left every state; and whom it alerted.
    assert cells[3] == "Stand: Nieuw · gewaarschuwd: teamleider"


def test_the_case_says_what_its_deadline_asks(make_user: Callable[..., Any]) -> None:
    case = _case()
    page = signed_in(make_user("case_screener")).get(reverse("workprocesses:case-detail", args=[case.pk]))
    text = page.content.decode()
    assert "<title>Zaak " + case.reference in text
    meaning = re.search(r'data-testid="deadline-meaning">(.*?)<', text)
    assert meaning and meaning.group(1) == "Uiterlijk dan moet de zaak verder zijn dan ‘Nieuw’."


def test_a_step_waiting_for_a_second_person_shows_in_the_list_and_the_history_names_both(
    make_user: Callable[..., Any],
) -> None:
    unit = Organisation.objects.get(code="oost-brabant")
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    rollout_enable(process_version=v2, organisation=unit, valid_from=timezone.localdate(), actor=None)
    screener = _named(make_user("case_screener"), "Ingrid", "Verhoeven")
    owner = _named(make_user("case_owner"), "Marco", "van Dijk")
    case = _case()
    act = reverse("workprocesses:case-act", args=[case.pk])
    signed_in(screener).post(
        act,
        {
            "action": "take",
            "transition": "close_without_action",
            "step-close_without_action-lock_version": case.lock_version,
            "step-close_without_action-reason": "Dubbele zaak",
            "step-close_without_action-confirm_final": "on",
        },
    )
    listing = signed_in(owner).get(reverse("workprocesses:case-list")).content.decode()
    assert 'data-testid="awaits-second-person">wacht op een tweede persoon<' in listing
    case.refresh_from_db()
    # The confirmation of a step that ends the case asks for the box too, as the proposal did.
    page = signed_in(owner).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert (
        'name="confirm-confirm_final"' in page.split('data-testid="confirm-form"', 1)[1].split("</form>")[0]
    )
    refused = signed_in(owner).post(act, {"action": "confirm", "confirm-lock_version": case.lock_version})
    assert (
        refused.status_code == 422 and 'data-testid="error-confirm-confirm_final"' in refused.content.decode()
    )
    case.refresh_from_db()
    assert case.closed_at is None and case.pending
    signed_in(owner).post(
        act, {"action": "confirm", "confirm-lock_version": case.lock_version, "confirm-confirm_final": "on"}
    )
    case.refresh_from_db()
    assert case.closed_at is not None
    page = signed_in(owner).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    rows = re.findall(r'data-testid="history-row">(.*?)</tr>', page, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[-1], re.S)
    assert cells[1] == "Marco van Dijk"
    assert "voorgesteld door Ingrid Verhoeven, bevestigd door Marco van Dijk" in cells[3]


def test_a_step_asks_for_a_choice_and_an_optional_explanation(make_user: Callable[..., Any]) -> None:
    case = _case()
    client = signed_in(make_user("case_screener"))
    act = reverse("workprocesses:case-act", args=[case.pk])
    client.post(
        act, {"action": "take", "transition": "start_screening", "step-start_screening-lock_version": 0}
    )
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    step = page[page.index('data-testid="step-screened"') :]
    step = step[: step.index("</form>")]
    assert '<option value="" selected>Maak een keuze</option>' in step
    assert "Toelichting (niet verplicht)" in step and "Reden (niet verplicht)" not in step


def test_a_rollout_needs_an_explicit_organisation_or_the_national_default(
    make_user: Callable[..., Any],
) -> None:
    client = signed_in(make_user("functional_admin", organisation="ketenzicht-beheer"))
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    url = reverse("workprocesses:rollouts")
    before = Rollout.objects.count()
    later = timezone.localdate() + timedelta(days=40)  # a first day lies not before today
    forgot = client.post(url, {"process_version": v2.pk, "valid_from": later.isoformat()})
    assert forgot.status_code == 422 and Rollout.objects.count() == before
    assert (
        'data-testid="error-organisation">Kies de organisatie, of de landelijke standaard, waar u naar '
        "uitrolt.<" in forgot.content.decode()
    )
    national = client.post(
        url, {"process_version": v2.pk, "organisation": "landelijk", "valid_from": later.isoformat()}
    )
    assert national.status_code == 302
    assert Rollout.objects.filter(organisation=None, process_version=v2, valid_from=later).exists()
    vt = Organisation.objects.filter(kind="veilig_thuis").first()
    assert vt is not None
    refused = client.post(
        url, {"process_version": v2.pk, "organisation": vt.pk, "valid_from": later.isoformat()}
    )
    assert refused.status_code == 422


def test_a_rollout_needs_an_explicit_version(make_user: Callable[..., Any]) -> None:
    # A preselected first version let a hurried roll-out go out on a process nobody chose.
    client = signed_in(make_user("functional_admin", organisation="ketenzicht-beheer"))
    url = reverse("workprocesses:rollouts")
    page = client.get(url).content.decode()
    assert '<option value="" selected>Kies een versie</option>' in page
    before = Rollout.objects.count()
    later = timezone.localdate() + timedelta(days=40)
    forgot = client.post(url, {"organisation": "landelijk", "valid_from": later.isoformat()})
    assert forgot.status_code == 422 and Rollout.objects.count() == before
    assert 'data-testid="error-process_version">Kies de versie die u uitrolt.<' in forgot.content.decode()


def test_closed_cases_are_found_from_the_list(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener")
    open_case, closed_case = _case(), _case()
    case_take(
        closed_case, "no_further_action", actor=screener, expected_version=None, reason="geen strafbaar feit"
    )
    client = signed_in(screener)
    listed = client.get(reverse("workprocesses:case-list")).content.decode()
    assert open_case.reference in listed and closed_case.reference not in listed
    closed = client.get(reverse("workprocesses:case-list"), {"afgesloten": "1"}).content.decode()
    assert closed_case.reference in closed and open_case.reference not in closed


def test_a_registration_added_reads_as_the_state_the_case_stayed_in(make_user: Callable[..., Any]) -> None:
    case = _case()
    registration = registration_create(
        actor=None, data=exchange_registration(), channel="import"
    ).registration
    case_add_registrations(case, [registration], actor=None)
    page = signed_in(make_user("case_screener")).get(reverse("workprocesses:case-detail", args=[case.pk]))
    rows = re.findall(r'data-testid="history-row">(.*?)</tr>', page.content.decode(), re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[-1], re.S)
    assert cells[3].startswith("Stand: Nieuw") and "Nieuw → Nieuw" not in cells[3]


def test_opening_a_case_is_logged_against_the_persons_it_names(make_user: Callable[..., Any]) -> None:
    # The privacy officer finds every look-up of a person by that person: the case page names them too.
    from ketenzicht.audit.models import AccessLogPerson
    from tests.people import DENNIS, SANDRA, person_of, register

    registration = register("R1", DENNIS, SANDRA)
    case = Case.objects.filter(registrations=registration, organisation__code="oost-brabant").first()
    assert case is not None  # the police unit's screening case (Veilig Thuis opens its own)
    persons = {person_of(registration).pk, person_of(registration, "p2").pk}
    assert set(case.persons.values_list("pk", flat=True)) == persons
    response = signed_in(make_user("case_screener")).get(reverse("workprocesses:case-detail", args=[case.pk]))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get(object_type="case", action="view", object_id=str(case.pk))
    assert set(AccessLogPerson.objects.filter(entry=entry).values_list("person_id", flat=True)) == persons


def test_the_overdue_filter_with_nothing_overdue_does_not_say_there_are_no_open_cases(
    make_user: Callable[..., Any],
) -> None:
    _case()
    client = signed_in(make_user("case_screener"))
    page = client.get(reverse("workprocesses:case-list") + "?te_laat=1").content.decode()
    empty = page.split('data-testid="no-cases">', 1)[1].split("</p>", 1)[0]
    assert "termijn" in empty and "Geen open zaken." not in empty
    assert 'data-testid="no-cases"' not in client.get(reverse("workprocesses:case-list")).content.decode()


def _closed_case(screener: Any, unit: str = "oost-brabant") -> Case:
    case = _case(unit)
    return case_take(case, "no_further_action", actor=screener, expected_version=None, reason="Geen feit")


def _reopen(client: Client, case: Case, reason: str, lock_version: int | None = None) -> Any:
    return client.post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "reopen",
            "reopen-lock_version": case.lock_version if lock_version is None else lock_version,
            "reopen-reason": reason,
        },
    )


def test_a_team_lead_reopens_a_closed_case_from_its_page_and_the_history_says_why(
    make_user: Callable[..., Any],
) -> None:
    lead = _named(make_user("team_lead"), "Fatima", "El Amrani")
    case = _closed_case(make_user("case_screener"))
    client = signed_in(lead)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    start = page.index('data-testid="reopen"')
    section = page[start : page.index("</section>", start)]
    assert "<h2" in section and "Zaak heropenen</h2>" in section
    # Where it goes: back to where it was before the step that closed it.
    assert "Zij gaat terug naar ‘Nieuw’, waar zij was voordat ‘Geen verdere actie’ haar afsloot" in section
    # The reason is marked required, for eyes and for screen readers, and the browser asks for it.
    assert 'Waarom heropent u de zaak? <span aria-hidden="true">*</span>' in section
    assert '<span class="kz-visually-hidden">(verplicht)</span>' in section
    assert re.search(r'<textarea name="reopen-reason"[^>]* required', section)
    assert 'name="action" value="reopen"' in section
    answer = _reopen(client, case, "Nieuwe aangifte van het slachtoffer.")
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.closed_at is None and case.state == "new"
    page = client.get(answer["Location"]).content.decode()
    assert "Zaak heropend." in page and 'data-testid="reopen"' not in page
    assert "Geen verdere actie" in page  # the steps are offered again
    rows = re.findall(r'data-testid="history-row">(.*?)</tr>', page, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[-1], re.S)
    assert cells[1] == "Fatima El Amrani" and cells[2] == "Heropend"
    assert cells[3] == "Afgesloten → Nieuw · Nieuwe aangifte van het slachtoffer."


def test_a_reopen_without_a_reason_names_the_field_and_stores_nothing(make_user: Callable[..., Any]) -> None:
    case = _closed_case(make_user("case_screener"))
    answer = _reopen(signed_in(make_user("team_lead")), case, "   ")
    assert answer.status_code == 422
    page = answer.content.decode()
    assert banners(page) == [f"Zaak heropenen: {nothing_stored()}"]  # named by its form
    assert 'data-testid="error-reopen-reason">Zeg waarom u de zaak heropent.<' in page
    case.refresh_from_db()
    assert case.closed_at is not None and not case.events.filter(kind="reopened").exists()


def test_a_screener_does_not_see_the_reopen_and_a_post_is_refused(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener")
    case = _closed_case(screener)
    client = signed_in(screener)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    # No form: the page says who can reopen it instead.
    assert 'data-testid="reopen"' not in page and 'data-testid="reopen-form"' not in page
    assert 'data-testid="reopen-hint"' in page and "Alleen een teamleider van Politie eenheid" in page
    answer = _reopen(client, case, "Ik wil verder.")
    assert answer.status_code == 422
    assert "Alleen een teamleider van de organisatie van de zaak kan een afgesloten zaak heropenen." in (
        answer.content.decode()
    )
    case.refresh_from_db()
    assert case.closed_at is not None and not case.events.filter(kind="reopened").exists()
    # Nor does a team lead see it on an open case.
    open_case = _case()
    shown = signed_in(make_user("team_lead")).get(reverse("workprocesses:case-detail", args=[open_case.pk]))
    assert 'data-testid="reopen"' not in shown.content.decode()


def test_a_team_lead_of_another_unit_gets_the_same_404_for_the_page_and_the_reopen(
    make_user: Callable[..., Any],
) -> None:
    theirs = _closed_case(
        make_user("case_screener", organisation="zeeland-west-brabant"), "zeeland-west-brabant"
    )
    client = signed_in(make_user("team_lead"))
    forbidden = client.get(reverse("workprocesses:case-detail", args=[theirs.pk]))
    missing = client.get(reverse("workprocesses:case-detail", args=[theirs.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    assert _neutral(forbidden.content, theirs.pk) == _neutral(missing.content, theirs.pk + 1000)
    assert _reopen(client, theirs, "Nieuwe informatie.").status_code == 404
    theirs.refresh_from_db()
    assert theirs.closed_at is not None and not theirs.events.filter(kind="reopened").exists()


def test_a_reopen_from_a_second_tab_is_told_and_stores_nothing(make_user: Callable[..., Any]) -> None:
    case = _closed_case(make_user("case_screener"))
    stale = case.lock_version
    first, second = signed_in(make_user("team_lead")), signed_in(make_user("team_lead"))
    assert _reopen(first, case, "Nieuwe aangifte.").status_code == 302
    answer = _reopen(second, case, "Melder belde.", lock_version=stale)
    assert answer.status_code == 409
    assert "intussen gewijzigd" in answer.content.decode()
    assert case.events.filter(kind="reopened").count() == 1
    assert list(case.events.filter(kind="reopened").values_list("reason", flat=True)) == ["Nieuwe aangifte."]


def test_a_reopen_refused_for_the_pair_s_newer_case_names_it(make_user: Callable[..., Any]) -> None:
    from tests.patterns.helpers import LOTTE, MARCO, take_in

    screener = make_user("case_screener")
    first = take_in("PL0600-ROP-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    old = Case.objects.get(registrations=first, organisation__code="oost-brabant")
    case_take(old, "no_further_action", actor=screener, expected_version=None, reason="Geen feit")
    second = take_in("PL0600-ROP-2", MARCO, LOTTE, registered_at="2024-03-20T09:12:00+01:00")
    new = Case.objects.get(registrations=second, organisation__code="oost-brabant")
    old.refresh_from_db()
    answer = _reopen(signed_in(make_user("team_lead")), old, "Nieuwe aangifte.")
    assert answer.status_code == 422
    assert (
        f"Deze zaak kan niet worden heropend: zaak {new.reference} is open voor dezelfde personen. "
        "Werk verder in die zaak."
    ) in answer.content.decode()
    old.refresh_from_db()
    assert old.closed_at is not None


def test_the_confirmation_of_a_closing_step_says_who_can_open_the_case_again(
    make_user: Callable[..., Any],
) -> None:
    from ketenzicht.workprocesses.definitions import definition_of
    from ketenzicht.workprocesses.forms import TransitionForm

    def label(process: str, step: str) -> str:
        definition = definition_of(ProcessVersion.objects.filter(process=process).latest("version"))
        transition = definition.transition(step)
        assert transition is not None
        return str(TransitionForm(definition=definition, transition=transition).fields["confirm_final"].label)

    assert label("dv_screening", "no_further_action") == (
        "Ik begrijp dat deze stap de zaak afsluit; alleen een teamleider kan haar weer openen."
    )
    assert label("ex_partner_stalking", "close_without_action") == (  # version 2: a second person first
        "Ik begrijp dat deze stap, zodra een tweede persoon haar bevestigt, de zaak afsluit; alleen een "
        "teamleider kan haar weer openen."
    )
    # A ZSM decision is the prosecutor's: no team lead opens it again.
    assert label("zsm_file", "decide_dismissal") == (
        "Ik begrijp dat deze stap de zaak afsluit en niet kan worden teruggedraaid."
    )


def test_the_proposer_withdraws_a_step_waiting_for_a_second_person(make_user: Callable[..., Any]) -> None:
    """Proposed by mistake, a closing step hid every other step until a colleague declined it."""
    unit = Organisation.objects.get(code="oost-brabant")
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    rollout_enable(process_version=v2, organisation=unit, valid_from=timezone.localdate(), actor=None)
    screener, colleague, lead = make_user("case_screener"), make_user("case_screener"), make_user("team_lead")
    case = _case()
    act = reverse("workprocesses:case-act", args=[case.pk])
    signed_in(screener).post(
        act,
        {
            "action": "take",
            "transition": "close_without_action",
            "step-close_without_action-lock_version": case.lock_version,
            "step-close_without_action-reason": "Verkeerde zaak",
            "step-close_without_action-confirm_final": "on",
        },
    )
    case.refresh_from_db()
    assert (
        'data-testid="withdraw-form"'
        not in signed_in(colleague).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    )
    refused = signed_in(colleague).post(
        act, {"action": "withdraw", "withdraw-lock_version": case.lock_version}
    )
    assert refused.status_code == 422 and "Alleen wie deze stap voorstelde" in refused.content.decode()
    page = signed_in(screener).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="withdraw-form"' in page
    answer = signed_in(screener).post(
        act, {"action": "withdraw", "withdraw-lock_version": case.lock_version}, follow=True
    )
    case.refresh_from_db()
    assert case.pending is None and case.state == "new" and case.closed_at is None
    assert case.events.order_by("-id").values_list("kind", flat=True)[0] == "withdrawn"
    assert "ingetrokken" in answer.content.decode()
    assert not alert_list_for_user(user=lead).exists()  # the team leads' alert is settled


def test_the_case_page_s_forms_leave_checking_to_the_server_and_keep_required_for_screen_readers(
    make_user: Callable[..., Any],
) -> None:
    """As every form of the project: `novalidate`, so an empty required field gets the app's Dutch message
    at the field, not the browser's own bubble (in the browser's language); `required` stays on the field."""
    case = _case()
    page = signed_in(make_user("team_lead")).get(reverse("workprocesses:case-detail", args=[case.pk]))
    forms = re.findall(r"(<form [^>]*>)(.*?)</form>", page.content.decode(), flags=re.S)
    acting = [(tag, body) for tag, body in forms if reverse("workprocesses:case-act", args=[case.pk]) in tag]
    steps = [tag for tag, _ in acting if 'data-testid="step-' in tag]
    assert steps and {"note-form", "owner-form"} <= {
        m.group(1) for tag, _ in acting if (m := re.search(r'data-testid="([^"]+)"', tag))
    }
    assert [tag for tag, _ in acting if "novalidate" not in tag] == []
    assert any(re.search(r"<(textarea|input|select)[^>]* required", body) for _, body in acting)


def test_a_team_lead_sees_the_versions_in_force_in_their_unit_and_the_planned_one(
    make_user: Callable[..., Any],
) -> None:
    """Read-only: the version each process runs on in the unit, since when, and a planned next version;
    another unit's roll-out is not theirs, and the roll-out form stays the administrator's."""
    unit = Organisation.objects.get(code="oost-brabant")
    today = timezone.localdate()
    v1 = ProcessVersion.objects.get(process="ex_partner_stalking", version=1)
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    rollout_enable(process_version=v1, organisation=unit, valid_from=today, actor=None)
    rollout_enable(process_version=v2, organisation=unit, valid_from=today + timedelta(days=30), actor=None)
    other = Organisation.objects.get(code="limburg")
    rollout_enable(process_version=v2, organisation=other, valid_from=today + timedelta(days=7), actor=None)
    lead = signed_in(make_user("team_lead", organisation="oost-brabant"))
    html = lead.get(reverse("workprocesses:case-list")).content.decode()
    row = html.split('data-testid="unit-process-ex_partner_stalking"', 1)[1].split("</tr>", 1)[0]
    assert today.strftime("%d-%m-%Y") in row and (today + timedelta(days=30)).strftime("%d-%m-%Y") in row
    assert "versie 1" in row.split("<td")[1] and "versie 2" in row.split("<td")[3]
    assert (today + timedelta(days=7)).strftime("%d-%m-%Y") not in row
    assert 'data-testid="rollout-form"' not in html
    assert lead.get(reverse("workprocesses:rollouts")).status_code == 403
    screener = signed_in(make_user("case_screener", organisation="oost-brabant"))
    assert (
        'data-testid="unit-processes"'
        not in screener.get(reverse("workprocesses:case-list")).content.decode()
    )


def test_the_case_page_lists_colleagues_in_the_order_of_the_queues_hand_over(
    make_user: Callable[..., Any],
) -> None:
    """The case page listed colleagues by account ("Marco van Dijk, Ingrid Verhoeven, Henk Claassen") while
    the queue's hand-over listed them by name: one order, by name as the pages write it."""
    marco = _named(make_user("case_owner", username="a-marco"), "Marco", "van Dijk")
    ingrid = _named(make_user("case_screener", username="b-ingrid"), "Ingrid", "Verhoeven")
    henk = _named(make_user("team_lead", "case_screener", username="c-henk"), "Henk", "Claassen")
    page = signed_in(henk).get(reverse("workprocesses:case-detail", args=[_case().pk])).content.decode()
    owner_select = page.split('name="owner-person"', 1)[1].split("</select>", 1)[0]
    shown = re.findall(r'<option value="(\d+)"', owner_select)
    assert [int(pk) for pk in shown] == [henk.pk, ingrid.pk, marco.pk]


def test_a_hand_over_says_who_holds_the_case_or_the_contact_now(make_user: Callable[..., Any]) -> None:
    """The page said only "Toegewezen." after a hand-over: now it names the colleague and what they hold."""
    screener = _named(make_user("case_screener"), "Ingrid", "Verhoeven")
    owner = _named(make_user("case_owner"), "Marco", "van Dijk")
    case = _case()
    client = signed_in(screener)
    act = reverse("workprocesses:case-act", args=[case.pk])
    given = {"action": "owner", "owner-lock_version": case.lock_version, "owner-person": owner.pk}
    page = client.post(act, given, follow=True).content.decode()
    assert f"Marco van Dijk is nu eigenaar van zaak {case.reference}." in page
    case.refresh_from_db()
    contact = {"action": "contact", "contact-lock_version": case.lock_version, "contact-person": owner.pk}
    page = client.post(act, contact, follow=True).content.decode()
    assert (
        f"Marco van Dijk is nu de vaste contactpersoon van het slachtoffer in zaak {case.reference}." in page
    )
