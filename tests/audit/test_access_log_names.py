"""The access log names every kind of object it lists as the desks do, and its object filter takes those
names: a pattern signal by its kind and its pair's person numbers, a link review by its mention's
registration (and its candidate's), a prosecutor's post by what it is and who holds it, a user by name and
username. Only the privacy officer and the functional administrator read the log (the names carry references
and person numbers); every other role is refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from ketenzicht.accounts.services import account_token_create
from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.services import access_log_record
from ketenzicht.linking.models import ReviewItem
from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.services import post_assign
from ketenzicht.patterns.models import Signal
from ketenzicht.ui.formats import person_number
from ketenzicht.workprocesses.models import ProcessVersion
from ketenzicht.workprocesses.rollouts import rollout_enable
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import DENNIS, register
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db


def _objects(page: Any) -> list[str]:
    """The object cell of every row of the log page, its tags and spaces aside."""
    assert page.status_code == 200
    cells = re.findall(r'data-testid="log-object">(.*?)</td>', page.content.decode(), re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in cells]


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Client:
    return signed_in(make_user("privacy_officer", organisation="ketenzicht-beheer", username="olga"))


def test_a_signal_is_named_by_its_kind_and_pair_and_found_by_that_name(
    make_user: Callable[..., Any], officer: Client
) -> None:
    take_in("PL-A-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL-A-2", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    signal = Signal.objects.get(rule="possible_stalking")
    assert signal.suspect_id is not None and signal.victim_id is not None
    screener = make_user("case_screener", username="ingrid")
    assert signed_in(screener).get(f"/signalen/{signal.pk}/").status_code == 200
    name = f"Mogelijke belaging {person_number(signal.suspect_id)} → {person_number(signal.victim_id)}"
    found = _objects(officer.get("/toegangslog/", {"object_id": name, "action": "view"}))
    assert found == [f"patroonsignaal {name}"]
    # Typed by hand: without the kind, with "->" for the arrow, in another case; still that signal.
    typed = f"p{signal.suspect_id} -> P{signal.victim_id:07d}"
    assert _objects(officer.get("/toegangslog/", {"object_id": typed, "action": "view"})) == found
    # The pair the other way round, or another kind, names no signal of theirs.
    backwards = f"{person_number(signal.victim_id)} → {person_number(signal.suspect_id)}"
    assert _objects(officer.get("/toegangslog/", {"object_id": backwards, "action": "view"})) == []
    # A person's number alone names the person, not their signals.
    alone = {"object_id": person_number(signal.victim_id), "object_type": "signal"}
    assert _objects(officer.get("/toegangslog/", alone)) == []
    other_kind = f"Escalatie {person_number(signal.suspect_id)} → {person_number(signal.victim_id)}"
    assert not Signal.objects.filter(rule="escalation", suspect_id=signal.suspect_id).exists()
    assert _objects(officer.get("/toegangslog/", {"object_id": other_kind, "action": "view"})) == []


def test_a_review_item_is_named_by_its_registrations_and_found_by_that_name(
    make_user: Callable[..., Any], officer: Client
) -> None:
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        first = register("R1", DENNIS)
        second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    item = ReviewItem.objects.select_related("mention__registration", "candidate__registration").get()
    admin = make_user("functional_admin", organisation="ketenzicht-beheer", username="beheer")
    assert signed_in(admin).get(f"/koppelingen/beoordelen/{item.pk}/").status_code == 200
    mention, candidate = item.mention.registration.reference, item.candidate.registration.reference
    assert {mention, candidate} == {first.reference, second.reference}
    name = f"Beoordeling {mention} ↔ {candidate}"
    found = _objects(officer.get("/toegangslog/", {"object_id": name, "object_type": "review_item"}))
    assert found == [name]  # the kind's word once, not "beoordeling van een koppeling Beoordeling …"
    # The word and the mention's registration alone find it too; the registration's reference alone names
    # the registration, not its reviews.
    assert _objects(officer.get("/toegangslog/", {"object_id": f"beoordeling {mention}"})) == found
    assert _objects(officer.get("/toegangslog/", {"object_id": mention, "object_type": "review_item"})) == []
    # In English the name and the filter speak English.
    officer.cookies["django_language"] = "en"
    english = _objects(officer.get("/toegangslog/", {"object_id": f"Review {mention} ↔ {candidate}"}))
    assert english == [f"Review {mention} ↔ {candidate}"]


def test_a_post_a_partners_request_and_a_user_are_named_and_found_by_their_names(
    make_user: Callable[..., Any], officer: Client
) -> None:
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    prosecutor.first_name, prosecutor.last_name = "Eva", "Smit"
    prosecutor.save(update_fields=["first_name", "last_name"])
    post = post_assign(
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        user=prosecutor,
        kind=PostKind.DV_PROSECUTOR,
    )
    soon = timezone.localdate() + timedelta(days=30)
    answer = signed_in(prosecutor).post(
        "/zsm/bezetting/",
        {"post": post.pk, "absent_from": str(soon), "absent_until": str(soon + timedelta(days=1))},
    )
    assert answer.status_code == 302
    name = "Officier van justitie huiselijk geweld en stalking: Eva Smit (Arrondissementsparket Oost-Brabant)"
    found = _objects(officer.get("/toegangslog/", {"object_id": name}))
    assert found == [f"post van het OM {name}"]
    assert AccessLogEntry.objects.get(object_type="post").object_id == str(post.pk)

    admin = make_user("functional_admin", organisation="ketenzicht-beheer", username="beheer")
    assert signed_in(admin).get(f"/beheer/gebruikers/{prosecutor.pk}/").status_code == 200
    for typed in ("Eva Smit (eva)", "eva", "eva smit"):
        rows = _objects(officer.get("/toegangslog/", {"object_id": typed, "object_type": "user"}))
        assert rows and set(rows) == {"gebruiker Eva Smit (eva)"}


def test_only_the_privacy_officer_and_the_functional_administrator_read_the_names(
    make_user: Callable[..., Any],
) -> None:
    """The names carry references and person numbers: the privacy officer, who audits every look-up, and
    the functional administrator read them; every other role is refused the log, its filter included."""
    take_in("PL-A-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL-A-2", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    signal = Signal.objects.get(rule="possible_stalking")
    access_log_record(actor=None, action="view", object_type="signal", object_id=signal.pk, result="shown")
    name = f"{person_number(signal.suspect_id or 0)} → {person_number(signal.victim_id or 0)}"
    readers = {Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN}
    organisations = {
        "police_registrar": "oost-brabant",
        "case_screener": "oost-brabant",
        "case_owner": "oost-brabant",
        "team_lead": "oost-brabant",
        "vt_assessor": "vt-brabant-noordoost",
        "chain_contact": "vt-brabant-noordoost",
        "prosecutor": "om-oost-brabant",
        "victim_support": "slachtofferhulp-nederland",
        "probation": "reclassering-nederland",
        "national_analyst": "landelijke-eenheid",
    }
    for role in Role:
        user = make_user(role.value, organisation=organisations.get(role.value, "ketenzicht-beheer"))
        page = signed_in(user).get("/toegangslog/", {"object_id": name})
        if role in readers:
            assert _objects(page) == [f"patroonsignaal Mogelijke belaging {name}"], role
        else:
            assert page.status_code == 403, role
            assert name not in page.content.decode()


def test_a_partners_request_a_roll_out_and_a_token_are_named_and_found_by_their_names(
    make_user: Callable[..., Any], officer: Client
) -> None:
    file, _police_case = send_to_zsm(make_user)
    request = file.requests.get(partner="victim_support")
    helper = make_user("victim_support", organisation="slachtofferhulp-nederland", username="sam")
    assert signed_in(helper).get(f"/verzoeken/{request.pk}/").status_code == 200
    entry = AccessLogEntry.objects.get(actor=helper, object_type="zsm_request", action="view")
    # Read as the work on the file's case, as its page is.
    assert entry.purpose == f"case {file.case.reference}"
    name = f"Slachtofferhulp Nederland, {file.case.reference}"
    assert _objects(officer.get("/toegangslog/", {"object_id": name})) == [
        f"verzoek aan een ZSM-partner {name}"
    ]

    admin = make_user("functional_admin", organisation="ketenzicht-beheer", username="beheer")
    rollout = rollout_enable(
        process_version=ProcessVersion.objects.get(process="ex_partner_stalking", version=2),
        organisation=Organisation.objects.get(code="limburg"),
        valid_from=timezone.localdate() + timedelta(days=7),
        actor=admin,
    )
    name = (
        f"Ex-partnerstalking (verbeterde werkwijze), versie 2, Politie eenheid Limburg, "
        f"vanaf {rollout.valid_from:%d-%m-%Y}"
    )
    assert _objects(officer.get("/toegangslog/", {"object_id": name})) == [
        f"uitrol van een werkproces {name}"
    ]

    token, _secret = account_token_create(actor=admin, user=helper, name="koppeling", origin="web")
    name = f"koppeling ({token.prefix}…), sam"
    assert _objects(officer.get("/toegangslog/", {"object_id": name})) == [f"API-token {name}"]
