"""The Veilig Thuis desk's pages: its right to report with the registration form, the inbox's filters and
the timeliness page (counts, no names)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketenzicht.organisations.models import Organisation
from ketenzicht.registrations.models import Registration
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.services import case_take
from tests.clients import signed_in
from tests.intake.test_registration_form import form_data
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

# Marco's new partner: another pair with him, so a notification of its own.
SANNE = {"given_names": "Sanne", "surname": "Bakker", "birth_date": "1992-11-11", "sex": "F"}


def test_veilig_thuis_reports_to_the_police_with_the_registration_form(make_user: Callable[..., Any]) -> None:
    client = signed_in(make_user("vt_assessor", organisation="vt-brabant-noordoost"))
    page = client.get("/registraties/nieuw/", follow=True).content.decode()
    # Only the municipalities it serves are offered, its own numbering in the reference.
    select = page[page.index('name="municipality"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="(GM\d+)"', select) == ["GM0796", "GM1948", "GM0828"]
    assert re.findall(r'<option value="GM\d+">([^<]*)</option>', select) == [
        "&#x27;s-Hertogenbosch",
        "Meierijstad",
        "Oss",
    ]
    assert "Amsterdam" not in select and 'value="VT21-' in page
    # The municipality is required (it decides the police unit), and its help says so: not the rule of a
    # report or complaint, which Veilig Thuis does not make here.
    label = page[: page.index('name="municipality"')]
    label = label[label.rindex("<label") :]
    assert "*" in label or "verplicht" in label.lower()
    assert "Waar het gebeurde; verplicht: het bepaalt naar welke politie-eenheid de melding gaat." in page
    assert "verplicht bij een aangifte of een klacht" not in page
    # What Veilig Thuis sends the police is a notification: a report or complaint is the victim's to make.
    kind = page[page.index('name="kind"') :]
    kind = kind[: kind.index("</select>")]
    assert re.findall(r'<option value="(\w+)"', kind) == ["melding"] and "selected" in kind
    aangifte = client.post("/registraties/nieuw/", form_data(reference="VT21-FORM-0", kind="aangifte"))
    assert aangifte.status_code == 422 and 'data-testid="error-kind"' in aangifte.content.decode()
    assert not Registration.objects.exists()
    # Without a municipality it is asked for, not refused as one the organisation does not serve.
    unplaced = client.post(
        "/registraties/nieuw/", form_data(reference="VT21-FORM-0", kind="melding", municipality="")
    )
    error = unplaced.content.decode().split('data-testid="error-municipality"')[1][:300]
    assert unplaced.status_code == 422 and "Dit veld is verplicht." in error and "bedient" not in error
    stored = client.post("/registraties/nieuw/", form_data(reference="VT21-FORM-1", kind="melding"))
    assert stored.status_code == 302
    registration = Registration.objects.get()
    # A report to the police: to the unit of its municipality ('s-Hertogenbosch), which screens it.
    assert registration.unit is not None
    assert (registration.source, registration.unit.code, registration.reference) == (
        "veilig_thuis",
        "oost-brabant",
        "VT21-FORM-1",
    )
    assert registration.mentions.filter(link__isnull=False).count() == 2  # linked like any other
    assert registration.cases.filter(organisation__code="oost-brabant").exists()  # a screening case
    registrar = signed_in(make_user("police_registrar", organisation="oost-brabant"))
    assert registrar.get(f"/registraties/{registration.pk}/").status_code == 200
    refused = client.post("/registraties/nieuw/", form_data(reference="VT21-FORM-2", municipality="GM0363"))
    assert refused.status_code == 422 and not Registration.objects.filter(reference="VT21-FORM-2").exists()
    error = refused.content.decode().split('data-testid="error-municipality"')[1][:300]
    assert "vt-brabant-noordoost" not in error


def test_the_inbox_lists_acute_first_and_filters(make_user: Callable[..., Any]) -> None:
    take_in("PL0600-P-1", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=2)).isoformat())
    take_in(
        "PL0600-P-2",
        MARCO,
        SANNE,  # another pair: its own notification
        registered_at=timezone.now().isoformat(),
        offences=["285"],
        summary="Hij dreigde haar te vermoorden met een mes.",
    )
    client = signed_in(make_user("vt_assessor", organisation="vt-brabant-noordoost"))
    page = client.get("/veiligthuis/").content.decode()
    assert page.count('data-testid="inbox-row"') == 2
    acute = Notification.objects.order_by("urgency_rank", "deadline_at").first()
    assert acute is not None and acute.urgency_rank == 0
    assert page.index(acute.case.reference) < page.index(
        Notification.objects.exclude(pk=acute.pk).get().case.reference
    )
    assert client.get("/veiligthuis/?radar=first").content.decode().count('data-testid="inbox-row"') == 1
    assert client.get("/veiligthuis/?acute=on").content.decode().count('data-testid="inbox-row"') == 1
    # The case page leads back to the inbox the assessor came from (and to the list of cases).
    case_page = client.get(f"/zaken/{acute.case.pk}/").content.decode()
    back = case_page.split('data-testid="back-to-desk"')[0].rsplit("<a", 1)[1]
    assert 'href="/veiligthuis/"' in back and "Terug naar het postvak Veilig Thuis" in case_page
    other = signed_in(make_user("vt_assessor", organisation="vt-amsterdam-amstelland"))
    assert 'data-testid="inbox-empty"' in other.get("/veiligthuis/").content.decode()


def _step(page: str, name: str) -> str:
    """The HTML of one step's form on the case page."""
    start = page.index(f'data-testid="step-{name}"')
    return page[start : page.index("</form>", start)]


def _reason_words(form: str, name: str) -> tuple[str, str]:
    """The label and the help of a step's reason field, as its form shows them."""
    label = re.search(rf'for="id_step-{name}-reason">([^<]*)<', form)
    helped = re.search(rf'id="id_step-{name}-reason_helptext">([^<]*)<', form)
    return (label.group(1) if label else "", helped.group(1) if helped else "")


def test_a_closing_step_whose_reason_is_required_says_no_condition_beside_it(
    make_user: Callable[..., Any],
) -> None:
    """The label "Reden * (verplicht)" with the help "Verplicht als u minder kiest dan voorgesteld"
    contradicted itself: the condition is said only where the explanation is otherwise optional."""
    take_in("PL0600-P-4", MARCO, LOTTE, registered_at=timezone.now().isoformat())
    case = Notification.objects.select_related("case").get().case
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    case_take(
        case, "start_investigation", actor=assessor, expected_version=None, values={"unsafety": "complex"}
    )
    page = signed_in(assessor).get(f"/zaken/{case.pk}/").content.decode()
    ending = _step(page, "end_involvement")
    assert "Reden" in ending and 'name="step-end_involvement-reason"' in ending
    assert 'id="id_step-end_involvement-reason_helptext"' not in ending
    conditions = _step(page, "agree_conditions")  # the explanation is optional there: the condition is said
    label, helped = _reason_words(conditions, "agree_conditions")
    assert "Complexe problematiek" in label and "Complexe problematiek" in helped  # what it is below


def test_recorded_acute_unsafety_is_lowered_only_with_the_explanation_the_form_asks_for(
    make_user: Callable[..., Any],
) -> None:
    """Acute unsafety recorded by one assessor is the floor of the unsafety a later step gives: the form says
    an explanation is required below it, and the server refuses a lower choice without one."""
    take_in("PL0600-P-3", MARCO, LOTTE, registered_at=timezone.now().isoformat())
    notification = Notification.objects.select_related("case").get()
    case = notification.case
    client = signed_in(make_user("vt_assessor", organisation="vt-brabant-noordoost"))
    act = f"/zaken/{case.pk}/actie/"
    declared = client.post(
        act,
        {
            "action": "take",
            "transition": "declare_acute",
            "step-declare_acute-lock_version": case.lock_version,
            "step-declare_acute-value_acute_actions": "Veiligheidsplan; zij verblijft bij haar zus.",
        },
    )
    assert declared.status_code == 302
    colleague = signed_in(make_user("vt_assessor", organisation="vt-brabant-noordoost"))
    page = colleague.get(f"/zaken/{case.pk}/").content.decode()
    conditions = _step(page, "agree_conditions")
    label, helped = _reason_words(conditions, "agree_conditions")
    assert "Acute onveiligheid" in label and "Acute onveiligheid" in helped
    assert '<option value="acute" selected>' in conditions  # the recorded unsafety, preselected
    case.refresh_from_db()
    lowered = {
        "action": "take",
        "transition": "agree_conditions",
        "step-agree_conditions-lock_version": case.lock_version,
        "step-agree_conditions-value_unsafety": "structural",
        "step-agree_conditions-value_safety_conditions": "Geen contact met het slachtoffer.",
    }
    refused = colleague.post(act, lowered)
    assert refused.status_code == 422
    assert (
        "Een lagere keuze dan voorgesteld vraagt een reden: schrijf die in het veld Toelichting"
        in refused.content.decode()
    )
    assert "(Onveiligheid)" in refused.content.decode()
    case.refresh_from_db()
    assert (case.state, case.data["unsafety"]) == ("acute", "acute")
    # The refused form comes back with the same words.
    assert (
        "Acute onveiligheid"
        in _reason_words(_step(refused.content.decode(), "agree_conditions"), "agree_conditions")[0]
    )
    taken = colleague.post(
        act, {**lowered, "step-agree_conditions-reason": "Zij woont weer veilig; afspraken met beiden."}
    )
    assert taken.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.data["unsafety"]) == ("monitoring", "structural")
    line = case.events.filter(transition="agree_conditions").get()
    assert line.reason == "Zij woont weer veilig; afspraken met beiden."


def test_the_explanation_names_the_suggested_value_it_is_required_below(
    make_user: Callable[..., Any],
) -> None:
    """The walk: on "Overdragen aan lokaal team of zorg" after the conditions step the explanation read
    "Toelichting (verplicht bij een lagere keuze dan voorgesteld)" without saying what was suggested."""
    take_in("PL0600-P-5", MARCO, LOTTE, registered_at=timezone.now().isoformat())
    case = Notification.objects.select_related("case").get().case
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    case_take(
        case, "agree_conditions", actor=assessor, expected_version=None,
        values={"unsafety": "structural", "safety_conditions": "Geen contact met het slachtoffer."},
    )  # fmt: skip
    page = signed_in(assessor).get(f"/zaken/{case.pk}/").content.decode()
    label, helped = _reason_words(_step(page, "hand_over_local"), "hand_over_local")
    assert label == "Toelichting (verplicht bij een lagere keuze dan voorgesteld: Structurele onveiligheid)"
    assert helped == "Verplicht als u bij Onveiligheid minder kiest dan Structurele onveiligheid."


def test_the_timeliness_page_counts_without_names(make_user: Callable[..., Any]) -> None:
    take_in("PL0600-P-3", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=20)).isoformat())
    # Veilig Thuis's own working figures (exact); the national analyst reads them, suppressed, on the
    # insight desk instead.
    lead = signed_in(make_user("team_lead", organisation="vt-brabant-noordoost"))
    page = lead.get("/veiligthuis/tijdigheid/?regio=alle&weken=4").content.decode()
    assert 'data-testid="timeliness-chart"' in page and "<title" in page
    assert "Hendriks" not in page and "Wit" not in page.replace("Witte", "")
    rows = page[page.index('data-testid="timeliness-table"') :]
    assert rows.count('data-testid="timeliness-row"') == 4
    assert ">1</td>" in rows  # the one notification, counted in its week (overdue now)
    analyst = signed_in(make_user("national_analyst", organisation="landelijke-eenheid"))
    assert analyst.get("/veiligthuis/tijdigheid/").status_code == 403


def _cells(page: str, testid: str, heading: str) -> list[str]:
    """The cells of the row headed `heading` in the table `testid`."""
    table = page[page.index(f'data-testid="{testid}"') :]
    row = table[table.index(f'scope="row">{heading}<') :]
    row = row[: row.index("</tr>")]
    cell = r'<td class="utrecht-table__cell">(?:<abbr [^>]*>)?([^<]*(?:<[0-9]+)?)(?:</abbr>)?</td>'
    return re.findall(cell, row.replace("&lt;", "<"))


def test_another_organisations_small_timeliness_counts_are_suppressed(make_user: Callable[..., Any]) -> None:
    """A Veilig Thuis team lead works their own organisation's notifications and sees its counts exactly;
    another organisation's count of 1 to 4 (a notification registered minutes ago) is shown as on the
    figures page, <5, in its row, in its weeks, in a total with the own counts and in no share."""
    take_in("PL0600-P-6", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=20)).isoformat())
    take_in("PL0600-P-7", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=20)).isoformat())
    own, other = Notification.objects.order_by("received_at")[:2]
    assert own.organisation.code == "vt-brabant-noordoost"
    Notification.objects.filter(pk=other.pk).update(
        organisation=Organisation.objects.get(code="vt-amsterdam-amstelland")
    )
    week = "{}-W{:02d}".format(*timezone.localtime(own.received_at).isocalendar()[:2])
    lead = signed_in(make_user("team_lead", organisation="vt-brabant-noordoost"))

    page = lead.get("/veiligthuis/tijdigheid/?regio=alle&weken=4").content.decode()
    # The page says how to read "<5" and "<6", as text: a "<" written raw opened an HTML tag that ate the
    # rest of the sentence.
    said = page.split('data-testid="timeliness-disclosure">', 1)[1].split("</p>", 1)[0]
    assert "als &lt;5, elk" in said and said.endswith("bovenop uw eigen aantal.") and "<" not in said
    amsterdam = _cells(page, "timeliness-regions", "Veilig Thuis Amsterdam-Amstelland")
    assert amsterdam[:6] == ["<5", "0", "0", "<5", "0", "0"] and amsterdam[6] == "—"
    assert _cells(page, "timeliness-regions", "Veilig Thuis Brabant Noordoost")[:5] == [
        "1",
        "0",
        "0",
        "1",
        "0",
    ]
    # The week of both: one own (exact) and fewer than 5 of another organisation, so "<6", never "2".
    assert _cells(page, "timeliness-table", week)[:5] == ["<6", "0", "0", "<6", "0"]
    assert ">2</td>" not in page and " &lt;6</title>" in page
    assert '<abbr class="kz-suppressed" title="minder dan 6">&lt;6</abbr>' in page  # "<6" said in words

    theirs = lead.get("/veiligthuis/tijdigheid/?regio=vt-amsterdam-amstelland&weken=4").content.decode()
    cells = _cells(theirs, "timeliness-table", week)
    assert cells[:6] == ["<5", "0", "0", "<5", "0", "0"] and cells[6] == "—"
    weekly = theirs[
        theirs.index('data-testid="timeliness-table"') : theirs.index('data-testid="timeliness-regions"')
    ]
    assert ">1</td>" not in weekly and " 1</title>" not in theirs and " &lt;5</title>" in theirs
    mine = lead.get("/veiligthuis/tijdigheid/?regio=vt-brabant-noordoost&weken=4").content.decode()
    assert _cells(mine, "timeliness-table", week)[:5] == ["1", "0", "0", "1", "0"]

    # Amsterdam's own staff see it the other way round.
    theirs_own = signed_in(make_user("team_lead", organisation="vt-amsterdam-amstelland"))
    page = theirs_own.get("/veiligthuis/tijdigheid/?regio=alle&weken=4").content.decode()
    assert _cells(page, "timeliness-regions", "Veilig Thuis Amsterdam-Amstelland")[:5] == [
        "1",
        "0",
        "0",
        "1",
        "0",
    ]
    assert _cells(page, "timeliness-regions", "Veilig Thuis Brabant Noordoost")[:5] == [
        "<5",
        "0",
        "0",
        "<5",
        "0",
    ]


def test_the_team_lead_sees_who_holds_what_and_the_assessor_does_not(make_user: Callable[..., Any]) -> None:
    from ketenzicht.veiligthuis.selectors import Workload, inbox_workload
    from ketenzicht.workprocesses.services import case_assign_owner

    take_in("PL0600-P-4", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=30)).isoformat())
    take_in("PL0600-P-5", MARCO, SANNE, registered_at=timezone.now().isoformat())
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost", username="fatma")
    old = Notification.objects.order_by("received_at").first()
    assert old is not None
    case_assign_owner(old.case, owner=assessor, actor=assessor, expected_version=None)
    lead = make_user("team_lead", organisation="vt-brabant-noordoost")
    assert inbox_workload(user=lead) == [Workload("", 1, 0), Workload("fatma", 1, 1)]  # nobody first
    page = signed_in(lead).get("/veiligthuis/").content.decode()
    assert 'data-testid="inbox-workload"' in page and "nog niemand" in page
    assert inbox_workload(user=assessor) == []
    assert 'data-testid="inbox-workload"' not in signed_in(assessor).get("/veiligthuis/").content.decode()
