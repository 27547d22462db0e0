"""The role x route matrix: every URL pattern and API route, for every role and for an anonymous visitor.

A route that is not in MATRIX fails `test_every_route_is_in_the_matrix`: decide who may use it first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ketenzicht.organisations.roles import Role
from ketenzicht.registrations.services import registration_create
from tests.conftest import exchange_registration

ANONYMOUS = "anonymous"
ROLE_ORGANISATION = {
    Role.POLICE_REGISTRAR: "oost-brabant",
    Role.CASE_SCREENER: "oost-brabant",
    Role.CASE_OWNER: "oost-brabant",
    Role.TEAM_LEAD: "oost-brabant",
    Role.VT_ASSESSOR: "vt-brabant-noordoost",
    Role.CHAIN_CONTACT: "vt-brabant-noordoost",
    Role.PROSECUTOR: "om-oost-brabant",
    Role.VICTIM_SUPPORT: "slachtofferhulp-nederland",
    Role.PROBATION: "reclassering-nederland",
    Role.NATIONAL_ANALYST: "landelijke-eenheid",
    Role.FUNCTIONAL_ADMIN: "ketenzicht-beheer",
    Role.PRIVACY_OFFICER: "ketenzicht-beheer",
}
ACTORS = [ANONYMOUS, *ROLE_ORGANISATION]
POLICE_OWN_UNIT = (Role.POLICE_REGISTRAR, Role.CASE_SCREENER, Role.CASE_OWNER)


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # {own} is a registration of the oost-brabant unit, {other} one of zeeland-west-brabant
    anonymous: int
    others: int  # every role not named in `roles`
    roles: tuple[tuple[Role, int], ...] = ()
    body: dict[str, Any] | None = None
    json: bool = False

    def expected(self, actor: str) -> int:
        if actor == ANONYMOUS:
            return self.anonymous
        return dict(self.roles).get(Role(actor), self.others)


def police(status: int) -> tuple[tuple[Role, int], ...]:
    return tuple((role, status) for role in POLICE_OWN_UNIT)


def searchers(status: int) -> tuple[tuple[Role, int], ...]:
    """Who searches persons and opens dossiers: the police roles that see registrations under a purpose
    (the team lead sees registrations only so)."""
    return (*police(status), (Role.TEAM_LEAD, status))


REGISTRAR_ONLY = ((Role.POLICE_REGISTRAR, 200),)
REGISTRARS = ((Role.POLICE_REGISTRAR, 200), (Role.VT_ASSESSOR, 200))  # Veilig Thuis: its right to report
VT_DESK = ((Role.VT_ASSESSOR, 200), (Role.CHAIN_CONTACT, 200))
AUDIT_READERS = ((Role.PRIVACY_OFFICER, 200), (Role.FUNCTIONAL_ADMIN, 200))
AUDIT_422 = ((Role.PRIVACY_OFFICER, 422), (Role.FUNCTIONAL_ADMIN, 422))
REVIEWERS = ((Role.FUNCTIONAL_ADMIN, 200), (Role.CASE_SCREENER, 200))
SIGNAL_DESK = ((Role.CASE_SCREENER, 200), (Role.CASE_OWNER, 200))
SCREENING_DESK = ((Role.CASE_SCREENER, 200), (Role.CASE_OWNER, 200), (Role.TEAM_LEAD, 200))
CASE_DESK = (*SCREENING_DESK, *VT_DESK, (Role.PROSECUTOR, 200))
ZSM_DESK = ((Role.PROSECUTOR, 200),)
PARTNERS = ((Role.VICTIM_SUPPORT, 200), (Role.PROBATION, 200))
ABSENCE_RECORDERS_200 = (
    *((role, 200) for role in (*POLICE_OWN_UNIT, Role.TEAM_LEAD, Role.NATIONAL_ANALYST)),
    *VT_DESK,
)

MATRIX: dict[str, list[Call]] = {
    "home": [Call("GET", "/", 302, 200)],
    "health": [Call("GET", "/health/", 200, 200)],
    "login": [Call("GET", "/accounts/login/", 200, 302)],
    "logout": [Call("POST", "/accounts/logout/", 302, 302), Call("GET", "/accounts/logout/", 302, 405)],
    "set_language": [Call("POST", "/i18n/setlang/", 302, 302, body={"language": "en", "next": "/"})],
    # Every role sets up its second factor (no device yet: the code page sends there).
    "second_factor": [Call("GET", "/accounts/tweede-factor/", 302, 302)],
    "second_factor_setup": [Call("GET", "/accounts/tweede-factor/instellen/", 302, 200)],
    # Recovery codes of a first security key: none waiting here, so on to the start.
    "second_factor_recovery_codes": [Call("GET", "/accounts/tweede-factor/herstelcodes/", 302, 302)],
    # Every role manages its own security keys and passkeys (WebAuthn, django-otp-webauthn's URL names); an
    # unknown key is 404. Completing without a begun ceremony is refused (400, 403 for the use of a key).
    "second_factor_keys": [
        Call("GET", "/accounts/tweede-factor/sleutels/", 302, 200),
        Call("POST", "/accounts/tweede-factor/sleutels/", 302, 404, body={"key": "999999"}),
    ],
    "otp_webauthn:credential-registration-begin": [
        Call("POST", "/accounts/tweede-factor/sleutel/registratie/begin/", 302, 200, body={})
    ],
    "otp_webauthn:credential-registration-complete": [
        Call("POST", "/accounts/tweede-factor/sleutel/registratie/afronden/", 302, 400, body={})
    ],
    "otp_webauthn:credential-authentication-begin": [
        Call("POST", "/accounts/tweede-factor/sleutel/gebruik/begin/", 302, 200, body={})
    ],
    "otp_webauthn:credential-authentication-complete": [
        Call("POST", "/accounts/tweede-factor/sleutel/gebruik/afronden/", 302, 403, body={})
    ],
    "otp_webauthn:js-i18n-catalog": [Call("GET", "/accounts/tweede-factor/sleutel/teksten.js", 302, 200)],
    "intake:new": [
        # The empty form has an address of its own (its one-time token): the menu's address leads there.
        Call(
            "GET", "/registraties/nieuw/", 302, 403, ((Role.POLICE_REGISTRAR, 302), (Role.VT_ASSESSOR, 302))
        ),
        Call(
            "POST",
            "/registraties/nieuw/",
            302,
            403,
            ((Role.POLICE_REGISTRAR, 422), (Role.VT_ASSESSOR, 422)),
            body={"reference": ""},
        ),
    ],
    "intake:person-row": [Call("GET", "/registraties/nieuw/persoon/?index=2", 302, 403, REGISTRARS)],
    "intake:relation-row": [Call("GET", "/registraties/nieuw/relatie/?index=1", 302, 403, REGISTRARS)],
    "registrations:list": [Call("GET", "/registraties/", 302, 403, (*police(200), *VT_DESK, *ZSM_DESK))],
    "registrations:detail": [
        Call("GET", "/registraties/{own}/", 302, 404, police(200)),
        # Another unit's registration: only under a purpose (a case, a dossier) that checks out; a link
        # naming a case or person that does not hold it carries none. The one 404 for every role.
        Call("GET", "/registraties/{other}/", 302, 404),
        Call("GET", "/registraties/{other}/?zaak=999999", 302, 404),
        Call("GET", "/registraties/{other}/?persoon=999999", 302, 404),
        Call("GET", "/registraties/{own}/?zaak=999999", 302, 404, police(200)),
    ],
    "audit:access-log": [
        Call("GET", "/toegangslog/?object_type=registration", 302, 403, AUDIT_READERS),
    ],
    "linking:review-list": [Call("GET", "/koppelingen/beoordelen/", 302, 403, REVIEWERS)],
    "linking:review-decisions": [Call("GET", "/koppelingen/beoordelen/besluiten/", 302, 403, REVIEWERS)],
    # Missing and forbidden alike (a role that sees none included): the one 404, logged once.
    "linking:review-detail": [Call("GET", "/koppelingen/beoordelen/999999/", 302, 404)],
    "dossiers:search": [
        Call("GET", "/personen/", 302, 403, searchers(200)),
        Call("POST", "/personen/", 302, 403, searchers(422), body={"q": ""}),
    ],
    "dossiers:dossier": [
        # Without a purpose in the session: the purpose form (searchers and audit readers), else refused.
        Call("GET", "/personen/999999/", 302, 404, searchers(200) + AUDIT_READERS),
        Call("GET", "/personen/999999/?zaak=999999", 302, 404, searchers(200) + AUDIT_READERS),
        Call("POST", "/personen/999999/", 302, 403, searchers(422) + AUDIT_422, body={}),
    ],
    # Break-the-glass: the roles of KETENZICHT_BREAK_GLASS_ROLES are sent to the dossier, which asks for a
    # purpose first; every other role gets the one 404 (the page of an allowed role: tests/dossiers).
    "dossiers:break-glass": [
        Call("GET", "/personen/999999/doorbreken/", 302, 404, searchers(302)),
        Call("POST", "/personen/999999/doorbreken/", 302, 404, searchers(302), body={}),
    ],
    # Break-the-glass from the search: the roles of KETENZICHT_BREAK_GLASS_ROLES are sent to the search page,
    # which asks for a purpose first; every other role is refused (403, logged).
    "dossiers:search-break-glass": [
        Call("GET", "/personen/doorbreken/", 302, 403, searchers(302)),
        Call("POST", "/personen/doorbreken/", 302, 403, searchers(302), body={}),
    ],
    "break_glass:list": [Call("GET", "/privacy/doorbraken/", 302, 403, ((Role.PRIVACY_OFFICER, 200),))],
    # The retention periods, what is due and the runs: the privacy officer and the functional administrator.
    "retention:overview": [Call("GET", "/privacy/bewaartermijnen/", 302, 403, AUDIT_READERS)],
    # Missing and forbidden alike: the one 404, logged once.
    "break_glass:decide": [Call("POST", "/privacy/doorbraken/999999/", 302, 404, body={})],
    "patterns:signal-list": [Call("GET", "/signalen/", 302, 403, SIGNAL_DESK)],
    "patterns:signal-detail": [Call("GET", "/signalen/999999/", 302, 404)],
    "patterns:signal-act": [
        Call("POST", "/signalen/999999/actie/", 302, 404, body={"action": "assess", "note": "x"}),
        Call("GET", "/signalen/999999/actie/", 302, 405),
    ],
    # The privacy officer works the break-the-glass review cases (process break_glass_review).
    "workprocesses:case-list": [Call("GET", "/zaken/", 302, 403, (*CASE_DESK, (Role.PRIVACY_OFFICER, 200)))],
    "workprocesses:case-new": [
        # Veilig Thuis works cases its notifications open: it opens none by hand.
        Call("GET", "/zaken/nieuw/", 302, 403, SCREENING_DESK),
        Call("POST", "/zaken/nieuw/", 302, 403, tuple((role, 422) for role, _ in SCREENING_DESK), body={}),
    ],
    # Missing and forbidden alike: 404 for every signed-in user.
    "workprocesses:case-detail": [Call("GET", "/zaken/999999/", 302, 404)],
    "workprocesses:case-act": [Call("POST", "/zaken/999999/actie/", 302, 404, body={"action": "note"})],
    "workprocesses:rollouts": [
        Call("GET", "/werkprocessen/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 200),)),
        Call("POST", "/werkprocessen/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 422),), body={}),
    ],
    # A roll-out that does not exist: the administrator gets 404, everyone else the page's 403.
    "workprocesses:rollout-withdraw": [
        Call("POST", "/werkprocessen/999999/intrekken/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 404),), body={}),
        Call("GET", "/werkprocessen/999999/intrekken/", 302, 405),
    ],
    "screening:queue": [
        Call("GET", "/screening/", 302, 403, SCREENING_DESK),
        Call("GET", "/screening/?urgency=acute&owner=nobody&overdue=on", 302, 403, SCREENING_DESK),
    ],
    # Only a team lead hands over in bulk; an empty choice shows the queue again, what is missing marked.
    "screening:queue-assign": [
        Call("POST", "/screening/overdragen/", 302, 403, ((Role.TEAM_LEAD, 422),), body={})
    ],
    # Missing and forbidden alike: 404 for every signed-in user.
    "screening:take": [Call("POST", "/zaken/999999/nemen/", 302, 404, body={})],
    "screening:screening-new": [Call("GET", "/zaken/999999/screening/", 302, 404)],
    "screening:screening-second": [
        Call("POST", "/zaken/999999/screening/1/tweede/", 302, 404, body={"decision": "confirm"})
    ],
    "veiligthuis:inbox": [
        Call("GET", "/veiligthuis/", 302, 403, VT_DESK),
        Call("GET", "/veiligthuis/?radar=during&owner=nobody&acute=on&overdue=on", 302, 403, VT_DESK),
    ],
    "veiligthuis:timeliness": [
        Call("GET", "/veiligthuis/tijdigheid/", 302, 403, VT_DESK),
        Call(
            "GET",
            "/veiligthuis/tijdigheid/?regio=alle&weken=52",
            302,
            403,
            VT_DESK,
        ),
    ],
    "measures:list": [
        Call("GET", "/maatregelen/", 302, 403, (*SCREENING_DESK, (Role.PROSECUTOR, 200))),
        Call("GET", "/maatregelen/?alle=1", 302, 403, (*SCREENING_DESK, (Role.PROSECUTOR, 200))),
    ],
    # Missing and forbidden alike: 404 for every signed-in user.
    "measures:detail": [Call("GET", "/maatregelen/999999/", 302, 404)],
    "measures:extend": [Call("POST", "/maatregelen/999999/verlengen/", 302, 404, body={})],
    "measures:end": [Call("POST", "/maatregelen/999999/beeindigen/", 302, 404, body={})],
    "measures:new": [
        Call("GET", "/zaken/999999/maatregelen/nieuw/", 302, 404),
        Call("POST", "/zaken/999999/maatregelen/nieuw/", 302, 404, body={}),
    ],
    # The chain contact's list of feedback to the police; a period that is no period is refused at its field.
    "veiligthuis:feedback": [
        Call("GET", "/veiligthuis/terugkoppeling/", 302, 403, ((Role.CHAIN_CONTACT, 200),)),
        Call(
            "GET",
            "/veiligthuis/terugkoppeling/?state=missing&since=2026-01-01&until=2026-12-31",
            302,
            403,
            ((Role.CHAIN_CONTACT, 200),),
        ),
        Call("GET", "/veiligthuis/terugkoppeling/?since=nooit", 302, 403, ((Role.CHAIN_CONTACT, 422),)),
    ],
    # Only Veilig Thuis's team lead hands notifications over in bulk (the matrix's team lead is the police's).
    "veiligthuis:inbox-hand-over": [Call("POST", "/veiligthuis/overdragen/", 302, 403, body={})],
    "veiligthuis:take": [Call("POST", "/veiligthuis/999999/nemen/", 302, 404, body={})],
    "veiligthuis:forward": [Call("POST", "/veiligthuis/999999/doorsturen/", 302, 404, body={})],
    "veiligthuis:take-up": [Call("POST", "/veiligthuis/999999/opgepakt/", 302, 404, body={})],
    "prosecution:desk": [
        Call("GET", "/zsm/", 302, 403, ZSM_DESK),
        Call("GET", "/zsm/?show=overdue", 302, 403, ZSM_DESK),
    ],
    # Statistics: the national analyst and team leads (and prosecutors holding a coordinating post).
    "insights:figures": [
        Call("GET", "/inzicht/", 302, 403, ((Role.NATIONAL_ANALYST, 200), (Role.TEAM_LEAD, 200))),
        Call(
            "GET", "/inzicht/?jaar=&per=year", 302, 403, ((Role.NATIONAL_ANALYST, 200), (Role.TEAM_LEAD, 200))
        ),
    ],
    "insights:export": [
        Call("GET", "/inzicht/export.csv", 302, 403, ((Role.NATIONAL_ANALYST, 200), (Role.TEAM_LEAD, 200)))
    ],
    # Counting the figures again: the functional administrator only.
    "insights:recount": [Call("GET", "/inzicht/tellen/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 200),))],
    # Only the national portfolio holder (a post, which the matrix's prosecutor does not hold).
    "prosecution:national": [Call("GET", "/zsm/landelijk/", 302, 403)],
    "prosecution:posts": [
        Call("GET", "/zsm/bezetting/", 302, 403, ZSM_DESK),
        Call("POST", "/zsm/bezetting/", 302, 403, ((Role.PROSECUTOR, 422),), body={}),
    ],
    # Missing and forbidden alike: 404 for every signed-in user.
    "prosecution:triage": [Call("POST", "/zsm/999999/triage/", 302, 404, body={"route": "zsm"})],
    "prosecution:complaint": [Call("POST", "/zsm/999999/klacht/", 302, 404, body={})],
    "prosecution:request-new": [Call("POST", "/zsm/999999/verzoek/", 302, 404, body={})],
    "prosecution:order": [
        Call("GET", "/zsm/999999/gedragsaanwijzing/", 302, 404),
        Call("POST", "/zsm/999999/gedragsaanwijzing/", 302, 404, body={}),
    ],
    "prosecution:requests": [
        Call("GET", "/verzoeken/", 302, 403, PARTNERS),
        Call("GET", "/verzoeken/?toon=beantwoord", 302, 403, PARTNERS),
    ],
    "prosecution:request": [Call("GET", "/verzoeken/999999/", 302, 404)],
    "workprocesses:alerts": [
        Call("GET", "/waarschuwingen/", 302, 200),
        Call("GET", "/waarschuwingen/?gelezen=1", 302, 200),
    ],
    "workprocesses:alert-read": [Call("POST", "/waarschuwingen/999999/gelezen/", 302, 404, body={})],
    # The team's absences: every member of a police unit or Veilig Thuis records their own (a team lead a
    # colleague's too); nothing chosen is refused at its field. A district office records them on its posts.
    "workprocesses:absences": [
        Call("GET", "/afwezigheid/", 302, 403, ABSENCE_RECORDERS_200),
        Call(
            "POST",
            "/afwezigheid/",
            302,
            403,
            tuple((role, 422) for role, _ in ABSENCE_RECORDERS_200),
            body={},
        ),
        # Someone they may not record an absence for (here no one): 404, as a member of another unit.
        Call(
            "POST",
            "/afwezigheid/",
            302,
            403,
            tuple((role, 404) for role, _ in ABSENCE_RECORDERS_200),
            body={"member": "999999"},
        ),
    ],
    # The functional administrator's user management; an unknown user is 404 to them only.
    "accounts:users": [
        Call("GET", "/beheer/gebruikers/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 200),)),
        Call(
            "GET",
            "/beheer/gebruikers/?q=a&organisation=oost-brabant&role=case_screener&page=2",
            302,
            403,
            ((Role.FUNCTIONAL_ADMIN, 200),),
        ),
    ],
    "accounts:user-new": [
        Call("GET", "/beheer/gebruikers/nieuw/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 200),)),
        Call("POST", "/beheer/gebruikers/nieuw/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 422),), body={}),
    ],
    "accounts:user": [
        Call("GET", "/beheer/gebruikers/999999/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 404),)),
        Call(
            "POST",
            "/beheer/gebruikers/999999/",
            302,
            403,
            ((Role.FUNCTIONAL_ADMIN, 404),),
            body={"action": "active", "active": "0"},
        ),
    ],
    "accounts:user-deactivate": [
        Call("GET", "/beheer/gebruikers/999999/deactiveren/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 404),)),
        Call(
            "POST",
            "/beheer/gebruikers/999999/deactiveren/",
            302,
            403,
            ((Role.FUNCTIONAL_ADMIN, 404),),
            body={"reason": "Uit dienst."},
        ),
    ],
    "accounts:user-move": [
        Call("GET", "/beheer/gebruikers/999999/verplaatsen/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 404),)),
        Call(
            "POST",
            "/beheer/gebruikers/999999/verplaatsen/",
            302,
            403,
            ((Role.FUNCTIONAL_ADMIN, 404),),
            body={"organisation": "1", "on": "2026-01-01", "reason": "Overgeplaatst."},
        ),
    ],
    # The functional administrator's read-only pages of the units and the instruments.
    "accounts:units": [Call("GET", "/beheer/eenheden/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 200),))],
    "screening:instruments": [
        Call("GET", "/beheer/instrumenten/", 302, 403, ((Role.FUNCTIONAL_ADMIN, 200),))
    ],
    "api-v1:api-root": [Call("GET", "/api/v1/", 404, 404)],
    "api-v1:openapi-json": [Call("GET", "/api/v1/openapi.json", 302, 200)],
    "api-v1:openapi-view": [Call("GET", "/api/v1/docs", 302, 200)],
    "api-v1:registration_list": [
        Call("GET", "/api/v1/registrations", 401, 403, (*police(200), *VT_DESK, *ZSM_DESK))
    ],
    "api-v1:registration_post": [
        Call(
            "POST",
            "/api/v1/registrations",
            401,
            403,
            ((Role.POLICE_REGISTRAR, 201),),
            body=exchange_registration(reference="PL0600-MATRIX-1"),
            json=True,
        )
    ],
    "api-v1:persons_search": [
        Call(
            "POST",
            "/api/v1/persons/search",
            401,
            403,
            searchers(200),
            body={"q": "Berg", "purpose": {"reason": "screening", "text": "matrix: screening a report"}},
            json=True,
        )
    ],
    "api-v1:person_dossier": [
        Call(
            "POST",
            "/api/v1/persons/999999/dossier",
            401,
            404,
            (*searchers(404), (Role.PRIVACY_OFFICER, 404), (Role.FUNCTIONAL_ADMIN, 404)),
            body={"purpose": {"reason": "screening", "text": "matrix: screening a report"}},
            json=True,
        )
    ],
    "api-v1:signal_list": [Call("GET", "/api/v1/signals", 401, 403, SIGNAL_DESK)],
    "api-v1:signal_detail": [Call("GET", "/api/v1/signals/999999", 401, 404)],
    "api-v1:registration_detail": [
        Call("GET", "/api/v1/registrations/{own}", 401, 404, police(200)),
        # Under a break-the-glass grant the caller does not hold: as without it.
        Call("GET", "/api/v1/registrations/{other}?person=999999", 401, 404),
    ],
}


def _route_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or pattern.pattern}"


def test_every_route_is_in_the_matrix() -> None:
    routes = set(_route_names(get_resolver().url_patterns))
    assert routes - set(MATRIX) == set(), "routes without an entry in the role x route matrix"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_each_actor_gets_the_expected_status_on_every_route(
    actor: str, make_user: Callable[..., Any]
) -> None:
    own = registration_create(
        actor=None, data=exchange_registration(reference="PL0600-MATRIX-OWN"), channel="import"
    ).registration
    other = registration_create(
        actor=None,
        data=exchange_registration(
            reference="PL0900-MATRIX-OTHER", unit="zeeland-west-brabant", municipality="GM0855"
        ),
        channel="import",
    ).registration
    user = None if actor == ANONYMOUS else make_user(actor, organisation=ROLE_ORGANISATION[Role(actor)])
    # Logged in once: each call's client carries that session, as if it had just logged in (its changes to
    # the session are taken back with the call's).
    session = ""
    if user is not None:
        login = Client()
        login.force_login(user)
        session = login.cookies[settings.SESSION_COOKIE_NAME].value
    failures = []
    for name, calls in MATRIX.items():
        for call in calls:
            client = Client()
            if session:
                client.cookies[settings.SESSION_COOKIE_NAME] = session
            path = call.path.format(own=own.pk, other=other.pk)
            with transaction.atomic():  # each call meets the same register: what one changes is taken back
                if call.json:
                    response = client.generic(
                        call.method, path, json.dumps(call.body), content_type="application/json"
                    )
                elif call.method == "POST":
                    response = client.post(path, call.body or {})
                else:
                    response = client.generic(call.method, path)
                transaction.set_rollback(True)
            if response.status_code != call.expected(actor):
                failures.append(
                    f"{call.method} {path} ({name}): {response.status_code}, expected {call.expected(actor)}"
                )
    assert failures == [], "\n".join(failures)
