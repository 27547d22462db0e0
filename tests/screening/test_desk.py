"""The screening desk's pages: the unit's queue (urgent first, filters, take, a team lead's bulk handover),
the screening form with the register's pre-answers, the screening on the case, and the decisions that hand
the case over to the next desk."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from html import unescape
from typing import Any
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation, Post
from ketenzicht.screening.models import Screening, ScreeningCase
from ketenzicht.workprocesses.models import CaseEvent, Handoff, ProcessVersion
from ketenzicht.workprocesses.rollouts import rollout_enable
from ketenzicht.workprocesses.services import case_record, case_take
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.summary import banners, linked_fields, marked_fields, nothing_stored

pytestmark = pytest.mark.django_db

ANNA = {"given_names": "Anna", "surname": "de Boer", "birth_date": "1990-02-02"}
KEES = {"given_names": "Kees", "surname": "Smits", "birth_date": "1970-07-07"}
NOOR = {"given_names": "Noor", "surname": "Jansen", "birth_date": "1995-05-05"}
BRAM = {"given_names": "Bram", "surname": "Visser", "birth_date": "1965-06-06"}
SUSPECTS = [
    "Adriaan",
    "Bert",
    "Coen",
    "Daan",
    "Erik",
    "Frank",
    "Gert",
    "Hugo",
    "Ivo",
    "Joost",
    "Karel",
    "Luuk",
]
VICTIMS = ["Amber", "Britt", "Cato", "Dewi", "Eva", "Fleur", "Gwen", "Hanna", "Iris", "Jet", "Kim", "Lieke"]
SURNAMES = [
    "Bakker",
    "Dekker",
    "Mulder",
    "Bos",
    "Peters",
    "Hendriks",
    "Dijkstra",
    "Smit",
    "Meijer",
    "Kok",
    "Prins",
    "Brouwer",
    "Willems",
    "Hoekstra",
    "Koster",
    "Vermeulen",
    "Postma",
    "Kuipers",
    "Verbeek",
    "Jacobs",
    "Schouten",
    "Huisman",
    "Veenstra",
    "Kramer",
]


def _days_ago(days: int) -> str:
    """A time `days` before now, as the exchange format writes it (pre-answers count the last 12 months)."""
    return (timezone.now() - timedelta(days=days)).isoformat(timespec="seconds")


def _pilot() -> None:
    """Oost-Brabant pilots ex-partner stalking version 2, as in the demo."""
    rollout_enable(
        process_version=ProcessVersion.objects.get(process="ex_partner_stalking", version=2),
        organisation=Organisation.objects.get(code="oost-brabant"),
        valid_from=date(2020, 1, 1),
        actor=None,
        today=date(2020, 1, 1),  # set up as if rolled out then
    )


def _queue(client: Client, **params: str) -> list[str]:
    page = client.get(reverse("screening:queue"), params).content.decode()
    return [
        line.split('data-urgency="')[1].split('"')[0] for line in page.split("\n") if 'data-urgency="' in line
    ]


def _three_cases() -> dict[str, ScreeningCase]:
    """A normal ex-partner case, a high one (a stalking report) and one of another unit."""
    take_in("PL0600-Q-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    take_in("PL0600-Q-2", KEES, ANNA, registered_at="2024-03-07T09:12:00+01:00", offences=["285b"])
    take_in("PL0900-Q-3", BRAM, NOOR, registered_at="2024-03-08T09:12:00+01:00", unit="zeeland-west-brabant")
    return {s.victim_name.split()[0]: s for s in ScreeningCase.objects.select_related("case")}


def test_the_queue_puts_urgent_cases_first_shows_only_the_unit_and_filters(
    make_user: Callable[..., Any],
) -> None:
    cases = _three_cases()
    assert (cases["Lotte"].urgency, cases["Anna"].urgency) == ("normal", "high")
    screener = make_user("case_screener")
    client = signed_in(screener)
    page = client.get(reverse("screening:queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(cases["Anna"].case.reference) < html.index(cases["Lotte"].case.reference)
    assert cases["Noor"].case.reference not in html and "Noor" not in html  # another unit's case
    assert "Kees Smits → Anna de Boer" in html
    assert _queue(client, urgency="high") == ["high"]
    assert _queue(client, owner="nobody") == ["high", "normal"]
    assert _queue(client, owner="me") == []
    # The page and the look-up are logged as a list of screening cases.
    assert AccessLogEntry.objects.filter(actor=screener, object_type="screening_case").exists()


def test_a_registrar_and_another_organisation_have_no_queue(make_user: Callable[..., Any]) -> None:
    assert signed_in(make_user("police_registrar")).get(reverse("screening:queue")).status_code == 403
    vt = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    assert signed_in(vt).get(reverse("screening:queue")).status_code == 403


def test_the_queue_costs_the_same_queries_for_three_cases_as_for_twelve(
    make_user: Callable[..., Any],
) -> None:
    screener = make_user("case_screener")
    client = signed_in(screener)

    def count() -> int:
        """Statements of one load of the queue, counted at the driver (a request clears Django's log)."""
        client.get(reverse("screening:queue"))  # warm: the user's versions, sessions
        sent: list[str] = []

        def counting(execute: Any, sql: str, *args: Any) -> Any:
            sent.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(counting):
            page = client.get(reverse("screening:queue"))
        assert page.status_code == 200
        return len(sent)

    def pair(n: int) -> None:
        take_in(
            f"PL0600-N-{n}",
            {"given_names": SUSPECTS[n], "surname": SURNAMES[n], "birth_date": f"1980-01-{n + 10}"},
            {"given_names": VICTIMS[n], "surname": SURNAMES[-n - 1], "birth_date": f"1990-02-{n + 10}"},
            registered_at=f"2024-03-{n + 10}T09:00:00+01:00",
        )

    for n in range(3):
        pair(n)
    few = count()
    for n in range(3, 12):
        pair(n)
    assert ScreeningCase.objects.filter(unit__code="oost-brabant").count() >= 12
    assert count() == few > 5  # the session, the user, the page's rows and count, the access log...


def test_take_makes_the_screener_owner_and_a_team_lead_hands_cases_over_in_bulk(
    make_user: Callable[..., Any],
) -> None:
    cases = _three_cases()
    screener, colleague = make_user("case_screener"), make_user("case_owner")
    lead = make_user("team_lead", "case_screener")
    lotte, anna = cases["Lotte"].case, cases["Anna"].case
    answer = signed_in(screener).post(reverse("screening:take", args=[lotte.pk]))
    assert answer.status_code == 302
    lotte.refresh_from_db()
    assert lotte.owner == screener
    # Owned: another screener cannot take it; only a handover with a reason moves it.
    signed_in(colleague).post(reverse("screening:take", args=[lotte.pk]))
    lotte.refresh_from_db()
    assert lotte.owner == screener
    # A screener may not hand over in bulk; a team lead may, with a reason, for the unit's cases only.
    bulk = reverse("screening:queue-assign")
    data = {"cases": [lotte.pk, anna.pk], "person": colleague.pk, "reason": "verlof"}
    assert signed_in(screener).post(bulk, data).status_code == 403
    other_unit = cases["Noor"].case
    signed_in(lead).post(bulk, {**data, "cases": [lotte.pk, other_unit.pk]})
    lotte.refresh_from_db()
    assert lotte.owner == screener  # all or nothing: the other unit's case refused the lot
    signed_in(lead).post(bulk, {**data, "reason": ""})
    lotte.refresh_from_db()
    assert lotte.owner == screener
    assert signed_in(lead).post(bulk, data).status_code == 302
    lotte.refresh_from_db()
    anna.refresh_from_db()
    assert (lotte.owner, anna.owner) == (colleague, colleague)
    handover = lotte.events.filter(kind="owner").order_by("-id").first()
    assert handover is not None and handover.reason == "verlof" and handover.actor == lead


def test_a_bulk_handover_counts_the_cases_in_words_that_fit_the_number(make_user: Callable[..., Any]) -> None:
    cases = _three_cases()
    colleague, lead = make_user("case_owner"), make_user("team_lead", "case_screener")
    colleague.first_name, colleague.last_name = "Ingrid", "Jansen"
    colleague.save(update_fields=["first_name", "last_name"])
    lotte, anna = cases["Lotte"].case, cases["Anna"].case
    bulk = reverse("screening:queue-assign")
    one = signed_in(lead).post(
        bulk, {"cases": [lotte.pk], "person": colleague.pk, "reason": "verlof"}, follow=True
    )
    assert "1 zaak overgedragen aan Ingrid Jansen." in one.content.decode()
    two = signed_in(lead).post(
        bulk, {"cases": [lotte.pk, anna.pk], "person": lead.pk, "reason": "terug"}, follow=True
    )
    assert "2 zaken overgedragen aan" in two.content.decode()


def test_a_bulk_handover_that_lacks_something_keeps_what_was_typed_and_says_what_at_its_field(
    make_user: Callable[..., Any],
) -> None:
    cases = _three_cases()
    colleague = make_user("case_owner")
    lead = make_user("team_lead", "case_screener")
    lotte = cases["Lotte"].case
    bulk = reverse("screening:queue-assign")
    # A colleague and a reason, no case ticked: the queue again, the colleague and the reason kept.
    answer = signed_in(lead).post(bulk, {"person": colleague.pk, "reason": "Verlof van Ingrid."})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'data-testid="error-cases"' in html and 'aria-describedby="bulk_cases_error"' in html
    assert 'data-testid="error-person"' not in html and 'data-testid="error-reason"' not in html
    assert f'<option value="{colleague.pk}" selected>' in html and "Verlof van Ingrid.</textarea>" in html
    with translation.override("en"):
        assert answer.context["bulk_form"].errors["cases"] == ["Choose at least one case."]
    assert "Kies minstens één zaak." in html  # at its place, in Dutch
    # A case ticked, no reason: the tick stays, the reason is asked for at its field.
    answer = signed_in(lead).post(bulk, {"cases": [lotte.pk], "person": colleague.pk, "reason": ""})
    html = answer.content.decode()
    assert answer.status_code == 422 and 'data-testid="error-reason"' in html
    assert 'data-testid="error-cases"' not in html
    assert f'value="{lotte.pk}" form="bulk-form"' in html
    assert html.split(f'value="{lotte.pk}" form="bulk-form"', 1)[1].split(">", 1)[0].endswith(" checked")
    lotte.refresh_from_db()
    assert lotte.owner is None


def _form_data(client: Client, url: str) -> dict[str, Any]:
    """What the form posts as the page pre-filled it, with every unanswered item answered no / 0."""
    page = client.get(url)
    form = page.context["form"]
    data: dict[str, Any] = {"instrument": page.context["version"].code}
    for row, field in form.item_fields():
        value = field.value()
        if value in (None, ""):
            answer = row.item.answer.value
            value = {"yes_no": "no", "count": "0"}.get(answer) or next(iter(row.item.choices))
        data[field.html_name] = value
    return data


def test_the_pilot_screening_is_prefilled_raised_with_a_reason_and_suggests_the_urgency(
    make_user: Callable[..., Any],
) -> None:
    _pilot()
    take_in(
        "PL0600-F-1",
        MARCO,
        LOTTE,
        registered_at=_days_ago(40),
        offences=["285"],
        summary="Hij dreigde haar dood te maken.",
    )
    take_in("PL0600-F-2", MARCO, LOTTE, registered_at=_days_ago(10), offences=["285b"])
    screening_case = ScreeningCase.objects.select_related("case__process_version").get()
    case = screening_case.case
    assert case.process_version.version == 2
    screener = make_user("case_screener")
    client = signed_in(screener)
    url = reverse("screening:screening-new", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # v2 offers only its own instrument; the threat to kill is pre-answered with the registration showing it.
    assert [v.code for v in page.context["offered"]] == ["ex_partner_stalking_open"]
    assert (
        'data-testid="prefill-threat_to_kill"' in html
        and "PL0600-F-1" in html.split("prefill-threat_to_kill")[1][:600]
    )
    # What the registrations do not show is not pre-answered "no": the screener asks and answers it.
    form = page.context["form"]
    weapon = next(field for row, field in form.item_fields() if row.item.key == "weapon")
    assert weapon.value() in (None, "") and "niets gevonden" in html.split("prefill-weapon")[1][:400]
    data = _form_data(client, url)
    assert data["item_threat_to_kill"] == "yes" and data["item_incidents_12_months"] == 2

    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200 and preview.context["preview"]["computed"] is not None
    computed = preview.context["preview"]["computed"].level.value

    # Raising needs a reason: without one nothing is stored and the page says why.
    refused = client.post(url, {**data, "action": "record", "level": "high"})
    assert refused.status_code == 422 and Screening.objects.count() == 0
    # ... at the reason's field, with the computed level and its reasons still in sight to write it against.
    html = refused.content.decode()
    assert 'data-testid="error-reason"' in html and "Geef de reden voor een ander niveau" in html
    assert refused.context["preview"]["computed"].level.value == computed
    assert 'data-testid="preview"' in html and refused.context["form"].non_field_errors() == []
    answer = client.post(url, {**data, "action": "record", "level": "high", "reason": "zij is doodsbang"})
    assert answer.status_code == 302
    stored = Screening.objects.get()
    assert (stored.level, stored.reason, stored.status) == ("high", "zij is doodsbang", "recorded")
    assert stored.computed_level == computed and stored.prefill["threat_to_kill"]["answer"] is True
    case.refresh_from_db()
    assert case.data["screening_level"] == "high" and case.data["urgency_suggested"] == "acute"
    screening_case.refresh_from_db()
    assert (screening_case.level, screening_case.urgency) == ("high", "acute")
    # Recording the screening started it (the case was "Nieuw"): the case page shows the trend; the step
    # that closes the screening preselects the suggested urgency.
    assert case.state == "screening"
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk]))
    html = page.content.decode()
    assert 'data-testid="screening-trend"' in html and "zij is doodsbang" in html
    step = next(f for f in page.context["step_forms"] if f.transition.name == "screened")
    assert step["value_urgency"].value() == "acute"
    assert 'id="id_step-screened-reason_helptext"' in html  # what a lower choice needs, and below what
    assert "Toelichting (verplicht bij een lagere keuze dan voorgesteld: Acuut)" in html
    assert "Verplicht als u bij Urgentie minder kiest dan Acuut." in html
    # Finishing the screening below the suggested urgency, without a word why: refused, nothing taken.
    case.refresh_from_db()
    finish = {
        "action": "take",
        "transition": "screened",
        "step-screened-lock_version": case.lock_version,
        "step-screened-value_urgency": "low",
        "step-screened-value_stalking_indication": "no",
    }
    act = reverse("workprocesses:case-act", args=[case.pk])
    refusal = client.post(act, finish).content.decode()
    assert "Een lagere keuze dan voorgesteld vraagt een reden: schrijf die in het veld Toelichting" in refusal
    case.refresh_from_db()
    assert case.state == "screening"
    lead = make_user("team_lead")  # the unit has a team lead who can confirm a lowering
    client.post(act, {**finish, "step-screened-reason": "zij is bij haar ouders in Canada"})
    case.refresh_from_db()
    # With the reason, the lower urgency waits for a team lead of the unit (test_urgency_second.py).
    assert case.state == "screening" and case.pending is not None
    assert case.pending["lowered"] == {"urgency": {"from": "acute", "to": "low"}}
    signed_in(lead).post(act, {"action": "confirm", "confirm-lock_version": case.lock_version})
    case.refresh_from_db()
    assert case.state == "screened" and case.data["urgency"] == "low"
    # Contact with the victim cannot have happened tomorrow.
    today = timezone.localdate()
    contact = {
        "action": "take",
        "transition": "contact_victim",
        "step-contact_victim-lock_version": case.lock_version,
        "step-contact_victim-value_victim_contact_on": (today + timedelta(days=1)).isoformat(),
    }
    refusal = client.post(act, contact).content.decode()
    bound = today.strftime("%d-%m-%Y")
    assert f"hij kan niet na vandaag ({bound}) liggen. (Datum contact met het slachtoffer)" in refusal
    case.refresh_from_db()
    assert case.state == "screened"
    client.post(act, {**contact, "step-contact_victim-value_victim_contact_on": today.isoformat()})
    case.refresh_from_db()
    assert case.state == "contacted"


def test_vandalism_and_a_threat_pre_answer_their_items_on_the_latest_instrument_version(
    make_user: Callable[..., Any],
) -> None:
    """Version 2 of the open ex-partner stalking screening names the register's facts for "other threats"
    (art. 285 without the words of a threat to kill) and "property damage" (art. 350); new screenings are
    offered it, with the registrations that show each."""
    _pilot()
    take_in("PL0600-V-1", MARCO, LOTTE, registered_at=_days_ago(60), offences=["350"],
            summary="Hij sloeg de ruit van haar auto in.")  # fmt: skip
    take_in("PL0600-V-2", MARCO, LOTTE, registered_at=_days_ago(30), offences=["285"],
            summary="Hij schreeuwde dat ze ervoor zou boeten.")  # fmt: skip
    take_in("PL0600-V-3", MARCO, LOTTE, registered_at=_days_ago(10), offences=["285"],
            summary="Hij dreigde haar dood te maken.")  # fmt: skip
    case = ScreeningCase.objects.get().case
    page = signed_in(make_user("case_screener")).get(reverse("screening:screening-new", args=[case.pk]))
    assert page.status_code == 200
    assert [(v.code, v.version) for v in page.context["offered"]] == [("ex_partner_stalking_open", 2)]
    html = page.content.decode()
    rows = {row.item.key: row for row in page.context["form"].rows}
    assert rows["property_damage"].answer is True
    assert [r.reference for r in rows["property_damage"].evidence] == ["PL0600-V-1"]
    assert rows["other_threats"].answer is True  # the threat without words of killing, not the threat to kill
    assert [r.reference for r in rows["other_threats"].evidence] == ["PL0600-V-2"]
    assert [r.reference for r in rows["threat_to_kill"].evidence] == ["PL0600-V-3"]
    fields = dict((row.item.key, field) for row, field in page.context["form"].item_fields())
    assert fields["property_damage"].value() == fields["other_threats"].value() == "yes"
    assert "PL0600-V-1" in html.split('data-testid="prefill-property_damage"')[1][:600]


def test_a_corrected_pre_answer_is_kept_and_a_lowered_level_waits_for_a_second_person(
    make_user: Callable[..., Any],
) -> None:
    take_in(
        "PL0600-L-1",
        MARCO,
        LOTTE,
        registered_at="2024-03-06T09:12:00+01:00",
        relation="partner",
        summary="Hij had een mes bij zich.",
    )
    case = ScreeningCase.objects.get().case
    screener, second = make_user("case_screener"), make_user("case_owner")
    client = signed_in(screener)
    url = reverse("screening:screening-new", args=[case.pk])
    assert page_instrument(client, url) == "marac_criteria"  # DV screening's default instrument
    url += "?instrument=ex_partner_stalking_open"  # MARAC may never be lowered: the open stalking one may
    data = _form_data(client, url)
    assert data["instrument"] == "ex_partner_stalking_open" and data["item_weapon"] == "yes"
    data["item_weapon"] = "no"  # the screener knows better: it was a kitchen knife on the table
    for key in ("item_threat_to_kill", "item_other_threats", "item_earlier_violence", "item_victim_fear"):
        data[key] = "yes"
    preview = client.post(url, {**data, "action": "preview"}).context["preview"]
    assert preview["computed"].level.value in ("medium", "high")
    answer = client.post(
        url, {**data, "action": "record", "level": "standard", "reason": "afspraken gemaakt"}
    )
    assert answer.status_code == 302
    stored = Screening.objects.get()
    # Only the knife the register showed was corrected: the questions it found nothing for were answered.
    assert stored.corrected == ["weapon"] and stored.status == "awaiting_second"
    case.refresh_from_db()
    assert "screening_level" not in case.data  # nothing recorded on the case until confirmed
    assert case.state == "screening"  # but the screening has started: it was recorded
    history = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert "wacht op een tweede persoon · afspraken gemaakt" in history  # its history says it waits
    # The one who lowered it cannot confirm; a colleague can.
    second_url = reverse("screening:screening-second", args=[case.pk, stored.pk])
    client.post(second_url, {"decision": "confirm"})
    stored.refresh_from_db()
    assert stored.status == "awaiting_second"
    signed_in(second).post(second_url, {"decision": "confirm"})
    stored.refresh_from_db()
    case.refresh_from_db()
    assert stored.status == "recorded" and stored.second_person == second
    assert case.data["screening_level"] == "standard"


HIGH_ANSWERS: dict[str, Any] = {
    "threat_to_kill": True, "other_threats": False, "earlier_violence": True, "weapon": True,
    "breach_of_ban": True, "incidents_12_months": 3, "escalation": False, "stalking_pattern": False,
    "duration": "up_to_6_months", "turns_up": False, "watches": False, "third_parties": False,
    "property_damage": False, "recent_separation": False, "suicide_threat": False, "substance_use": False,
    "children_conflict": False, "victim_fear": True,
}  # fmt: skip  # 4+3+3+3+3+1+2 = 19 points: high


def _english(client: Client) -> Client:
    """The user chose English (the language cookie): these words are checked in English here."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _lowered_to_medium(screener: Any, relation: str = "ex_partner") -> tuple[Any, Screening]:
    """An acute pair's case whose screening (computed high) the screener lowered to medium."""
    from ketenzicht.screening.models import InstrumentVersion
    from ketenzicht.screening.recording import screening_record

    take_in("PL0600-D-1", MARCO, LOTTE, registered_at=_days_ago(2), relation=relation,
            summary="Hij dreigde haar dood te maken met een mes.")  # fmt: skip
    case = ScreeningCase.objects.get().case
    lowered = screening_record(
        case=case,
        instrument=InstrumentVersion.objects.filter(code="ex_partner_stalking_open").latest("version"),
        answers=HIGH_ANSWERS,
        level="medium",
        reason="Zij is verhuisd naar een geheim adres.",
        actor=screener,
    )
    assert (lowered.computed_level, lowered.level, lowered.status) == ("high", "medium", "awaiting_second")
    case.refresh_from_db()
    assert case.state == "screening"  # recording it started the screening of the new case
    return case, lowered


def test_the_team_lead_declines_a_lowered_level_with_a_reason_and_the_case_keeps_the_computed_level(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case, lowered = _lowered_to_medium(
        screener, relation="partner"
    )  # DV screening: completing needs the level
    client = _english(signed_in(lead))
    detail = reverse("workprocesses:case-detail", args=[case.pk])
    page = client.get(detail).content.decode()
    decline = page[page.index('data-testid="screening-decline"') :]
    decline = decline[: decline.index("</form>")]
    assert 'name="reason"' in decline and "required" in decline  # the form asks why
    second = reverse("screening:screening-second", args=[case.pk, lowered.pk])
    refused = client.post(second, {"decision": "decline", "reason": "  "}, follow=True)
    assert "Nothing was stored: fill in “Why do you decline the lower level?”." in refused.content.decode()
    lowered.refresh_from_db()
    case.refresh_from_db()
    assert lowered.status == "awaiting_second" and "screening_level" not in case.data

    answer = client.post(second, {"decision": "decline", "reason": "Het mes is niet gevonden."}, follow=True)
    html = answer.content.decode()
    assert "Lowered level declined: the case has the computed level, high concern." in html
    assert "keeps the level it had" not in html
    case.refresh_from_db()
    assert (case.data["screening_level"], case.data["urgency_suggested"]) == ("high", "acute")
    # The trend: the level that counts, the lowering not confirmed, both reasons; no "to be confirmed".
    trend = html[html.index('data-testid="screening-trend"') :]
    trend = trend[: trend.index("</table>")]
    assert "to be confirmed by a second person" not in trend
    assert "the lowering to elevated concern was declined: the computed level counts" in trend
    assert "<strong>High concern</strong>" in trend
    assert "Reason for declining: Het mes is niet gevonden." in trend
    assert 'data-testid="screening-decline"' not in html
    # The case's history: the decline, by whom, of which step, proposed by whom, why.
    rows = html[html.index('data-testid="history"') :].split('data-testid="history-row"')
    declined = next(row for row in rows if "Risiconiveau verlaagd naar Verhoogd" in row)
    assert "Proposed step declined: Risiconiveau verlaagd naar Verhoogd" in declined
    assert "Het mes is niet gevonden." in declined and lead.username in declined
    assert f"proposed by {screener.username}" in declined
    # The screener is told why; the screening can be completed on the computed level.
    told = _english(signed_in(screener)).get(detail).content.decode()
    assert "declined your proposal" in told and "Het mes is niet gevonden." in told
    finished = case_take(case, "screened", actor=screener, expected_version=case.lock_version,
                         values={"urgency": "acute"})  # fmt: skip
    assert finished.state == "screened"


def test_screening_again_after_a_declined_lowering_starts_from_its_instrument_and_answers(
    make_user: Callable[..., Any],
) -> None:
    """On an acute case nothing is typed twice: the form opens with the declined screening's instrument
    (not the process's default) and every answer it gave, the duration included, to check and change."""
    from ketenzicht.screening.recording import screening_decline

    screener, lead = make_user("case_screener"), make_user("team_lead")
    case, lowered = _lowered_to_medium(screener, relation="partner")
    assert case.process_version.process == "dv_screening"  # its default instrument is MARAC
    url = reverse("screening:screening-new", args=[case.pk])
    client = _english(signed_in(screener))
    waiting = client.get(url)
    assert waiting.context["version"].code == "marac_criteria" and waiting.context["redo"] is None
    screening_decline(lowered, actor=lead, reason="Het mes is niet gevonden.")

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["version"].code == "ex_partner_stalking_open"
    values = {row.item.key: field.value() for row, field in page.context["form"].item_fields()}
    expected = {
        key: ("yes" if answer else "no") if isinstance(answer, bool) else answer
        for key, answer in HIGH_ANSWERS.items()
    }
    assert values == expected
    assert values["duration"] == "up_to_6_months" and values["incidents_12_months"] == 3
    form = page.context["form"]
    assert form["level"].value() in (None, "") and form["reason"].value() in (None, "")  # chosen anew
    notice = page.content.decode().split('data-testid="redo-notice"')[1][:600]
    assert "declined its lowered level (elevated concern)" in notice and "Het mes is niet gevonden." in notice
    assert lead.username in notice
    # Another instrument starts empty; storing again as it stands records the computed level.
    other = client.get(url + "?instrument=marac_criteria")
    assert other.context["redo"] is None
    data = _form_data(client, url)
    assert client.post(url, {**data, "action": "record"}).status_code == 302
    latest = Screening.objects.order_by("-id").first()
    assert latest is not None and latest.answers == HIGH_ANSWERS and latest.status == "recorded"
    assert client.get(url).context["redo"] is None  # the latest screening is no declined one now


def test_a_refused_screening_afronden_says_what_the_screening_waits_for(
    make_user: Callable[..., Any],
) -> None:
    """Not "waits for information that has not been recorded yet": while a lowering waits, the second
    person's confirmation; after a decline that left no level (as declines did before), screening again."""
    screener = make_user("case_screener")
    case, lowered = _lowered_to_medium(screener, relation="partner")  # DV screening requires the level
    client = _english(signed_in(screener))
    act = reverse("workprocesses:case-act", args=[case.pk])

    def finish() -> str:
        case.refresh_from_db()
        answer = client.post(
            act,
            {
                "action": "take",
                "transition": "screened",
                "step-screened-lock_version": case.lock_version,
                "step-screened-value_urgency": "acute",
            },
        )
        assert answer.status_code == 422
        return answer.content.decode()

    waiting = finish()
    assert "The lowered level of the risk screening (elevated concern) waits for a second person" in waiting
    assert "has not been recorded yet" not in waiting
    Screening.objects.filter(pk=lowered.pk).update(status="declined")  # declined before the computed level
    declined = finish()  # was recorded on the case
    assert "record the screening again with “Screen again”" in declined
    assert "has not been recorded yet" not in declined
    case.refresh_from_db()
    assert case.state == "screening"


def page_instrument(client: Client, url: str) -> str:
    return str(client.get(url).context["version"].code)


def test_notify_veilig_thuis_leaves_a_handoff_shown_on_the_case(make_user: Callable[..., Any]) -> None:
    take_in("PL0600-H-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    case = ScreeningCase.objects.get().case
    screener = make_user("case_screener")
    case = case_take(case, "start_screening", actor=screener, expected_version=case.lock_version)
    case = case_record(case, values={"screening_level": "medium"}, actor=screener, expected_version=None)
    case = case_take(
        case, "screened", actor=screener, expected_version=case.lock_version, values={"urgency": "normal"}
    )
    client = signed_in(screener)
    act = reverse("workprocesses:case-act", args=[case.pk])
    answer = client.post(
        act, {"action": "take", "transition": "notify_vt", "step-notify_vt-lock_version": case.lock_version}
    )
    assert answer.status_code == 302
    handoff = Handoff.objects.get()
    assert (handoff.kind, handoff.case_id, handoff.created_by, handoff.taken_at) == (
        "veilig_thuis",
        case.pk,
        screener,
        None,
    )
    assert handoff.detail["data"]["urgency"] == "normal"
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="handoff-veilig_thuis"' in page and "Veilig Thuis" in page


def test_a_refused_step_names_what_it_waits_for(make_user: Callable[..., Any]) -> None:
    take_in("PL0600-W-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    case = ScreeningCase.objects.get().case
    screener = make_user("case_screener")
    case = case_take(case, "start_screening", actor=screener, expected_version=case.lock_version)
    answer = signed_in(screener).post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "take",
            "transition": "screened",
            "step-screened-lock_version": case.lock_version,
            "step-screened-value_urgency": "high",
        },
    )
    assert answer.status_code == 422
    assert "Niveau van de risicoscreening" in answer.content.decode()


def test_a_screening_stored_from_a_second_tab_is_refused_and_nothing_is_stored(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-T-1", MARCO, LOTTE, registered_at=_days_ago(10), offences=["285b"])
    case = ScreeningCase.objects.get().case
    client = signed_in(make_user("case_screener"))
    url = reverse("screening:screening-new", args=[case.pk])
    data = _form_data(client, url)
    page = client.get(url)
    assert page.context["lock_version"] == case.lock_version
    data["lock_version"] = page.context["lock_version"]  # both tabs were opened on this version
    kept = client.post(url, {**data, "action": "preview"})  # a preview keeps the version it was given
    assert f'name="lock_version" value="{case.lock_version}"' in kept.content.decode()
    assert client.post(url, {**data, "action": "record"}).status_code == 302
    again = client.post(url, {**data, "action": "record"})
    assert again.status_code == 409 and Screening.objects.count() == 1
    assert "U hebt deze zaak zelf zojuist gewijzigd" in again.content.decode()  # the same user, twice


def test_a_screening_sent_with_questions_unanswered_has_the_error_summary_leading_to_each(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-S-1", MARCO, LOTTE, registered_at=_days_ago(10), relation="partner")
    case = ScreeningCase.objects.get().case
    client = signed_in(make_user("case_screener"))
    url = reverse("screening:screening-new", args=[case.pk])
    data = _form_data(client, url)
    items = [name for name in data if name.startswith("item_")]
    unanswered = {items[0], items[-1]}  # the first and the last question
    sent = {name: value for name, value in data.items() if name not in unanswered}
    response = client.post(url, {**sent, "action": "record"})
    assert response.status_code == 422 and Screening.objects.count() == 0
    page = response.content.decode()
    assert banners(page) == [nothing_stored()]  # said once, in the words of every form not stored
    assert set(marked_fields(page)) == unanswered
    assert linked_fields(page) == marked_fields(page)


def test_an_empty_queue_says_so_and_a_filter_that_finds_nothing_says_that(
    make_user: Callable[..., Any],
) -> None:
    """The last case worked, the queue said "no open screening cases that match this" without any filter."""
    client = signed_in(make_user("case_screener"))
    empty = client.get(reverse("screening:queue")).content.decode()
    said = empty.split('data-testid="queue-empty">', 1)[1].split("</p>", 1)[0]
    assert said == "Geen openstaande screeningszaken: er wacht niets in de wachtrij."
    _three_cases()
    none = client.get(reverse("screening:queue"), {"owner": "me"}).content.decode()
    said = none.split('data-testid="queue-empty">', 1)[1].split("</p>", 1)[0]
    assert said == "Geen openstaande screeningszaken die hieraan voldoen."


def test_each_question_of_the_screening_form_is_said_once_and_names_its_field(
    make_user: Callable[..., Any],
) -> None:
    """Question 6 (a count) and 9 (a choice) were said twice: as the item's legend and again as a label of
    its one field (hidden on screen, but read out and copied). Each question is said once: the legend of a
    yes/no item's radios, the label of a count's or a choice's field."""
    _pilot()
    take_in("PL0600-Q6-1", MARCO, LOTTE, registered_at=_days_ago(10), offences=["285"])
    case = ScreeningCase.objects.get().case
    client = signed_in(make_user("case_screener"))
    page = client.get(reverse("screening:screening-new", args=[case.pk]))
    html = page.content.decode()
    rows = list(page.context["form"].item_fields())
    assert {row.item.answer.value for row, _field in rows} == {"yes_no", "count", "choice"}
    for number, (row, field) in enumerate(rows, 1):
        item = html.split(f'data-testid="item-{row.item.key}"', 1)[1].split('data-testid="item-', 1)[0]
        question = escape(row.item.question)
        assert html.count(question) == 1 and item.count(question) == 1, row.item.key
        if row.item.answer.value != "yes_no":  # the question is the label of its field
            label = item.split(
                f'<label class="utrecht-form-label kz-item__question" for="{field.id_for_label}">'
            )
            assert len(label) == 2 and label[1].startswith(f"{number}. "), row.item.key


def test_the_queue_names_a_work_process_version_in_its_filter_as_in_its_column(
    make_user: Callable[..., Any],
) -> None:
    """The filter read "Ex-partnerstalking (verbeterde werkwijze) (versie 2)", the column "…, versie 2"."""
    _pilot()
    take_in("PL0600-V-1", MARCO, LOTTE, registered_at=_days_ago(3), offences=["285b"])
    assert ScreeningCase.objects.get().case.process_version.version == 2
    html = signed_in(make_user("case_screener")).get(reverse("screening:queue")).content.decode()
    named = "Ex-partnerstalking (verbeterde werkwijze), versie 2"
    pv = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    assert f'<option value="{pv.pk}">{named}</option>' in html
    assert f'<td class="utrecht-table__cell">{named}</td>' in html
    assert "(versie " not in html


def _list_links(page: str, filters: str) -> list[str]:
    """The addresses a list page leads on to: its filter form's (an empty action: the current address) and
    its pagination's links, as the page writes them."""
    form = re.search(rf'<form method="get"([^>]*)data-testid="{filters}"', page)
    assert form is not None
    action = re.search(r'action="([^"]*)"', form.group(1))
    nav = page.split('class="utrecht-pagination"', 1)[1].split("</nav>", 1)[0]
    links = [unescape(href) for href in re.findall(r'href="([^"]*)"', nav)]
    assert links  # the page has other pages
    return [unescape(action.group(1)) if action else "", *links]


def test_a_refused_bulk_handover_shows_the_queue_whose_filters_and_pages_lead_to_the_queue(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused, the queue came back at the hand-over's POST address, and its filter form and page links
    led there too: a GET there answers 405. They lead to the queue, and the hand-over keeps the page."""
    monkeypatch.setattr("ketenzicht.screening.views.PAGE_SIZE", 1)
    cases = _three_cases()
    colleague, lead = make_user("case_owner"), make_user("team_lead", "case_screener")
    client = signed_in(lead)
    second = client.get(reverse("screening:queue"), {"page": "2"}).content.decode()
    shown = reverse("screening:queue-assign") + "?page=2"
    assert f'action="{escape(shown)}"' in second  # the hand-over is sent with the page it was ticked on
    lotte = cases["Lotte"].case
    answer = client.post(shown, {"cases": [lotte.pk], "person": colleague.pk, "reason": ""})
    html = answer.content.decode()
    assert answer.status_code == 422 and f'value="{lotte.pk}" form="bulk-form"' in html  # the same page
    links = _list_links(html, "queue-filters")
    assert links == [reverse("screening:queue"), f"{reverse('screening:queue')}?page=1"]
    for link in links:
        assert client.get(urljoin(f"http://testserver{shown}", link)).status_code == 200, link


def test_a_refused_bulk_handover_names_each_refused_case_and_hands_over_none(
    make_user: Callable[..., Any],
) -> None:
    """The queue's bulk hand-over goes through the kernel's (`cases_assign_owner`), as Veilig Thuis's inbox
    does: a colleague recorded absent cannot be handed the cases she does not hold yet; each is named with
    why, the queue answers 422 with what was chosen and typed, and nothing is handed over."""
    cases = _three_cases()
    lead, away = make_user("team_lead", "case_screener"), make_user("case_owner")
    lotte, anna = cases["Lotte"].case, cases["Anna"].case
    assert signed_in(away).post(reverse("screening:take", args=[lotte.pk])).status_code == 302
    Post.objects.create(
        organisation=away.organisation, user=away, kind="zsm_coordinator", absent_from=timezone.localdate()
    )
    lines = CaseEvent.objects.count()
    answer = signed_in(lead).post(
        reverse("screening:queue-assign"),
        {"cases": [lotte.pk, anna.pk], "person": away.pk, "reason": "herverdeling"},
    )
    html = answer.content.decode()
    assert answer.status_code == 422
    assert "Er is niets overgedragen: de zaken hieronder zijn geweigerd." in html
    refusals = re.findall(r'data-testid="bulk-refusal">([^<]*)<', html)
    assert [r.split(":")[0] for r in refusals] == [anna.reference] and "afwezig" in refusals[0]
    assert CaseEvent.objects.count() == lines
    anna.refresh_from_db()
    assert anna.owner is None
    assert "herverdeling</textarea>" in html and f'<option value="{away.pk}" selected>' in html


def test_a_bulk_handover_comes_back_to_the_queue_as_it_was_filtered(make_user: Callable[..., Any]) -> None:
    """A team lead who filtered the queue on an absent colleague's cases and handed them over came back to
    the whole queue, the filter gone: now to the queue as filtered, from its first page."""
    cases = _three_cases()
    colleague, lead = make_user("case_owner"), make_user("team_lead", "case_screener")
    lotte = cases["Lotte"].case
    shown = reverse("screening:queue-assign") + "?owner=nobody&page=2"
    answer = signed_in(lead).post(shown, {"cases": [lotte.pk], "person": colleague.pk, "reason": "verlof"})
    assert answer.status_code == 302 and answer["Location"] == reverse("screening:queue") + "?owner=nobody"
    plain = signed_in(lead).post(
        reverse("screening:queue-assign"), {"cases": [lotte.pk], "person": lead.pk, "reason": "terug"}
    )
    assert plain["Location"] == reverse("screening:queue")
