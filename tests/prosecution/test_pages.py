"""The ZSM desks' pages: the district office's table and the file as the partners fill it, triage from the
page, the partners' requests (each sees only its own side), the posts, the national figures (no names), and
the same 404 for another district office or partner."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ketenzicht.organisations.models import PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.prosecution.models import PartnerRequest, ZsmFile
from ketenzicht.prosecution.services import FileRefused, request_add, request_answer
from tests.clients import signed_in
from tests.patterns.helpers import BART, ILSE
from tests.prosecution.helpers import send_to_zsm
from tests.summary import linked_fields, marked_fields, summary_links

pytestmark = pytest.mark.django_db


def _checked(page: str, name: str) -> list[str]:
    """The values of the checked radio buttons named `name` on the page."""
    found = []
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            found += re.findall(r'value="([^"]*)"', tag)
    return found


@pytest.fixture
def file(make_user: Callable[..., Any], eva: Any) -> ZsmFile:
    return send_to_zsm(make_user)[0]


def test_the_prosecutor_sees_the_file_fill_as_the_partners_answer(
    make_user: Any, eva: Any, file: Any
) -> None:
    client = signed_in(eva)
    desk = client.get(reverse("prosecution:desk")).content.decode()
    assert file.case.reference in desk and "Marco Hendriks → Lotte de Wit" in desk
    assert 'data-testid="zsm-answers">0 / 2' in desk
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert 'data-testid="zsm-file"' in page and page.count('data-testid="zsm-request-waiting"') == 2
    victim_support = signed_in(make_user("victim_support", organisation="slachtofferhulp-nederland"))
    request = file.requests.get(partner="victim_support")
    answered = victim_support.post(
        reverse("prosecution:request", args=[request.pk]),
        {"contacted": "yes", "wishes": "prosecution", "afraid": "yes", "damage": "deur vernield, € 450"},
    )
    assert answered.status_code == 302
    again = victim_support.post(  # a second tab, answered otherwise: told, and the first answer stays
        reverse("prosecution:request", args=[request.pk]), {"contacted": "no"}, follow=True
    )
    said = [str(m) for m in again.context["messages"]]
    assert said[-1].startswith("Er is niets van u opgeslagen: ")
    request.refresh_from_db()
    assert request.answer["contacted"] == "yes"
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert "wil vervolging" in page and "deur vernield, € 450" in page
    assert 'data-testid="zsm-answers">1 / 2' in client.get(reverse("prosecution:desk")).content.decode()


def test_an_empty_list_of_the_table_says_why(make_user: Any, eva: Any, file: Any) -> None:
    """Walked as `officier` after handing the file on: *Mijn dossiers* said only "Geen dossiers gevonden."."""
    colleague = signed_in(make_user("prosecutor", organisation="om-oost-brabant"))
    desk = reverse("prosecution:desk")

    def empty(show: str) -> str:
        page = colleague.get(desk, {"show": show}).content.decode()
        return page.split('data-testid="zsm-empty">', 1)[1].split("</p>", 1)[0] if "zsm-empty" in page else ""

    assert empty("mine").startswith("U heeft geen open dossiers. Nieuwe dossiers gaan naar de officier")
    assert empty("closed") == "Op dit parket is nog geen dossier beslist."
    assert empty("overdue") == "Geen open dossier is over de termijn."
    assert empty("") == ""  # the office's open file is listed


def test_the_file_names_both_partners_as_organisations(eva: Any, file: Any) -> None:
    """ "Slachtofferhulp Nederland" beside "Reclassering" (the organisation is Reclassering Nederland)."""
    page = signed_in(eva).get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    partners = re.findall(r"<strong>([^<]*)</strong> \(([^)]*)\)", page)
    assert ("Slachtofferhulp Nederland", "over het slachtoffer") in partners
    assert ("Reclassering Nederland", "over de verdachte") in partners


def test_triage_from_the_page_and_another_route_needs_a_reason(eva: Any, file: Any) -> None:
    client = signed_in(eva)
    url = reverse("prosecution:triage", args=[file.pk])
    refused = client.post(url, {"route": "zvh", "reason": ""})
    # The file's page at once, as 422 (it was a redirect to a page that answered 200).
    assert refused.status_code == 422
    assert "workprocesses/case_detail.html" in [t.name for t in refused.templates]
    file.case.refresh_from_db()
    assert file.case.state == "assembling"
    page = refused.content.decode()
    # Said at the reason field, marked, and in the error summary leading to it; not a banner at the top.
    assert _error(page, "reason").startswith("Geef aan waarom u een andere route kiest")
    assert marked_fields(page) == ["reason"] and linked_fields(page) == ["reason"]
    assert not [str(m) for m in refused.context["messages"]]
    # What was chosen comes back checked, not the triage's route: sent again with a reason only, it would
    # store the suggested route with the reason for the other.
    assert _checked(page, "route") == ["zvh"]
    again = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    # Shown once: the next visit shows the triage's suggestion again, and no error.
    assert _checked(again, "route") == ["zsm"] and 'data-testid="error-reason"' not in again
    client.post(url, {"route": "zsm", "reason": ""})
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm"


def _offered(page: str, name: str) -> list[str]:
    """The values of the radio buttons named `name` on the page."""
    return [
        value
        for tag in re.findall(r"<input[^>]*>", page)
        if f'name="{name}"' in tag
        for value in re.findall(r'value="([^"]*)"', tag)
    ]


def test_once_a_route_is_chosen_only_another_route_is_offered(eva: Any, file: Any) -> None:
    """Walked as `officier`: at the table, the triage form offered the route the file was on, checked, and
    choosing it said only that the step could not be taken in the case's state."""
    client = signed_in(eva)
    url = reverse("prosecution:triage", args=[file.pk])
    client.post(url, {"route": "zsm", "reason": ""})
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert _offered(page, "route") == ["regular", "zvh"] and _checked(page, "route") == []
    assert "Route wijzigen" in page
    refused = client.post(url, {"route": "zsm", "reason": ""})
    assert refused.status_code == 422
    assert _error(refused.content.decode(), "route").startswith("Het dossier volgt deze route al")
    assert not [str(m) for m in refused.context["messages"]]
    client.post(url, {"route": "regular", "reason": "Rapportage van de reclassering nodig."})
    file.case.refresh_from_db()
    assert file.case.state == "regular"


def test_a_place_of_residence_not_known_says_where_to_ask(make_user: Any, eva: Any) -> None:
    """Walked as `reclassering`: the suspect's place of residence read only "—", where the victim's missing
    telephone says whom to ask."""
    file = send_to_zsm(make_user, "PL0600-ZSM-CITY", suspect=BART)[0]
    probation = signed_in(make_user("probation", organisation="reclassering-nederland"))
    page = probation.get(reverse("prosecution:request", args=[file.requests.get(partner="probation").pk]))
    city = page.content.decode().split('data-testid="request-city">', 1)[1].split("</dd>", 1)[0]
    assert city == "niet in de politieregistraties: vraag het na bij de politie-eenheid hieronder"


def test_an_answered_request_leads_back_to_the_answered_requests(make_user: Any, file: Any) -> None:
    """Walked as `slachtofferhulp`: from an answered request, *Terug naar de verzoeken* led to the open ones,
    not to the list it was opened from."""
    victim_support = signed_in(make_user("victim_support", organisation="slachtofferhulp-nederland"))
    url = reverse("prosecution:request", args=[file.requests.get(partner="victim_support").pk])
    back = 'data-testid="request-back">'
    page = victim_support.get(url).content.decode()
    assert f'href="{reverse("prosecution:requests")}" {back}' in page
    victim_support.post(url, {"contacted": "no"})
    page = victim_support.get(url).content.decode()
    assert f'href="{reverse("prosecution:requests")}?toon=beantwoord" {back}' in page


def test_each_partner_sees_only_its_own_side(make_user: Any, file: Any) -> None:
    victim_support = signed_in(make_user("victim_support", organisation="slachtofferhulp-nederland"))
    probation = signed_in(make_user("probation", organisation="reclassering-nederland"))
    to_victim_support = file.requests.get(partner="victim_support")
    to_probation = file.requests.get(partner="probation")
    inbox = victim_support.get(reverse("prosecution:requests")).content.decode()
    assert "Lotte de Wit" in inbox and "Marco" not in inbox
    page = victim_support.get(reverse("prosecution:request", args=[to_victim_support.pk])).content.decode()
    assert "Lotte de Wit" in page and "Marco" not in page and "Hendriks" not in page
    phone = page.split('data-testid="request-phone">', 1)[1].split("</dd>", 1)[0]
    assert "niet in de politieregistraties" in phone  # no number in her registrations: said, not left out
    assert victim_support.get(reverse("prosecution:request", args=[to_probation.pk])).status_code == 404
    page = probation.get(reverse("prosecution:request", args=[to_probation.pk])).content.decode()
    assert "Marco Hendriks" in page and "Lotte" not in page and 'data-testid="request-phone"' not in page
    assert probation.get(reverse("prosecution:request", args=[to_victim_support.pk])).status_code == 404
    # Neither reaches the file, the police case or the registrations.
    for client in (victim_support, probation):
        assert client.get(reverse("workprocesses:case-detail", args=[file.pk])).status_code == 404
        assert client.get(reverse("registrations:detail", args=[file.registration_id])).status_code == 404
        assert client.get(reverse("prosecution:desk")).status_code == 403


def _error(page: str, field: str) -> str:
    """The error shown at `field` ("" when none)."""
    marker = f'data-testid="error-{field}">'
    return page.split(marker, 1)[1].split("</div>", 1)[0] if marker in page else ""


def test_an_answer_only_the_victim_can_give_can_be_left_unasked(make_user: Any, file: Any) -> None:
    """A wish ticked, then the victim turns out not reached: the radio buttons offer "not asked", so the
    worker can take the tick back instead of being refused with no way on (before: only Back, losing the
    rest of what was typed). The error names that choice (before: "leave this empty", on radio buttons)."""
    client = signed_in(make_user("victim_support", organisation="slachtofferhulp-nederland"))
    request = file.requests.get(partner="victim_support")
    url = reverse("prosecution:request", args=[request.pk])
    page = client.get(url).content.decode()
    # Nothing is ticked at first: "not asked" is chosen, never assumed.
    assert _checked(page, "wishes") == [] and _checked(page, "afraid") == []
    refused = client.post(url, {"contacted": "no", "wishes": "prosecution", "note": "twee keer gebeld"})
    page = refused.content.decode()
    assert _checked(page, "wishes") == ["prosecution"] and "twee keer gebeld" in page
    assert _error(page, "wishes") == (
        "Het slachtoffer is niet bereikt: kies „niet gevraagd: het slachtoffer is niet bereikt”."
    )
    client.post(
        url, {"contacted": "no", "wishes": "not_asked", "afraid": "not_asked", "note": "twee keer gebeld"}
    )
    request.refresh_from_db()
    assert request.answer == {"contacted": "no", "note": "twee keer gebeld"}


def test_a_reached_victims_fear_and_wish_must_be_recorded(make_user: Any, file: Any) -> None:
    """Reached, the victim's fear stayed on "not asked: the victim was not reached" and was accepted so:
    the prosecutor never learnt she was afraid."""
    client = signed_in(make_user("victim_support", organisation="slachtofferhulp-nederland"))
    request = file.requests.get(partner="victim_support")
    url = reverse("prosecution:request", args=[request.pk])
    for afraid in ("not_asked", ""):
        page = client.post(
            url, {"contacted": "yes", "wishes": "not_asked", "afraid": afraid}
        ).content.decode()
        for field in ("wishes", "afraid"):  # both named at once
            assert _error(page, field) == (
                "Het slachtoffer is bereikt: kies wat het slachtoffer antwoordde, niet „niet gevraagd”."
            )
        request.refresh_from_db()
        assert request.answered_at is None
    client.post(url, {"contacted": "yes", "wishes": "undecided", "afraid": "yes"})
    request.refresh_from_db()
    assert request.answer == {"contacted": "yes", "wishes": "undecided", "afraid": "yes"}


def test_probation_records_supervision_of_a_suspect_it_knows(make_user: Any, file: Any) -> None:
    client = signed_in(make_user("probation", organisation="reclassering-nederland"))
    request = file.requests.get(partner="probation")
    url = reverse("prosecution:request", args=[request.pk])
    assert _checked(client.get(url).content.decode(), "supervised") == []
    page = client.post(
        url, {"known": "yes", "supervised": "not_applicable", "advice": "zsm"}
    ).content.decode()
    assert _error(page, "supervised") == (
        "De verdachte is bekend bij de reclassering: kies ja of nee, niet „niet van toepassing”."
    )
    page = client.post(
        url, {"known": "no", "supervised": "yes", "conditions": "meldplicht", "advice": "zsm"}
    ).content.decode()
    assert _error(page, "supervised") == (
        "De verdachte is niet bekend bij de reclassering: kies „niet van toepassing: niet bekend bij de "
        "reclassering”."
    )
    assert _error(page, "conditions") == "De verdachte is niet bekend bij de reclassering: laat dit leeg."
    request.refresh_from_db()
    assert request.answered_at is None
    client.post(url, {"known": "no", "supervised": "not_applicable", "advice": "zsm"})
    request.refresh_from_db()
    assert request.answer == {"known": "no", "advice": "zsm"}


@pytest.mark.parametrize(
    ("partner", "organisation", "first", "required"),
    [
        ("victim_support", "slachtofferhulp-nederland", "contacted", "contacted"),
        ("probation", "reclassering-nederland", "known", "advice"),
    ],
)
def test_every_error_of_an_answer_is_a_sentence(
    make_user: Any, file: Any, partner: str, organisation: str, first: str, required: str
) -> None:
    """ "Dit veld is verplicht." at one field, "dit veld is verplicht" at another: one way everywhere."""
    client = signed_in(make_user(partner, organisation=organisation))
    url = reverse("prosecution:request", args=[file.requests.get(partner=partner).pk])
    assert _error(client.post(url, {"note": ""}).content.decode(), required) == "Dit veld is verplicht."
    page = client.post(url, {first: "yes"}).content.decode()
    errors = re.findall(r'data-testid="error-[a-z_]+">([^<]*)</div>', page)
    assert len(errors) >= 1
    for error in errors:
        assert error[0].isupper() and error.endswith("."), error


@pytest.mark.parametrize(
    ("partner", "organisation", "valid"),
    [
        ("victim_support", "slachtofferhulp-nederland", {"contacted": "no"}),
        (
            "probation",
            "reclassering-nederland",
            {"known": "no", "supervised": "not_applicable", "advice": "zsm"},
        ),
    ],
)
def test_a_refused_answer_is_a_422_as_every_refused_form(
    make_user: Any, file: Any, partner: str, organisation: str, valid: dict[str, str]
) -> None:
    """An empty answer came back with its errors but as 200, an answer to a request answered already as 200
    too: a refused form answers 422, as everywhere else."""
    client = signed_in(make_user(partner, organisation=organisation))
    request = file.requests.get(partner=partner)
    url = reverse("prosecution:request", args=[request.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 422 and "Dit veld is verplicht." in refused.content.decode()
    request.refresh_from_db()
    assert request.answered_at is None
    assert client.post(url, valid).status_code == 302
    again = client.post(url, valid)  # a second tab: nothing of it is stored
    assert again.status_code == 422 and "Er is niets van u opgeslagen: " in again.content.decode()


def test_a_refused_question_to_a_partner_is_a_422_with_its_field_named(eva: Any, file: Any) -> None:
    client = signed_in(eva)
    refused = client.post(
        reverse("prosecution:request-new", args=[file.pk]), {"partner": "probation", "question": ""}
    )
    assert refused.status_code == 422
    assert _error(refused.content.decode(), "question")
    assert file.requests.count() == 2  # the two the table asked at first; nothing new


def test_another_district_office_gets_the_same_404(make_user: Any, file: Any) -> None:
    other = signed_in(make_user("prosecutor", organisation="om-limburg"))
    for url in (
        reverse("workprocesses:case-detail", args=[file.pk]),
        reverse("prosecution:triage", args=[file.pk]),
        reverse("registrations:detail", args=[file.registration_id]),
    ):
        response = other.post(url, {"route": "zsm"}) if "triage" in url else other.get(url)
        assert response.status_code == 404, url
    missing = other.get(reverse("workprocesses:case-detail", args=[999_999]))
    assert missing.status_code == 404
    assert file.case.reference not in other.get(reverse("prosecution:desk")).content.decode()


def test_the_prosecutor_reads_the_disclosed_registration(eva: Any, file: Any) -> None:
    page = signed_in(eva).get(reverse("registrations:detail", args=[file.registration_id]))
    assert page.status_code == 200


def test_the_national_figures_are_for_the_portfolio_holder_and_name_nobody(
    make_user: Any, eva: Any, file: Any
) -> None:
    assert signed_in(eva).get(reverse("prosecution:national")).status_code == 403
    holder = make_user("prosecutor", organisation="om-rotterdam", username="wendy")
    post_assign(organisation=holder.organisation, user=holder, kind=PostKind.NATIONAL_PORTFOLIO)
    page = signed_in(holder).get(reverse("prosecution:national")).content.decode()
    assert "Arrondissementsparket Oost-Brabant" in page
    assert "Marco" not in page and "Lotte" not in page and file.case.reference not in page
    # Published as every figure of the chain is: one open file of one office is "fewer than 5", and so is
    # the country's total of one; nothing on the page tells the exact count.
    assert "Open nu: &lt;5;" in page and "Open nu: 1" not in page
    row = next(
        r for r in page.split('data-testid="national-row"')[1:] if "Oost-Brabant" in r.split("</tr>")[0]
    )
    cells = row.split("</tr>")[0]
    assert '<abbr title="minder dan 5">&lt;5</abbr>' in cells and ">1<" not in cells


def test_an_absence_is_recorded_on_the_posts_page(make_user: Any, eva: Any) -> None:
    client = signed_in(eva)
    post = eva.posts.get()
    page = client.get(reverse("prosecution:posts")).content.decode()
    assert "Eva" in page or "eva" in page
    response = client.post(
        reverse("prosecution:posts"),
        {"post": post.pk, "absent_from": "2026-12-01", "absent_until": "2026-12-20"},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert str(post.absent_from) == "2026-12-01"
    client.post(
        reverse("prosecution:posts"),
        {"post": post.pk, "absent_from": "2026-12-09", "absent_until": "2026-12-01"},
    )
    post.refresh_from_db()
    assert str(post.absent_until) == "2026-12-20"  # refused: ends before it starts
    # An end without a start was stored as "no absence" and reported as recorded: now refused at its field,
    # with the dates typed kept, and the absence on file untouched.
    response = client.post(
        reverse("prosecution:posts"), {"post": post.pk, "absent_from": "", "absent_until": "2026-12-24"}
    )
    page = response.content.decode()
    assert response.status_code == 422 and 'data-testid="error-absent_from"' in page
    assert 'value="2026-12-24"' in page
    post.refresh_from_db()
    assert (str(post.absent_from), str(post.absent_until)) == ("2026-12-01", "2026-12-20")
    response = client.post(
        reverse("prosecution:posts"), {"post": post.pk, "absent_from": "", "absent_until": ""}, follow=True
    )
    post.refresh_from_db()
    assert post.absent_from is None and "afwezigheid is opgeheven" in response.content.decode()


def test_an_absence_out_of_its_window_is_said_once_as_a_sentence_at_its_field_and_in_the_summary(
    eva: Any,
) -> None:
    """The summary read "Afwezig vanaf: een afwezigheid wordt vastgelegd vanaf ten hoogste 365 dagen terug:
    deze datum kan niet voor … liggen" and the field said it again in other words: one sentence, the
    same at the field and in the summary (which links to the field)."""
    client = signed_in(eva)
    post = eva.posts.get()
    today = timezone.localdate()
    for data, field, said in (
        (
            {"absent_from": "2020-01-01", "absent_until": ""},
            "absent_from",
            f"De eerste dag van de afwezigheid kan niet voor {today - timedelta(days=365):%d-%m-%Y} liggen: "
            "een afwezigheid wordt ten hoogste 365 dagen terug vastgelegd.",
        ),
        (
            {"absent_from": today.isoformat(), "absent_until": "2999-12-31"},
            "absent_until",
            f"De laatste dag van de afwezigheid kan niet na {today + timedelta(days=365):%d-%m-%Y} liggen: "
            "een afwezigheid wordt ten hoogste 365 dagen vooruit vastgelegd; laat hem leeg voor een "
            "afwezigheid tot nader order.",
        ),
    ):
        response = client.post(reverse("prosecution:posts"), {"post": post.pk, **data})
        page = response.content.decode()
        assert response.status_code == 422
        assert summary_links(page) == [(f"id_{field}", said)]
        assert re.findall(rf'data-testid="error-{field}">([^<]*)<', page) == [said]
        assert page.count(said) == 2  # in the summary, and at its field
    post.refresh_from_db()
    assert post.absent_from is None


def test_the_behaviour_order_form_shows_every_error_at_once(eva: Any, file: Any) -> None:
    """The tester needed three submits, one error each: now one submit names every field to fix, what the
    form could not read and what the registry's rules refuse alike, and nothing is stored."""
    from django.utils import timezone

    from ketenzicht.measures.models import Measure
    from ketenzicht.prosecution.services import triage_choose

    triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    client = signed_in(eva)
    url = reverse("prosecution:order", args=[file.pk])
    form = client.get(url).content.decode()
    end_field = re.search(r'<input[^>]*name="ends_on"[^>]*>', form)
    assert end_field is not None and "value=" not in end_field.group(0)  # the decision names its end
    today = timezone.localdate().isoformat()
    for data, errors in (
        (  # the other condition unsaid, no banned area, no end date
            {"conditions": ["contact_ban", "area_ban", "other"], "starts_on": today},
            ("conditions_text", "area_postcodes", "ends_on"),
        ),
        (  # an unreadable postcode beside the rules' own refusals
            {"conditions": ["area_ban", "other"], "starts_on": today, "area_postcodes": "56AB"},
            ("conditions_text", "area_postcodes", "ends_on"),
        ),
        (  # an unreadable start: the period waits for it, the rest is said
            {"conditions": ["other"], "starts_on": "morgen", "area_municipalities": "Eindhoven"},
            ("conditions_text", "area_postcodes", "starts_on", "ends_on"),
        ),
    ):
        refused = client.post(url, data)
        shown = refused.content.decode()
        assert refused.status_code == 422
        assert {name for name in re.findall(r'data-testid="error-(\w+)"', shown)} == set(errors), data
    assert not Measure.objects.exists()
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm"


@pytest.mark.parametrize(
    ("partner", "organisation", "data"),
    [
        pytest.param(  # as a browser sends it: the text fields, empty
            "victim_support", "slachtofferhulp-nederland", {"note": ""}, id="victim support, nothing"
        ),
        pytest.param(
            "victim_support",
            "slachtofferhulp-nederland",
            {"contacted": "yes", "wishes": "not_asked", "afraid": "not_asked"},
            id="victim support, reached but not asked",
        ),
        pytest.param("probation", "reclassering-nederland", {"note": ""}, id="probation, nothing"),
        pytest.param(
            "probation",
            "reclassering-nederland",
            {"known": "no", "supervised": "yes", "conditions": "meldplicht"},
            id="probation, not known but supervised",
        ),
    ],
)
def test_an_answer_with_mistakes_has_the_error_summary_leading_to_each_field(
    make_user: Any, file: Any, partner: str, organisation: str, data: dict[str, str]
) -> None:
    client = signed_in(make_user(partner, organisation=organisation))
    request = file.requests.get(partner=partner)
    page = client.post(reverse("prosecution:request", args=[request.pk]), data).content.decode()
    marked = marked_fields(page)
    assert marked  # a required radio group, or both of a reached victim
    assert linked_fields(page) == marked
    assert "Er is niets opgeslagen. Verbeter de gemarkeerde velden hieronder." in page
    request.refresh_from_db()
    assert request.answered_at is None


def test_the_order_and_absence_forms_have_the_error_summary_leading_to_each_field(
    eva: Any, file: Any
) -> None:
    from django.utils import timezone

    from ketenzicht.prosecution.services import triage_choose

    triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    client = signed_in(eva)
    today = timezone.localdate().isoformat()
    page = client.post(
        reverse("prosecution:order", args=[file.pk]),
        {"conditions": ["area_ban", "other"], "starts_on": today, "area_postcodes": "56AB"},
    ).content.decode()
    assert len(marked_fields(page)) == 3 and linked_fields(page) == marked_fields(page)
    page = client.post(
        reverse("prosecution:posts"),
        {"post": eva.posts.get().pk, "absent_until": (timezone.localdate() + timedelta(days=17)).isoformat()},
    ).content.decode()
    assert marked_fields(page) == ["absent_from"] and linked_fields(page) == ["absent_from"]


def test_a_behaviour_order_a_century_long_or_from_before_the_file_is_refused_at_its_fields(
    eva: Any, file: Any
) -> None:
    """An end of 07-12-2126 was accepted ("nog 36525 dagen" on the dossier): art. 509hh Sv gives at most 90
    days at a time. A start before the case's first registration is refused as well, naming the day."""
    from django.utils import timezone

    from ketenzicht.measures.models import Measure
    from ketenzicht.prosecution.services import triage_choose
    from ketenzicht.workprocesses.selectors import case_start

    triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    client = signed_in(eva)
    url = reverse("prosecution:order", args=[file.pk])
    today = timezone.localdate()
    first = case_start(file.police_case).day
    refused = client.post(
        url,
        {
            "conditions": ["contact_ban"],
            "starts_on": (first - timedelta(days=1)).isoformat(),
            "ends_on": "2126-12-07",
        },
    )
    shown = refused.content.decode()
    assert refused.status_code == 422
    assert set(re.findall(r'data-testid="error-(\w+)"', shown)) == {"starts_on", "ends_on"}
    start_error = shown.split('data-testid="error-starts_on"', 1)[1].split("</", 1)[0]
    assert f"{first:%d-%m-%Y}" in start_error
    end_error = shown.split('data-testid="error-ends_on"', 1)[1].split("</", 1)[0]
    assert f"{first - timedelta(days=1) + timedelta(days=89):%d-%m-%Y}" in end_error
    assert not Measure.objects.exists()
    done = client.post(
        url,
        {
            "conditions": ["contact_ban"],
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=89)).isoformat(),
        },
    )
    assert done.status_code == 302 and Measure.objects.get().ends_on == today + timedelta(days=89)


def test_an_absence_until_2999_is_refused_at_its_field_with_the_last_day_allowed(eva: Any) -> None:
    from django.utils import timezone

    client = signed_in(eva)
    post = eva.posts.get()
    today = timezone.localdate()
    response = client.post(
        reverse("prosecution:posts"),
        {"post": post.pk, "absent_from": today.isoformat(), "absent_until": "2999-12-31"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    error = page.split('data-testid="error-absent_until"', 1)[1].split("</", 1)[0]
    assert f"{today + timedelta(days=365):%d-%m-%Y}" in error
    assert 'data-testid="error-absent_from"' not in page
    post.refresh_from_db()
    assert post.absent_from is None and post.absent_until is None


def test_imposing_a_behaviour_order_names_the_police_case_owner(make_user: Any, eva: Any) -> None:
    """The police case's owner is a screener here, not only a "casusregisseur": the file's text and the
    message after imposing the order name them, and the text says what a behaviour order is from its
    start."""
    from django.utils import timezone

    from ketenzicht.prosecution.services import triage_choose
    from ketenzicht.workprocesses.services import case_assign_owner

    screener = make_user("case_screener", "case_owner", organisation="oost-brabant", username="sanne.bakker")
    file, police_case = send_to_zsm(make_user, owner=screener)
    case_assign_owner(police_case, owner=screener, actor=screener, expected_version=None)
    triaged = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    client = signed_in(eva)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    intro = page.split('data-testid="zsm-order-intro">', 1)[1].split("</p>", 1)[0].strip()
    assert intro.startswith("Een gedragsaanwijzing legt")
    assert "sanne.bakker" in intro and file.police_case.reference in intro
    today = timezone.localdate()
    done = client.post(
        reverse("prosecution:order", args=[file.pk]),
        {
            "conditions": ["contact_ban"],
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(),
            "version": triaged.lock_version,
        },
        follow=True,
    )
    said = [str(m) for m in done.context["messages"]]
    assert done.status_code == 200, re.findall(r'data-testid="error-[^>]*>[^<]*', done.content.decode())
    assert len(said) == 1 and "sanne.bakker" in said[0] and file.police_case.reference in said[0], said
    assert "casusregisseur" not in said[0] and "de eigenaar van politiezaak" in said[0]


def test_the_file_page_calls_it_a_file_as_the_table_does(make_user: Any, eva: Any, file: Any) -> None:
    """ "Dossier Z…" on the file's title and heading, as the ZSM table's column and the history lines say;
    a police case stays a "Zaak"."""
    client = signed_in(eva)
    desk = client.get(reverse("prosecution:desk")).content.decode()
    assert re.search(r'<th[^>]*scope="col">Dossier</th>', desk)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert f"<title>Dossier {file.case.reference}" in page
    assert f'data-testid="case-heading">Dossier {file.case.reference}</h1>' in page
    owner = make_user("case_owner", organisation="oost-brabant")
    police = (
        signed_in(owner)
        .get(reverse("workprocesses:case-detail", args=[file.police_case.pk]))
        .content.decode()
    )
    assert f'data-testid="case-heading">Zaak {file.police_case.reference}</h1>' in police


def test_a_partner_sees_how_many_requests_wait_and_the_most_urgent_first(make_user: Any, eva: Any) -> None:
    """The start page counts the open requests and those past their term; the list puts those past their
    term first, then those of acute files, then the nearest deadline."""
    first = send_to_zsm(make_user, "PL0600-ZSM-1")[0]
    acute = send_to_zsm(make_user, "PL0600-ZSM-2", suspect=BART, victim=ILSE)[0]
    ZsmFile.objects.filter(pk=acute.pk).update(urgency_rank=0)
    further = request_add(
        first, partner="victim_support", question="Is er een contactverbod nodig?", actor=eva
    )
    PartnerRequest.objects.filter(pk=further.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    normal = first.requests.get(partner="victim_support", question="")
    urgent = acute.requests.get(partner="victim_support")
    assert normal.due_at < urgent.due_at  # the nearest deadline alone would list the acute file's second
    client = signed_in(make_user("victim_support", organisation="slachtofferhulp-nederland"))
    listed = client.get(reverse("prosecution:requests")).context["rows"]
    assert [row["pk"] for row in listed] == [further.pk, urgent.pk, normal.pk]
    assert [row["acute"] for row in listed] == [False, True, False]
    home = client.get(reverse("home")).content.decode()
    link = home.split('data-testid="home-requests">', 1)[1].split("</a>", 1)[0]
    assert link.strip() == "Verzoeken van de ZSM-tafel: 3 open, binnen enkele uren beantwoorden"
    late = home.split('data-testid="home-requests-late">', 1)[1].split("</strong>", 1)[0]
    assert late == "1 over de termijn"
    # Answered, it no longer counts; nothing past its term: no warning.
    request_answer(
        further,
        actor=make_user("victim_support", organisation="slachtofferhulp-nederland"),
        answer={"contacted": "no", "question_answer": "Nog niet bekend."},
    )
    home = client.get(reverse("home")).content.decode()
    assert re.search(r"\b2\b", home.split('data-testid="home-requests">', 1)[1].split("</a>", 1)[0])
    assert 'data-testid="home-requests-late"' not in home


def test_probation_answers_the_tables_further_question_in_a_field_of_its_own(
    make_user: Any, eva: Any, file: Any
) -> None:
    further = request_add(file, partner="probation", question="Heeft hij een meldplicht elders?", actor=eva)
    client = signed_in(make_user("probation", organisation="reclassering-nederland"))
    url = reverse("prosecution:request", args=[further.pk])
    assert 'name="question_answer"' in client.get(url).content.decode()
    standard = file.requests.get(partner="probation", question="")
    # The standard request asks no such question.
    assert (
        'name="question_answer"'
        not in client.get(reverse("prosecution:request", args=[standard.pk])).content.decode()
    )
    # Left empty: said at its field, nothing stored.
    page = client.post(url, {"known": "yes", "supervised": "yes", "advice": "zsm"}).content.decode()
    assert _error(page, "question_answer") == "Beantwoord de vraag van de tafel."
    further.refresh_from_db()
    assert further.answered_at is None
    client.post(
        url,
        {
            "known": "yes",
            "supervised": "yes",
            "advice": "zsm",
            "note": "toezicht loopt",
            "question_answer": "Ja, wekelijks in Eindhoven.",
        },
    )
    further.refresh_from_db()
    assert further.answer["question_answer"] == "Ja, wekelijks in Eindhoven."
    assert further.answer["note"] == "toezicht loopt"
    # Shown to the partner and on the file, next to the question.
    answered = client.get(url).content.decode()
    assert "Ja, wekelijks in Eindhoven." in answered.split('data-testid="request-question-answer">', 1)[1]
    page = signed_in(eva).get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    asked = page.split("Heeft hij een meldplicht elders?", 1)[1]
    shown = asked.split('data-testid="zsm-question-answer">', 1)[1].split("</p>", 1)[0]
    assert "Ja, wekelijks in Eindhoven." in shown
    # In the same request's block, before the next request (if any).
    assert 'data-testid="zsm-question-answer"' in asked.split('data-testid="zsm-request"', 1)[0]
    # The service refuses the answer to a question that was not asked, and requires one that was.
    with pytest.raises(FileRefused) as refused:
        request_answer(standard, actor=eva, answer={"known": "no", "advice": "zsm", "question_answer": "x"})
    assert refused.value.field == "question_answer"


def test_the_start_page_says_no_request_is_open_in_words(make_user: Any) -> None:
    """With nothing to answer the start page read "0 open, to answer within hours": work that is not there."""
    client = signed_in(make_user("victim_support", organisation="slachtofferhulp-nederland"))
    home = client.get(reverse("home")).content.decode()
    link = home.split('data-testid="home-requests">', 1)[1].split("</a>", 1)[0]
    assert link.strip() == "Verzoeken van de ZSM-tafel: geen open verzoeken"
