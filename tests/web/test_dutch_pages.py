"""Every page in Dutch: each role walks every HTML page it may reach, with data on it and in its error
states, and the page fails on

(a) a text looked up for translation that has no Dutch translation in the nl catalog,
(b) an internal code (snake_case) in the visible text,
(c) a date as YYYY-MM-DD in the visible text (Dutch: dd-mm-jjjj, "juni 1982" or "1982" when partial),
(d) a number with a decimal point (Dutch: a decimal comma),
(e) Django's empty choice "---------" in a list (it should say what to choose).

A named route that returns HTML must have an entry in WALK (or in NOT_HTML, with the reason):
`test_every_html_route_is_walked` fails otherwise, so a new page cannot skip these checks.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import get_resolver
from django.utils import timezone
from django.utils.translation import trans_real
from django_otp_webauthn.models import WebAuthnCredential

from ketenzicht.dossiers.break_glass import break_glass_decide, break_glass_grant
from ketenzicht.dossiers.models import BreakGlassAccess
from ketenzicht.insights.services import figures_refresh
from ketenzicht.linking.models import ReviewItem
from ketenzicht.measures.services import measure_impose
from ketenzicht.organisations.models import Organisation, PostKind, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.services import (
    api_token_create,
    api_token_issue,
    api_token_revoke,
    post_assign,
    user_create,
    user_set_active,
)
from ketenzicht.patterns.models import Signal
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.prosecution.services import request_answer
from ketenzicht.retention.models import Outcome, Run
from ketenzicht.screening.instruments import instrument_of
from ketenzicht.screening.models import InstrumentVersion, ScreeningCase
from ketenzicht.screening.recording import screening_record
from ketenzicht.signin.services import recovery_codes_renew, totp_device_fixed
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import ACUTE_MESSAGE as VT_ACUTE_MESSAGE
from ketenzicht.workprocesses.alerts import alert_for_case_owner
from ketenzicht.workprocesses.models import Alert, Case, ProcessVersion
from ketenzicht.workprocesses.rollouts import rollout_enable
from ketenzicht.workprocesses.services import case_open, case_take
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in
from tests.people import DENNIS, person_of, register
from tests.test_route_matrix import ROLE_ORGANISATION, _route_names

ANONYMOUS = "anonymous"
PURPOSE = {"purpose_reason": "case_management", "purpose_text": "casusoverleg over deze persoon"}
REOPEN = {"action": "reopen", "reopen-lock_version": "{closed_lock}"}


@dataclass(frozen=True)
class Visit:
    """One request: `path` may hold {registration}, {person}, {signal} and {review}."""

    path: str
    method: str = "GET"
    data: dict[str, Any] = field(default_factory=dict)
    before: tuple[Visit, ...] = ()  # requests that put the page in its state (e.g. a purpose stated)
    follow: bool = False  # a request that redirects to the page to check (post, redirect, get)


def get(path: str, *, before: tuple[Visit, ...] = (), follow: bool = False) -> Visit:
    return Visit(path, before=before, follow=follow)


def post(path: str, data: dict[str, Any] | None = None) -> Visit:
    return Visit(path, "POST", data or {})


INTAKE_BASE = {
    "form_token": "walk-form-token-0001",
    "reference": "KZ-WALK-1",
    "kind": "aangifte",
    "persons-TOTAL_FORMS": "2",
    "persons-INITIAL_FORMS": "0",
    "persons-0-role": "suspect",
    "persons-0-surname": "Hendriks",
    "persons-0-birth_date": "1984-05-19",
    "persons-1-role": "victim",
    "persons-1-surname": "Wit",
    "relations-TOTAL_FORMS": "1",
    "relations-INITIAL_FORMS": "0",
    "relations-0-from_ref": "p1",
    "relations-0-to_ref": "p2",
}

# Route name -> the requests that show its pages (every state worth seeing: lists with rows, error states).
WALK: dict[str, list[Visit]] = {
    "home": [get("/")],
    "login": [get("/accounts/login/"), post("/accounts/login/", {"username": "nobody", "password": "x"})],
    # The walking case screener has an authenticator device (the code page), the others set one up.
    "second_factor": [
        get("/accounts/tweede-factor/"),
        post("/accounts/tweede-factor/", {"otp_token": "000000"}),
    ],
    "second_factor_setup": [
        get("/accounts/tweede-factor/instellen/"),
        post("/accounts/tweede-factor/instellen/", {"otp_token": "000000"}),
    ],
    # The walking case screener has a security key too (its list; the code page offers it).
    "second_factor_keys": [
        get("/accounts/tweede-factor/sleutels/"),
        post("/accounts/tweede-factor/sleutels/", {"key": "999999"}),
    ],
    "intake:new": [
        get("/registraties/nieuw/", follow=True),  # to the empty form's own address (its token)
        post("/registraties/nieuw/", {**INTAKE_BASE, "reference": ""}),
        # No person at all, a relation without its kind, a birth date that is no date, a bad BSN.
        post(
            "/registraties/nieuw/",
            {**INTAKE_BASE, "persons-0-surname": "", "persons-0-birth_date": "", "persons-1-surname": ""},
        ),
        post("/registraties/nieuw/", {**INTAKE_BASE, "relations-0-to_ref": "p1"}),
        post("/registraties/nieuw/", {**INTAKE_BASE, "persons-0-birth_date": "19-13-1984"}),
        post("/registraties/nieuw/", {**INTAKE_BASE, "persons-0-bsn": "123456789"}),
    ],
    "intake:person-row": [get("/registraties/nieuw/persoon/?index=2")],
    "intake:relation-row": [get("/registraties/nieuw/relatie/?index=1")],
    "registrations:list": [get("/registraties/")],
    "registrations:detail": [get("/registraties/{registration}/")],
    "audit:access-log": [
        get("/toegangslog/"),
        get("/toegangslog/?object_type=person"),
        get("/toegangslog/?action=search"),
    ],
    "linking:review-list": [get("/koppelingen/beoordelen/")],
    "linking:review-decisions": [get("/koppelingen/beoordelen/besluiten/")],
    "linking:review-detail": [
        get("/koppelingen/beoordelen/{review}/"),
        post("/koppelingen/beoordelen/{review}/", {"decision": "maybe"}),
    ],
    "dossiers:search": [
        get("/personen/"),
        post("/personen/", {"q": "Linden"}),  # no purpose
        post("/personen/", {"q": "L", **PURPOSE}),
        post("/personen/", {"q": "123456789", **PURPOSE}),  # fails the 11-check
        post("/personen/", {"q": "Linden", "purpose_reason": "screening"}),  # explanation too short
        post("/personen/", {"q": "Linden", **PURPOSE}),
        post("/personen/", {"q": "Hendriks", **PURPOSE}),
    ],
    "dossiers:dossier": [
        get("/personen/{person}/"),  # no purpose yet: the purpose form
        post("/personen/{person}/", {}),
        get("/personen/{person}/", before=(post("/personen/{person}/", PURPOSE),)),
        get("/personen/{suspect}/", before=(post("/personen/{suspect}/", PURPOSE),)),
    ],
    "dossiers:break-glass": [
        get("/personen/{bg_person}/doorbreken/", before=(post("/personen/{bg_person}/", PURPOSE),)),
        post("/personen/{bg_person}/doorbreken/", {"reason": "kort"}),
        post(
            "/personen/{bg_person}/doorbreken/",
            {"reason": "aangifte vannacht, geschiedenis nodig", "confirm": "on"},
        ),
        get("/personen/{bg_person}/"),  # the whole dossier, with its banner
    ],
    "dossiers:search-break-glass": [
        get("/personen/doorbreken/", before=(post("/personen/", {"q": "Linden", **PURPOSE}),)),
        post("/personen/doorbreken/", {"q": "Linden", "ask": "1"}),  # from the results: the form first
        post("/personen/doorbreken/", {"q": "Linden", "reason": "kort"}),
        Visit(  # the results, after the redirect
            "/personen/doorbreken/",
            "POST",
            {"q": "Linden", "reason": "acute dreiging, naam elders bekend", "confirm": "on"},
            follow=True,
        ),
    ],
    "break_glass:list": [get("/privacy/doorbraken/"), get("/privacy/doorbraken/?toon=beoordeeld")],
    "break_glass:decide": [post("/privacy/doorbraken/{bg_grant}/", {})],
    "patterns:signal-list": [get("/signalen/")],
    "patterns:signal-detail": [get("/signalen/{signal}/")],
    "patterns:signal-act": [
        post("/signalen/{signal}/actie/", {"action": "assess", "note": ""}),
        # Closed, then reopened: without a reason (the field's error), with one, and once more (refused).
        post("/signalen/{signal}/actie/", {"action": "close", "reason": "no_action"}),
        post("/signalen/{signal}/actie/", {"action": "reopen", "reason": ""}),
        post("/signalen/{signal}/actie/", {"action": "reopen", "reason": "Te vroeg gesloten."}),
        post("/signalen/{signal}/actie/", {"action": "reopen", "reason": "Te vroeg gesloten."}),
    ],
    "workprocesses:case-list": [get("/zaken/"), get("/zaken/?afgesloten=1"), get("/zaken/?bijna=1")],
    "workprocesses:case-new": [get("/zaken/nieuw/"), post("/zaken/nieuw/", {})],
    "workprocesses:case-detail": [
        get("/zaken/{case}/"),
        get("/zaken/{screening}/"),
        get("/zaken/{notification}/"),
        get("/zaken/{acute}/"),
        get("/zaken/{zsm}/"),
        get("/zaken/{zsm_police}/"),
        get("/zaken/{closed}/"),  # a team lead may reopen it
    ],
    "workprocesses:case-act": [
        post("/zaken/{case}/actie/", {"action": "note", "note-lock_version": "{lock}", "note-text": ""}),
        # A step against the page before a colleague's note: the edit conflict, naming who wrote it.
        post(
            "/zaken/{case}/actie/",
            {"action": "take", "transition": "start_screening", "step-start_screening-lock_version": "0"},
        ),
        # Reopening without a reason (the field's error); with one (refused to all but the team lead).
        post("/zaken/{closed}/actie/", {**REOPEN, "reopen-reason": ""}),
        post("/zaken/{closed}/actie/", {**REOPEN, "reopen-reason": "Nieuwe melding"}),
    ],
    "workprocesses:rollouts": [
        get("/werkprocessen/"),
        post("/werkprocessen/", {}),
        # A first day before today, and the day of a planned roll-out again: refused at the field.
        post(
            "/werkprocessen/",
            {"process_version": "{v2}", "organisation": "{police_unit}", "valid_from": "2025-01-01"},
        ),
        post(
            "/werkprocessen/",
            {
                "process_version": "{v2}",
                "organisation": "{police_unit}",
                "valid_from": "{py}-{pm:02d}-{pd:02d}",
            },
        ),
    ],
    # Without a reason: the page with the error at the planned roll-out's form.
    "workprocesses:rollout-withdraw": [post("/werkprocessen/{planned}/intrekken/", {})],
    "screening:queue": [
        get("/screening/"),
        get("/screening/?urgency=high&owner=nobody&overdue=on"),
        get("/screening/?near=on"),
    ],
    "screening:queue-assign": [post("/screening/overdragen/", {})],
    "screening:take": [post("/zaken/{screening}/nemen/", {})],
    "screening:screening-new": [
        get("/zaken/{screening}/screening/"),
        get("/zaken/{screening}/screening/?instrument=ex_partner_stalking_open"),
        post("/zaken/{screening}/screening/", {"action": "preview"}),  # nothing answered
    ],
    "screening:screening-second": [
        post("/zaken/{screening}/screening/{screening_id}/tweede/", {"decision": "x"}),
        # Declined without a reason: the case page says what is missing.
        Visit(
            "/zaken/{screening}/screening/{screening_id}/tweede/",
            "POST",
            {"decision": "decline", "reason": ""},
            follow=True,
        ),
    ],
    "veiligthuis:inbox": [
        get("/veiligthuis/"),
        get("/veiligthuis/?radar=re&owner=nobody&acute=on&overdue=on"),
        get("/veiligthuis/?near=on"),
    ],
    "veiligthuis:timeliness": [
        get("/veiligthuis/tijdigheid/"),
        get("/veiligthuis/tijdigheid/?regio=alle&weken=52"),
    ],
    "veiligthuis:feedback": [
        get("/veiligthuis/terugkoppeling/"),
        get("/veiligthuis/terugkoppeling/?state=missing&since=2024-01-01"),
        get("/veiligthuis/terugkoppeling/?since=2026-12-01&until=2026-11-01"),
    ],
    "veiligthuis:inbox-hand-over": [
        post("/veiligthuis/overdragen/", {"notifications": "{notification}", "reason": ""}),
    ],
    "veiligthuis:take": [post("/veiligthuis/{notification}/nemen/")],
    "veiligthuis:forward": [post("/veiligthuis/{notification}/doorsturen/", {"reason": ""})],
    "veiligthuis:take-up": [post("/veiligthuis/{notification}/opgepakt/")],
    "measures:list": [get("/maatregelen/"), get("/maatregelen/?alle=1")],
    "measures:detail": [get("/maatregelen/{measure}/"), get("/maatregelen/{broken}/")],
    "measures:extend": [post("/maatregelen/{measure}/verlengen/", {"until": "", "reason": ""})],
    "measures:end": [post("/maatregelen/{measure}/beeindigen/", {"on": "1999-01-01", "reason": "x"})],
    "measures:new": [
        get("/zaken/{screening}/maatregelen/nieuw/"),
        get("/zaken/{screening}/maatregelen/nieuw/?soort=aware_alarm"),
        post("/zaken/{screening}/maatregelen/nieuw/", {"kind": "restraining_order", "area_postcodes": "56"}),
    ],
    "workprocesses:alerts": [get("/waarschuwingen/"), get("/waarschuwingen/?gelezen=1")],
    "workprocesses:alert-read": [post("/waarschuwingen/{alert}/gelezen/")],
    "workprocesses:absences": [
        get("/afwezigheid/"),
        post("/afwezigheid/", {"member": "", "absent_from": "gisteren", "absent_until": "2026-01-01"}),
    ],
    "prosecution:desk": [get("/zsm/"), get("/zsm/?show=closed"), get("/zsm/?show=near")],
    "prosecution:national": [get("/zsm/landelijk/")],
    "prosecution:posts": [get("/zsm/bezetting/"), post("/zsm/bezetting/", {})],
    "prosecution:triage": [post("/zsm/{zsm}/triage/", {"route": "regular", "reason": ""})],
    "prosecution:complaint": [post("/zsm/{zsm}/klacht/", {})],
    "prosecution:request-new": [post("/zsm/{zsm}/verzoek/", {"partner": "probation", "question": ""})],
    "prosecution:order": [
        get("/zsm/{zsm_at_table}/gedragsaanwijzing/"),
        post("/zsm/{zsm_at_table}/gedragsaanwijzing/", {"conditions": "area_ban", "starts_on": "x"}),
    ],
    "prosecution:requests": [get("/verzoeken/"), get("/verzoeken/?toon=beantwoord")],
    "insights:recount": [get("/inzicht/tellen/")],
    "retention:overview": [get("/privacy/bewaartermijnen/")],
    "insights:figures": [
        get("/inzicht/"),
        get("/inzicht/?gebied=police_unit:oost-brabant&jaar=2024&per=week&vergelijk=vt_region"),
        get("/inzicht/?gebied=nergens&jaar=1900"),
    ],
    "accounts:users": [
        get("/beheer/gebruikers/"),
        get("/beheer/gebruikers/?q=warm&organisation=oost-brabant&role=case_screener"),
    ],
    "accounts:user-new": [
        get("/beheer/gebruikers/nieuw/"),
        post("/beheer/gebruikers/nieuw/", {}),
        post(
            "/beheer/gebruikers/nieuw/",
            {
                "username": "warm-screener-lowers",
                "first_name": "Anouk",
                "last_name": "Verbruggen",
                "email": "anouk",
                "organisation": "{police_unit}",
                "roles": "prosecutor",
                "password": "kort",
                "password_again": "anders",
            },
        ),
        post(
            "/beheer/gebruikers/nieuw/",
            {
                "username": "nieuw",
                "first_name": "Anouk",
                "last_name": "Verbruggen",
                "organisation": "{police_unit}",
                "roles": "prosecutor",
                "password": "Kastanjeboom-aan-de-Dommel-7",
                "password_again": "Kastanjeboom-aan-de-Dommel-7",
            },
        ),
        post(
            "/beheer/gebruikers/nieuw/",
            {
                "username": "nieuw",
                "first_name": "Anouk",
                "last_name": "Verbruggen",
                "organisation": "{police_unit}",
                "roles": "case_owner",
                "password": "123456789012",
                "password_again": "123456789012",
            },
        ),
    ],
    "accounts:units": [get("/beheer/eenheden/")],
    "screening:instruments": [get("/beheer/instrumenten/")],
    "accounts:user": [
        get("/beheer/gebruikers/{staff}/"),
        get("/beheer/gebruikers/{staff_left}/"),
        post("/beheer/gebruikers/{staff}/", {"action": "roles", "roles": "prosecutor"}),
        post("/beheer/gebruikers/{staff}/", {"action": "roles"}),
        post(
            "/beheer/gebruikers/{staff}/", {"action": "password", "password": "kort", "password_again": "k"}
        ),
        post("/beheer/gebruikers/{staff}/", {"action": "second_factor"}),
        post("/beheer/gebruikers/{staff}/", {"action": "token", "name": ""}),
        post("/beheer/gebruikers/{staff_left}/", {"action": "token", "name": "feed"}),
        post("/beheer/gebruikers/{staff}/", {"action": "token", "name": "feed"}),
        post("/beheer/gebruikers/{staff}/", {"action": "x"}),
    ],
    # What a user holds, and the reason asked (without one: said at its field; nobody is deactivated here).
    "accounts:user-deactivate": [
        get("/beheer/gebruikers/{holder}/deactiveren/"),
        get("/beheer/gebruikers/{staff}/deactiveren/"),
        post("/beheer/gebruikers/{holder}/deactiveren/", {"reason": ""}),
    ],
    # What a user holds, and the new unit, the day and the reason asked (refused here: nobody moves).
    "accounts:user-move": [
        get("/beheer/gebruikers/{holder}/verplaatsen/"),
        get("/beheer/gebruikers/{staff_left}/verplaatsen/"),
        post(
            "/beheer/gebruikers/{holder}/verplaatsen/",
            {"organisation": "{police_unit}", "on": "2020-01-01", "reason": ""},
        ),
        post("/beheer/gebruikers/{holder}/verplaatsen/", {"organisation": "", "on": "1-2", "reason": "x"}),
    ],
    "prosecution:request": [
        get("/verzoeken/{to_victim_support}/"),
        post("/verzoeken/{to_victim_support}/", {"wishes": "maybe"}),
        get("/verzoeken/{answered}/"),
    ],
}

# Named routes that return no HTML page of ours.
NOT_HTML = {
    "health": "plain text for the load balancer",
    "logout": "redirects",
    "set_language": "redirects",
    "api-v1:openapi-view": "the API's developer documentation (Swagger UI), in English by design",
    "insights:export": "CSV (its Dutch headers are checked in tests/insights/test_pages.py)",
    "second_factor_recovery_codes": "redirects, except once right after a first security key (its page is "
    "the set-up's recovery codes page; tests/signin/test_security_keys.py)",
    "otp_webauthn:credential-registration-begin": "JSON for django-otp-webauthn's script",
    "otp_webauthn:credential-registration-complete": "JSON for django-otp-webauthn's script",
    "otp_webauthn:credential-authentication-begin": "JSON for django-otp-webauthn's script",
    "otp_webauthn:credential-authentication-complete": "JSON for django-otp-webauthn's script",
    "otp_webauthn:js-i18n-catalog": "JavaScript: django-otp-webauthn's own Dutch messages for its script",
}


def test_every_html_route_is_walked() -> None:
    routes = set(_route_names(get_resolver().url_patterns))
    html_routes = {name for name in routes if not name.startswith("api-v1:") or name in NOT_HTML}
    assert html_routes - set(WALK) - set(NOT_HTML) == set(), "HTML pages the Dutch walk does not visit"
    assert set(WALK) | set(NOT_HTML) <= routes, "walk entries for routes that no longer exist"


# -- (a) texts without a Dutch translation --------------------------------------------------------------


class RecordingTranslation:
    """The nl translation, noting every msgid looked up that the nl catalog has no entry for."""

    def __init__(self, real: Any, missing: set[str]) -> None:
        self._real = real
        self._missing = missing

    def _note(self, message: str) -> None:
        if message.strip() and message not in self._real._catalog and message not in _dutch_texts(self._real):
            self._missing.add(message.replace(trans_real.CONTEXT_SEPARATOR, " | "))

    def gettext(self, message: str) -> str:
        self._note(message)
        return str(self._real.gettext(message))

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        if (singular, 0) not in self._real._catalog and singular not in self._real._catalog:
            self._missing.add(singular.replace(trans_real.CONTEXT_SEPARATOR, " | "))
        return str(self._real.ngettext(singular, plural, number))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _dutch_texts(translation: Any) -> set[str]:
    """The catalog's translations: Django translates some texts twice (the language names of
    {% get_available_languages %}), and a text that is already Dutch needs no entry of its own."""
    if not _DUTCH_TEXTS:
        _DUTCH_TEXTS.update(value for _msgid, value in translation._catalog.items() if isinstance(value, str))
    return _DUTCH_TEXTS


_DUTCH_TEXTS: set[str] = set()


@contextmanager
def recording_untranslated(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    missing: set[str] = set()
    real = trans_real.translation("nl")
    monkeypatch.setitem(trans_real._translations, "nl", RecordingTranslation(real, missing))  # type: ignore[attr-defined]
    monkeypatch.setattr(trans_real, "_default", None)
    yield missing


# -- (b), (c), (d): the visible text ---------------------------------------------------------------------

SNAKE_CASE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-])")
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
# One point only: 127.0.0.1 or a version 2026.11.4 is no decimal number.
NUMBER_WITH_POINT = re.compile(r"(?<![\w.,])\d+\.\d+(?![\w.])")
THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")  # 1.234 is a Dutch thousand separator, not a decimal
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The text a user reads: element text (not in script or style) and titles, placeholders, labels."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self._verbatim = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style") or (tag == "code" and ("translate", "no") in attrs):
            self._hidden += 1  # a <code translate="no"> holds data such as a token's prefix, never a text
            self._verbatim += tag == "code"
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)
        if tag == "input" and dict(attrs).get("type") in ("submit", "button") and dict(attrs).get("value"):
            self.parts.append(str(dict(attrs)["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") or (tag == "code" and self._verbatim):
            self._hidden -= 1
            self._verbatim -= tag == "code"

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def text_problems(html: str) -> list[str]:
    problems = []
    for text in visible_text(html):
        problems += [f"code {m!r} in {text!r}" for m in SNAKE_CASE.findall(text)]
        problems += [f"ISO date {m!r} in {text!r}" for m in ISO_DATE.findall(text)]
        problems += [
            f"decimal point {m!r} in {text!r}"
            for m in NUMBER_WITH_POINT.findall(text)
            if not THOUSANDS.fullmatch(m)
        ]
        if text.strip() == "---------":
            problems.append("Django's empty choice '---------' (say what to choose)")
    return problems


def test_the_text_checks_catch_what_they_are_for() -> None:
    bad = "<p>review_item op 1982-06-00, kans 0.831</p><input placeholder='person_search'>"
    assert len(text_problems(bad)) == 4
    assert len(text_problems("<code>kz_d0731</code>")) == 1
    assert len(text_problems('<select><option value="">---------</option></select>')) == 1
    good = '<p title="Zoeken">Op 12-06-1982, juni 1982, kans 0,831, 1.234 keer, PL0600-2024-000123</p>'
    good += "<script>var x_y = '2024-01-01' + 0.5;</script><a href='/a_b/2024-01-01'>ok</a>"
    good += '<code translate="no">kz_d0731</code>'
    assert text_problems(good) == []


# -- the walk --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _world_built(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The world, built once for this file's tests (in a transaction of its own, rolled back after the
    last of them): each test's changes are taken back at its end (`db`), so each meets the world as built."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            ids = _world_build()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield ids
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(db: Any, _world_built: dict[str, int]) -> dict[str, int]:
    return _world_built


def _world_build() -> dict[str, int]:
    """A stalking pattern (signals), a doubtful pair with a partial birth date (a review item, a doubtful
    link on the dossier), and look-ups with a purpose in the access log."""
    take_in("PL-WALK-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in(
        "PL-WALK-2",
        MARCO,
        LOTTE,
        registered_at="2024-03-20T10:00:00+01:00",
        offences=["350"],
        summary="V dreigde A te vermoorden en wachtte haar op bij de deur.",
    )
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        first = register("R1", {**DENNIS, "birth_date": "1986-03-00"})
        second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Ex-partner blijft komen",
        actor=None,
        registrations=[first, second],
    )
    signal = Signal.objects.order_by("pk").first()
    review = ReviewItem.objects.first()
    # The pair's screening case (opened by the intake above): a screening with a lowered level waits for a
    # second person, so the case page shows the trend and the confirmation.
    screening_case = ScreeningCase.objects.select_related("case").get()
    lowered = screening_record(
        case=screening_case.case,
        instrument=InstrumentVersion.objects.filter(code="ex_partner_stalking_open").latest("version"),
        answers=_answers("ex_partner_stalking_open", yes=("threat_to_kill", "weapon", "earlier_violence")),
        level="standard",
        reason="Slachtoffer is verhuisd",
        actor=_user(Role.CASE_SCREENER, "warm-screener-lowers"),
    )
    assert signal is not None and review is not None
    # Both registrations of the pair were notified to Veilig Thuis; the first is found acutely unsafe, which
    # alerts the police (the pair's case has no owner yet: the screeners who work the unit's queue).
    acute, notification = Notification.objects.select_related("case").order_by("received_at")[:2]
    case_take(
        acute.case,
        "declare_acute",
        actor=_user(Role.VT_ASSESSOR, "warm-vt-assessor"),
        expected_version=None,
        values={"acute_actions": "Slachtoffer naar de opvang"},
    )
    assert Alert.objects.filter(kind="vt_acute").exists()
    closed = case_take(
        case_open(
            process="ex_partner_stalking",
            organisation=Organisation.objects.get(code="oost-brabant"),
            title="Per vergissing afgesloten",
            actor=None,
        ),
        "no_further_action",
        actor=_user(Role.CASE_SCREENER, "warm-screener-closes"),
        expected_version=None,
        reason="Geen strafbaar feit",
    )
    # The alert the walk reads as a case owner: one for the owners of a case nobody takes on (the pair's
    # acute alert follows the screener who takes the pair's case in the walk, as it should; the closed case
    # is its screener's, who took its step).
    alert = alert_for_case_owner(
        case_open(
            process="ex_partner_stalking",
            organisation=Organisation.objects.get(code="oost-brabant"),
            title="Nog niet opgepakt",
            actor=None,
        ),
        kind="vt_acute",
        message=VT_ACUTE_MESSAGE,
        fallback_role=Role.CASE_OWNER,
        params={"organisation": acute.organisation.name, "notification": acute.case.reference},
    )
    zsm = _zsm_file()
    ids = {
        "registration": first.pk,
        "person": person_of(second).pk,
        "suspect": person_of(first).pk,
        "signal": signal.pk,
        "review": review.pk,
        "case": case.pk,
        "lock": case.lock_version,
        "screening": screening_case.case_id,
        "screening_id": lowered.pk,
        "notification": notification.case_id,
        "acute": acute.case_id,
        "alert": alert.pk,
        "zsm": zsm.pk,
        "zsm_at_table": _zsm_at_table(),
        "zsm_police": zsm.police_case_id,
        "closed": closed.pk,
        "closed_lock": closed.lock_version,
        "to_victim_support": zsm.requests.get(partner="victim_support").pk,
        "answered": zsm.requests.get(partner="probation").pk,
    }
    # Look-ups by others, so the access log has searches, dossier views, review views and signal views.
    for role in (Role.CASE_SCREENER, Role.FUNCTIONAL_ADMIN):
        client = Client()
        client.force_login(_user(role, f"warm-{role}"))
        client.post("/personen/", {"q": "Linden", **PURPOSE})
        client.post(f"/personen/{ids['person']}/", PURPOSE)
        client.get(f"/personen/{ids['person']}/")
        client.get(f"/koppelingen/beoordelen/{ids['review']}/")
        client.get(f"/signalen/{ids['signal']}/")
        client.get(f"/registraties/{ids['registration']}/")
        client.get(f"/zaken/{ids['case']}/")
    # Restraining orders on the pair's police case: one in March 2024, broken by a registration then (a
    # breach, its alerts), and one in force now.
    pair = screening_case.case.registrations.order_by("pk").first()
    order: dict[str, Any] = {
        "kind": "restraining_order",
        "suspect": person_of(pair, "p1"),
        "protected": [person_of(pair, "p2")],
        "conditions": ["contact_ban", "area_ban"],
        "areas": {"municipalities": ["GM0796"], "postcodes": [["5611", "5616"]]},
        "imposed_by": "mayor",
        "organisation": Organisation.objects.get(code="oost-brabant"),
        "actor": None,
        "police_case": screening_case.case,
    }
    # Registered then: a start more than a year before the day it is registered is refused.
    broken = measure_impose(**order, starts_on=date(2024, 3, 21), at=datetime(2024, 3, 21, 12, 0, tzinfo=UTC))
    take_in("PL-WALK-3", MARCO, LOTTE, registered_at="2024-03-25T22:00:00+01:00", offences=["184a"])
    measure = measure_impose(**order, starts_on=timezone.localdate() - timedelta(days=2))
    ids["measure"], ids["broken"] = measure.pk, broken.pk
    note = {"action": "note", "note-lock_version": case.lock_version, "note-text": "Slachtoffer gebeld"}
    owner = Client()
    owner.force_login(_user(Role.CASE_OWNER, "warm-case-owner"))
    owner.post(f"/zaken/{case.pk}/actie/", note)
    case.refresh_from_db()
    ids["lock"] = case.lock_version
    figures_refresh(years=[2024, timezone.localdate().year])  # the insight desk shows counted figures
    # Two retention runs for the page Bewaartermijnen: yesterday's, which deleted, and today's, refused.
    yesterday = timezone.now() - timedelta(days=1)
    Run.objects.create(
        started_at=yesterday,
        finished_at=yesterday,
        as_of=timezone.localdate(yesterday),
        outcome=Outcome.DONE,
        deleted={"politie/aangifte": 7, "slachtofferhulp/melding": 1},
        held={"politie/aangifte": 2},
        access_log_deleted=12,
    )
    Run.objects.create(
        started_at=timezone.now(),
        finished_at=timezone.now(),
        as_of=timezone.localdate(),
        outcome=Outcome.REFUSED,
        error="Cannot delete some instances of model 'Registration'",
    )
    # Users for the functional administrator's pages: one with an API token in use and one revoked, one
    # deactivated.
    staff = User.objects.get(username="warm-screener-lowers")
    api_token_create(user=staff, name="koppeling meldingen")
    api_token_revoke(api_token_issue(user=staff, name="oude koppeling")[0])
    totp_device_fixed(staff, secret="JBSWY3DPEHPK3PXP")  # a second factor to reset
    recovery_codes_renew(staff)
    left = _user(Role.CASE_OWNER, "warm-left")
    user_set_active(user=left, active=False)
    ids["staff"], ids["staff_left"] = staff.pk, left.pk
    # Someone who owns open cases, for the page that lists them before a deactivation.
    ids["holder"] = (
        Case.objects.filter(closed_at__isnull=True, owner__isnull=False)
        .values_list("owner", flat=True)
        .first()
        or staff.pk
    )
    ids["police_unit"] = Organisation.objects.get(code="oost-brabant").pk
    # A planned roll-out (the page lists it with its withdrawal form).
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    planned = rollout_enable(
        process_version=v2,
        organisation=Organisation.objects.get(code="oost-brabant"),
        valid_from=timezone.localdate() + timedelta(days=20),
        actor=None,
        note="pilot",
    )
    ids["v2"], ids["planned"] = v2.pk, planned.pk
    ids |= {"py": planned.valid_from.year, "pm": planned.valid_from.month, "pd": planned.valid_from.day}
    ids["bg_person"], ids["bg_grant"] = _break_the_glass()
    return ids


def _break_the_glass() -> tuple[int, int]:
    """A victim with reports in Zeeland-West-Brabant (hidden from an Oost-Brabant registrar) and one in
    Oost-Brabant; a registrar broke the glass twice (viewed the whole dossier once), one judged improper."""
    suspect = {"given_names": "Ruud", "surname": "Claassen", "birth_date": "1979-08-14", "sex": "M"}
    victim = {"given_names": "Petra", "surname": "Claassen", "birth_date": "1981-01-22", "sex": "F"}
    take_in(
        "PL0900-WALK-BG",
        suspect,
        victim,
        registered_at="2023-05-11T10:00:00+02:00",
        unit="zeeland-west-brabant",
        municipality="GM0855",
    )
    person = person_of(
        take_in("PL-WALK-BG", suspect, victim, registered_at="2024-06-03T10:00:00+02:00"), "p2"
    )
    registrar = Client()
    registrar.force_login(_user(Role.POLICE_REGISTRAR, "warm-bg-registrar"))
    registrar.post(f"/personen/{person.pk}/", PURPOSE)
    reason = {"reason": "acute dreiging, eerdere meldingen in Tilburg nodig", "confirm": "on"}
    registrar.post(f"/personen/{person.pk}/doorbreken/", reason)
    registrar.get(f"/personen/{person.pk}/")
    judged = BreakGlassAccess.objects.get()
    break_glass_decide(
        judged,
        actor=_user(Role.PRIVACY_OFFICER, "warm-privacy"),
        decision="improper",
        note="geen spoed: een verzoek aan de eenheid was genoeg",
        origin="web",
    )
    pending = break_glass_grant(
        user=judged.user, person_id=person.pk, reason="tweede inzage, rechtszaak morgen", origin="web"
    )
    return person.pk, pending.pk


def _zsm_file() -> Any:
    """A second pair's police case sent to the ZSM table of Oost-Brabant: probation has answered, victim
    support not yet; its prosecutor is the office's DV prosecutor."""
    office = Organisation.objects.get(code="om-oost-brabant")
    post_assign(
        organisation=office, user=_user(Role.PROSECUTOR, "warm-dv-prosecutor"), kind=PostKind.DV_PROSECUTOR
    )
    registration = take_in(
        "PL-WALK-ZSM", BART, ILSE, registered_at="2024-04-02T21:30:00+02:00", offences=["285b", "300"]
    )
    police_case = ScreeningCase.objects.get(opened_by=registration).case
    owner = _user(Role.CASE_OWNER, "warm-zsm-owner")
    police_case = case_take(police_case, "start_screening", actor=owner, expected_version=None)
    police_case = case_take(
        police_case, "screened", actor=owner, expected_version=None, values={"urgency": "high"}
    )
    case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="ZSM-tafel morgen")
    file = ZsmFile.objects.get(police_case=police_case)
    request_answer(
        file.requests.get(partner="probation"),
        actor=_user(Role.PROBATION, "warm-probation"),
        answer={"known": "yes", "supervised": "yes", "conditions": "meldplicht", "advice": "conditions"},
    )
    return file


def _zsm_at_table() -> int:
    """A third pair's file, triaged to settle at the table: the behaviour order can be imposed."""
    registration = take_in(
        "PL-WALK-ZSM-2",
        {"given_names": "Kees", "surname": "Verhagen", "birth_date": "1975-02-11", "sex": "M"},
        {"given_names": "Mieke", "surname": "Verhagen", "birth_date": "1977-10-30", "sex": "F"},
        registered_at="2024-05-07T20:00:00+02:00",
        offences=["285"],
    )
    police_case = ScreeningCase.objects.get(opened_by=registration).case
    owner = _user(Role.CASE_OWNER, "warm-zsm-owner-2")
    for step, values in (("start_screening", {}), ("screened", {"urgency": "normal"})):
        police_case = case_take(police_case, step, actor=owner, expected_version=None, values=values)
    case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="ZSM")
    file = ZsmFile.objects.select_related("case").get(police_case=police_case)
    prosecutor = _user(Role.PROSECUTOR, "warm-zsm-prosecutor-2")
    case_take(file.case, "triage_zsm", actor=prosecutor, expected_version=None)
    return int(file.pk)


def _answers(code: str, yes: tuple[str, ...]) -> dict[str, Any]:
    """Every item of the instrument answered: the named ones yes, the rest no, 0 or the first choice."""
    engine = instrument_of(InstrumentVersion.objects.filter(code=code).latest("version"))
    found: dict[str, Any] = {}
    for item in engine.items:
        if item.answer.value == "yes_no":
            found[item.key] = item.key in yes
        elif item.answer.value == "count":
            found[item.key] = 0
        else:
            found[item.key] = next(iter(item.choices))
    return found


def _user(role: str, username: str, organisation_code: str = "") -> Any:
    organisation = Organisation.objects.get(code=organisation_code or ROLE_ORGANISATION[Role(role)])
    user = user_create(username=username, password=None, organisation=organisation, roles=[role])
    if role == Role.CASE_SCREENER:  # the second factor's code page; the other roles see its set-up page
        totp_device_fixed(user, secret="KETENZICHTWALK22")
        WebAuthnCredential.objects.create(
            user=user, credential_id=username.encode(), public_key=b"walk", aaguid="0" * 32
        )
    if role == Role.PROSECUTOR and username.startswith(("walker", "full")):
        # The walking prosecutor is also the national portfolio holder: the walk sees that page too.
        post_assign(organisation=organisation, user=user, kind=PostKind.NATIONAL_PORTFOLIO)
    return user


def _send(client: Client, visit: Visit, ids: dict[str, int]) -> Any:
    for step in visit.before:
        _send(client, step, ids)
    path = visit.path.format(**ids)
    if visit.method == "POST":
        data = {key: str(value).format(**ids) for key, value in visit.data.items()}
        return client.post(path, data, follow=visit.follow)
    return client.get(path, follow=visit.follow)


def _walk_as(actor: str, world: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What is not Dutch on the pages `actor` reaches (each failure names the actor, page and status)."""
    client = Client()
    if actor != ANONYMOUS:
        client.force_login(_user(actor, f"walker-{actor}"))
    failures: list[str] = []
    shown = 0
    for name, visits in WALK.items():
        for visit in visits:
            with recording_untranslated(monkeypatch) as missing:
                response = _send(client, visit, world)
            monkeypatch.undo()
            if response.status_code in (301, 302) or "text/html" not in response.get("Content-Type", ""):
                continue
            shown += 1
            where = f"{actor}: {visit.method} {visit.path} ({name}, {response.status_code})"
            failures += [f"{where}: no Dutch for {msgid!r}" for msgid in sorted(missing)]
            failures += [f"{where}: {problem}" for problem in text_problems(response.content.decode())]
    return failures if shown else [f"{actor}: no page shown at all"]


@pytest.mark.django_db
def test_every_page_a_role_reaches_is_dutch(world: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every role in turn walks the same world (built once); what one role's walk changes is taken back
    before the next role walks."""
    failures: list[str] = []
    for actor in [ANONYMOUS, *ROLE_ORGANISATION]:
        with transaction.atomic():
            failures += _walk_as(actor, world, monkeypatch)
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


# Veilig Thuis's team lead (the walk's team lead is the police's): a role in another organisation.
VT_TEAM_LEAD = (Role.TEAM_LEAD, "vt-brabant-noordoost")

# Who sees each walked page with content (not a refusal): the walk must not check refusal pages only.
SHOWN_TO: dict[str, Role | tuple[Role, str]] = {
    "home": Role.CASE_SCREENER,
    "second_factor": Role.CASE_SCREENER,
    "second_factor_setup": Role.POLICE_REGISTRAR,
    "second_factor_keys": Role.CASE_SCREENER,
    "intake:new": Role.POLICE_REGISTRAR,
    "intake:person-row": Role.POLICE_REGISTRAR,
    "intake:relation-row": Role.POLICE_REGISTRAR,
    "registrations:list": Role.CASE_SCREENER,
    "registrations:detail": Role.CASE_SCREENER,
    "audit:access-log": Role.PRIVACY_OFFICER,
    "linking:review-list": Role.FUNCTIONAL_ADMIN,
    "linking:review-detail": Role.FUNCTIONAL_ADMIN,
    "linking:review-decisions": Role.FUNCTIONAL_ADMIN,
    "dossiers:search": Role.CASE_SCREENER,
    "dossiers:dossier": Role.CASE_SCREENER,
    "dossiers:break-glass": Role.POLICE_REGISTRAR,
    "dossiers:search-break-glass": Role.POLICE_REGISTRAR,
    "break_glass:list": Role.PRIVACY_OFFICER,
    "break_glass:decide": Role.PRIVACY_OFFICER,
    "patterns:signal-list": Role.CASE_SCREENER,
    "patterns:signal-detail": Role.CASE_SCREENER,
    "patterns:signal-act": Role.CASE_SCREENER,
    "workprocesses:case-list": Role.CASE_SCREENER,
    "workprocesses:case-new": Role.CASE_SCREENER,
    "workprocesses:case-detail": Role.CASE_SCREENER,
    "workprocesses:case-act": Role.CASE_SCREENER,
    "workprocesses:rollouts": Role.FUNCTIONAL_ADMIN,
    "workprocesses:rollout-withdraw": Role.FUNCTIONAL_ADMIN,
    "screening:queue": Role.TEAM_LEAD,
    "screening:queue-assign": Role.TEAM_LEAD,
    "screening:take": Role.CASE_SCREENER,
    "screening:screening-new": Role.CASE_SCREENER,
    "screening:screening-second": Role.CASE_OWNER,
    "veiligthuis:inbox": Role.VT_ASSESSOR,
    "veiligthuis:timeliness": Role.VT_ASSESSOR,
    "veiligthuis:feedback": Role.CHAIN_CONTACT,
    "veiligthuis:inbox-hand-over": VT_TEAM_LEAD,
    "veiligthuis:take": Role.VT_ASSESSOR,
    "veiligthuis:forward": Role.VT_ASSESSOR,
    "veiligthuis:take-up": Role.VT_ASSESSOR,
    "measures:list": Role.CASE_SCREENER,
    "measures:detail": Role.CASE_SCREENER,
    "measures:extend": Role.CASE_OWNER,
    "measures:end": Role.CASE_OWNER,
    "measures:new": Role.CASE_SCREENER,
    "workprocesses:alerts": Role.CASE_OWNER,
    "workprocesses:alert-read": Role.CASE_OWNER,
    "workprocesses:absences": Role.TEAM_LEAD,
    "prosecution:desk": Role.PROSECUTOR,
    "prosecution:national": Role.PROSECUTOR,
    "prosecution:posts": Role.PROSECUTOR,
    "prosecution:triage": Role.PROSECUTOR,
    "prosecution:complaint": Role.PROSECUTOR,
    "prosecution:request-new": Role.PROSECUTOR,
    "prosecution:order": Role.PROSECUTOR,
    "prosecution:requests": Role.VICTIM_SUPPORT,
    "prosecution:request": Role.VICTIM_SUPPORT,
    "insights:figures": Role.NATIONAL_ANALYST,
    "insights:recount": Role.FUNCTIONAL_ADMIN,
    "retention:overview": Role.PRIVACY_OFFICER,
    "accounts:users": Role.FUNCTIONAL_ADMIN,
    "accounts:user-new": Role.FUNCTIONAL_ADMIN,
    "accounts:user": Role.FUNCTIONAL_ADMIN,
    "accounts:user-deactivate": Role.FUNCTIONAL_ADMIN,
    "accounts:user-move": Role.FUNCTIONAL_ADMIN,
    "accounts:units": Role.FUNCTIONAL_ADMIN,
    "screening:instruments": Role.FUNCTIONAL_ADMIN,
}
# Routes that only act and send the user back to a page (their messages are checked on that page).
ACT_AND_RETURN = {
    "screening:take",
    "screening:screening-second",
    "veiligthuis:take",
    "veiligthuis:forward",
    "veiligthuis:take-up",
    "workprocesses:alert-read",
}  # a refused form of the ZSM file's panel answers 422 with the file's page, as every refused form


def test_the_walk_sees_the_data(world: dict[str, int]) -> None:
    """The walk is only worth something if its pages are shown and full: lists with rows, the dossier with
    its doubtful link, the access log with purposes."""
    assert set(SHOWN_TO) | {"login"} == set(WALK)
    assert Client().get("/accounts/login/").status_code == 200
    clients: dict[str, Client] = {}
    for name, shown_to in SHOWN_TO.items():
        role, organisation = shown_to if isinstance(shown_to, tuple) else (shown_to, "")
        key = f"{role}-{organisation}" if organisation else str(role)
        if key not in clients:
            clients[key] = Client()
            clients[key].force_login(_user(role, f"full-{key}", organisation))
        statuses = [_send(clients[key], visit, world).status_code for visit in WALK[name]]
        shown = {302} if name in ACT_AND_RETURN else {200, 409, 422}
        assert shown & set(statuses), f"{name}: {statuses}"
    screener, privacy = clients[Role.CASE_SCREENER], clients[Role.PRIVACY_OFFICER]
    assert "Hendriks" in screener.get("/signalen/").content.decode()
    assert "PL-WALK-1" in screener.get("/registraties/").content.decode()
    broken = screener.get(f"/maatregelen/{world['broken']}/").content.decode()
    assert 'data-testid="breaches"' in broken and "PL-WALK-3" in broken
    assert 'data-testid="measures-panel"' in screener.get(f"/zaken/{world['screening']}/").content.decode()
    assert "R2" in clients[Role.FUNCTIONAL_ADMIN].get("/koppelingen/beoordelen/").content.decode()
    users = clients[Role.FUNCTIONAL_ADMIN].get("/beheer/gebruikers/").content.decode()
    assert "warm-left" in users and "utrecht-status-badge--warning" in users
    staff = clients[Role.FUNCTIONAL_ADMIN].get(f"/beheer/gebruikers/{world['staff']}/").content.decode()
    assert staff.count('data-testid="token-row"') >= 2  # the one in use, the revoked one (and the walk's)
    assert staff.count('data-testid="unit-period"') == 1 and 'data-testid="move"' in staff
    screener.post(f"/personen/{world['person']}/", PURPOSE)
    assert 'data-testid="doubtful-link"' in screener.get(f"/personen/{world['person']}/").content.decode()
    doorbraken = privacy.get("/privacy/doorbraken/").content.decode()
    assert "rechtszaak morgen" in doorbraken and "PL0900-WALK-BG" in doorbraken and "Petra" not in doorbraken
    retention = privacy.get("/privacy/bewaartermijnen/").content.decode()
    assert (
        retention.count('data-testid="retention-run"') == 2 and 'data-testid="retention-refused"' in retention
    )
    log = privacy.get("/toegangslog/").content.decode()
    assert "beoordeling van persoonskoppelingen" in log and "Casusregie: casusoverleg" in log
