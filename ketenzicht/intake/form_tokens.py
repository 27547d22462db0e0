"""The registration form's one-time token and its reference (Kenmerk), kept in the server-side session.

Every empty form gets a token and a fresh reference in the unit's numbering of the register (the next
number, reserved for it: `new_reference`), and its address carries
the token (`/registraties/nieuw/?formulier=<token>`). A browser that goes Back to the form after storing it
loads that address again (the answer to the form's POST took the page out of its cache), and the form
comes back with the same token and the same reference, while the browser fills in again what was typed.
Sent again, it finds the registration stored with that token (`FormSubmission`) and stores nothing new.
Before, the empty form's address was always the same and every load of it made a new reference: Back gave a
new reference with the old content, and storing it made a second registration."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.utils import timezone

from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.registrations.services import reference_reserve

SESSION_KEY = "intake_forms"  # token -> reference, the latest forms issued in this session
KEEP = 20  # forms open at once in one session (tabs, forms left unfinished): the oldest is forgotten
TOKEN_PARAM = "formulier"  # the token in the form's address
TOKEN_FIELD = "form_token"  # the token in the form's fields
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_reference(unit: Organisation | None) -> str:
    """A fresh reference in the register's numbering of the unit ("PL0600-2026-000012": its prefix from the
    reference data, the year, a number of its own), reserved now: no other form gets it
    (`registrations.services.reference_reserve`). A user without an organisation (none registers) gets
    one of the "KZ" series."""
    prefix = unit.reference_prefix if unit is not None else ""
    source = unit.kind if unit is not None and unit.kind != OrganisationKind.POLITIE else "politie"
    return reference_reserve(source=source, prefix=prefix or "KZ", year=timezone.localdate().year)


def token_valid(token: object) -> bool:
    return isinstance(token, str) and bool(_TOKEN.match(token))


def form_issue(session: Any, unit: Organisation | None) -> str:
    """A new form: its token, with a fresh reference kept beside it in `session`."""
    token = secrets.token_urlsafe(16)
    forms = dict(session.get(SESSION_KEY) or {})
    forms[token] = new_reference(unit)
    session[SESSION_KEY] = dict(list(forms.items())[-KEEP:])
    return token


def form_reference(session: Any, token: object) -> str | None:
    """The reference the form of `token` was issued with in this session; None for a token it did not
    issue (another session's, or forgotten)."""
    if not token_valid(token):
        return None
    reference = (session.get(SESSION_KEY) or {}).get(token)
    return reference if isinstance(reference, str) else None
