"""One road to protected data: for every route that shows one protected object (page and API), a forbidden
object answers byte for byte what a missing one answers (after removing the CSRF token and the id), and
each refusal is in the access log exactly once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client, override_settings

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.linking.models import ReviewItem
from ketenzicht.organisations.models import Organisation
from ketenzicht.patterns.models import Signal
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.services import case_open
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import DENNIS, person_of, register

pytestmark = pytest.mark.django_db

MISSING = 999_999
PURPOSE = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}
API_PURPOSE = {"purpose": {"reason": "screening", "text": "screening of a new report"}}


@dataclass(frozen=True)
class Route:
    thing: str  # which object of `objects` the route shows
    method: str
    path: str  # {id} is the object's id
    body: dict[str, Any] | None = None
    json: bool = False
    purpose_first: bool = False  # the dossier page: state a purpose (POST) before the GET

    def call(self, client: Client, pk: int) -> Any:
        path = self.path.format(id=pk)
        if self.purpose_first:
            client.post(path, PURPOSE)
        if self.json:
            return client.generic(self.method, path, json.dumps(self.body), content_type="application/json")
        if self.method == "POST":
            return client.post(path, self.body or {})
        return client.get(path)


ROUTES = [
    Route("registration", "GET", "/registraties/{id}/"),
    Route("registration", "GET", "/api/v1/registrations/{id}"),
    Route("signal", "GET", "/signalen/{id}/"),
    Route("signal", "GET", "/api/v1/signals/{id}"),
    Route("review_item", "GET", "/koppelingen/beoordelen/{id}/"),
    Route("review_item", "POST", "/koppelingen/beoordelen/{id}/", {"decision": "same"}),
    Route("person", "GET", "/personen/{id}/", purpose_first=True),
    Route("person", "POST", "/api/v1/persons/{id}/dossier", API_PURPOSE, json=True),
    Route("case", "GET", "/zaken/{id}/"),
    Route("case", "POST", "/zaken/{id}/actie/", {"action": "note", "note": "x"}),
    Route("screening_case", "GET", "/zaken/{id}/screening/"),
    Route("screening_case", "POST", "/zaken/{id}/nemen/"),
]
# Who may not see the objects: a screener of another police unit (the same desk), and a role without it.
# Veilig Thuis sees what is notified to it: the Veilig Thuis of another region is the outsider.
OUTSIDERS = [("case_screener", "zeeland-west-brabant"), ("vt_assessor", "vt-amsterdam-amstelland")]
# A dossier is always opened under a purpose, and under a purpose a police screener sees the police
# registrations of every unit (the sharing rules' needs_purpose): there the other unit's registrar is the
# outsider of the same force.
PERSON_OUTSIDERS = [("police_registrar", "zeeland-west-brabant"), ("vt_assessor", "vt-amsterdam-amstelland")]
CASES = [
    (route, role, organisation)
    for route in ROUTES
    for role, organisation in (PERSON_OUTSIDERS if route.thing == "person" else OUTSIDERS)
]


@pytest.fixture
def objects() -> dict[str, int]:
    """One protected object of each kind, all of the Oost-Brabant unit."""
    take_in("PL0600-2024-000001", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    second = take_in("PL0600-2024-000002", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00")
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        register("R1", DENNIS)
        register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Bedreiging ex-partner",
        actor=None,
    )
    return {
        "registration": second.pk,
        "signal": Signal.objects.get().pk,
        "review_item": ReviewItem.objects.get().pk,
        "person": person_of(second).pk,
        "case": case.pk,
        "screening_case": ScreeningCase.objects.get().case_id,  # opened by the intake of the two above
    }


def _normalised(content: bytes, route: Route, pk: int) -> bytes:
    """Without the CSRF token, and with the id in the route's path (the language switch returns to it)
    written as ID."""
    text = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*', r"\1", content.decode())
    text = re.sub(r'("X-CSRFToken": ")[^"]*', r"\1", text)
    path = route.path.format(id=pk)
    for form in (path, quote(path, safe="")):
        text = text.replace(form, form.replace(str(pk), "ID"))
    return text.encode()


def _refusals() -> int:
    return AccessLogEntry.objects.filter(result="refused").count()


@pytest.mark.parametrize(
    ("route", "role", "organisation"),
    CASES,
    ids=[f"{r.method} {r.path}-{role}-{organisation}" for r, role, organisation in CASES],
)
def test_forbidden_answers_as_missing_and_is_logged_once(
    route: Route, role: str, organisation: str, objects: dict[str, int], make_user: Callable[..., Any]
) -> None:
    client = Client()
    client.force_login(make_user(role, organisation=organisation))
    before = _refusals()
    missing = route.call(client, MISSING)
    assert _refusals() == before + 1
    forbidden = route.call(client, objects[route.thing])
    assert _refusals() == before + 2
    assert missing.status_code == forbidden.status_code == 404
    pk = objects[route.thing]
    assert _normalised(forbidden.content, route, pk) == _normalised(missing.content, route, MISSING)
    if route.json:
        assert forbidden.json() == {"detail": "Not found"}
    entry = AccessLogEntry.objects.filter(result="refused").latest("pk")
    assert entry.object_id == str(objects[route.thing]) and entry.detail == {"refused": "not visible"}


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.method == "GET"], ids=lambda r: f"{r.method} {r.path}"
)
def test_the_own_unit_sees_what_the_outsiders_do_not(
    route: Route, objects: dict[str, int], make_user: Callable[..., Any]
) -> None:
    """The objects exist and the route serves them: the 404 above is a refusal, not a broken route (the
    writes are walked by the desks' own page tests)."""
    client = Client()
    roles = ("case_screener",) if route.thing != "review_item" else ("functional_admin",)
    organisation = "oost-brabant" if route.thing != "review_item" else "ketenzicht-beheer"
    client.force_login(make_user(*roles, organisation=organisation))
    assert route.call(client, objects[route.thing]).status_code == 200


LISTS = [
    "/registraties/",
    "/api/v1/registrations",
    "/signalen/",
    "/api/v1/signals",
    "/koppelingen/beoordelen/",
    "/koppelingen/beoordelen/besluiten/",
    "/zaken/",
]


@pytest.mark.parametrize("path", LISTS)
def test_a_list_refused_to_a_role_without_it_is_logged_once(path: str, make_user: Callable[..., Any]) -> None:
    client = Client()
    client.force_login(make_user("national_analyst", organisation="landelijke-eenheid"))  # figures only
    before = _refusals()
    assert client.get(path).status_code == 403
    assert _refusals() == before + 1
    assert AccessLogEntry.objects.filter(result="refused").latest("pk").action == "list"
