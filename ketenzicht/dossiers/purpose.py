"""The purpose of a look-up: a registration the user works on, or a reason from the list plus free text.

No search and no dossier without one; it goes into the access log with every search and every view. A link
from a page the user may see carries its purpose: the dossier of a signal's suspect or victim opens with the
signal as its purpose (`purpose_for_signal`), that of a case's person with the case (`purpose_for_case`).
Under a purpose, police screeners and case owners see the police registrations of every unit (the sharing
rules' `needs_purpose`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from ketenzicht.audit.access import NotVisible
from ketenzicht.audit.selectors import AUDIT_READER_ROLES
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.patterns.labels import rule_label
from ketenzicht.patterns.selectors import signal_get_for_user
from ketenzicht.registrations.models import Registration, Source
from ketenzicht.registrations.sharing import visibility_filter
from ketenzicht.workprocesses.purpose import case_for_purpose, case_purpose_log

PERSON_PARAM = "persoon"  # on a registration link from a dossier: read under the dossier's purpose
MIN_TEXT = 10  # characters of free text a reason from the list needs
MAX_TEXT = 500


class PurposeReason(models.TextChoices):
    REGISTRATION = "registration", _("A registration I work on")
    SCREENING = "screening", _("Screening a report")
    CASE_MANAGEMENT = "case_management", _("Case management")
    RISK_ASSESSMENT = "risk_assessment", _("Risk assessment")
    CHAIN_CONSULTATION = "chain_consultation", _("Chain consultation (ZSM, Zorg- en Veiligheidshuis)")
    PRIVACY_AUDIT = "privacy_audit", _("Privacy supervision of look-ups")
    CASE = "case", _("A case I work on")  # only from the case's own page: the link names the case


# Reasons a user may pick from the list (a case is the purpose only through a link from its page).
LISTED_REASONS = [(value, label) for value, label in PurposeReason.choices if value != PurposeReason.CASE]


def reasons_for(user: User) -> list[tuple[str, Any]]:
    """The reasons this user may state: privacy supervision only for those who audit look-ups."""
    audits = user.has_role(*AUDIT_READER_ROLES)
    return [
        (value, label) for value, label in LISTED_REASONS if audits or value != PurposeReason.PRIVACY_AUDIT
    ]


class PurposeInvalid(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Purpose:
    reason: str
    text: str = ""
    registration_id: int | None = None
    registration_label: str = ""  # "politie:PL0600-2024-000123"
    signal_id: int | None = None  # the pattern signal the user works on, when the purpose came from it
    case_id: int | None = None  # the case the user works on (reason CASE)
    case_label: str = ""  # its reference

    def for_log(self) -> str:
        if self.reason == PurposeReason.CASE:
            return case_purpose_log(self.case_label, self.text)
        if self.reason == PurposeReason.REGISTRATION:
            return f"registration {self.registration_label}" + (f": {self.text}" if self.text else "")
        return f"{self.reason}: {self.text}"

    def detail(self) -> dict[str, Any]:
        found = {"reason": self.reason, "registration_id": self.registration_id}
        if self.case_id is not None:
            found["case_id"] = self.case_id
        return found | ({"signal_id": self.signal_id} if self.signal_id is not None else {})

    @property
    def label(self) -> str:
        return str(PurposeReason(self.reason).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "text": self.text,
            "registration_id": self.registration_id,
            "registration_label": self.registration_label,
            "signal_id": self.signal_id,
            "case_id": self.case_id,
            "case_label": self.case_label,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Purpose | None:
        if not isinstance(data, dict) or data.get("reason") not in PurposeReason.values:
            return None
        return cls(
            reason=data["reason"],
            text=str(data.get("text") or ""),
            registration_id=data.get("registration_id"),
            registration_label=str(data.get("registration_label") or ""),
            signal_id=data["signal_id"] if isinstance(data.get("signal_id"), int) else None,
            case_id=data["case_id"] if isinstance(data.get("case_id"), int) else None,
            case_label=str(data.get("case_label") or ""),
        )


def purpose_make(*, user: User, reason: str | None, text: str | None, registration: str | None) -> Purpose:
    """Check a stated purpose. Raises PurposeInvalid naming the field at fault."""
    text = " ".join((text or "").split())
    reference = (registration or "").strip()
    if len(text) > MAX_TEXT:
        raise PurposeInvalid("purpose_text", gettext_noop("at most 500 characters"))  # MAX_TEXT
    if not reason and reference:
        reason = PurposeReason.REGISTRATION
    if not reason:
        raise PurposeInvalid("purpose_reason", gettext_noop("state the purpose of this look-up"))
    if reason not in dict(LISTED_REASONS):
        raise PurposeInvalid("purpose_reason", gettext_noop("not a purpose from the list"))
    if reason == PurposeReason.REGISTRATION:
        if not reference:
            raise PurposeInvalid(
                "purpose_registration", gettext_noop("give the reference of the registration you work on")
            )
        found = _registration_for(user, reference)
        if found is None:
            raise PurposeInvalid(
                "purpose_registration", gettext_noop("no registration with this reference that you may see")
            )
        return Purpose(reason, text, found.pk, f"{found.source}:{found.reference}")
    if reason == PurposeReason.PRIVACY_AUDIT and not user.has_role(*AUDIT_READER_ROLES):
        raise PurposeInvalid(
            "purpose_reason", gettext_noop("only a privacy officer or functional administrator audits")
        )
    if len(text) < MIN_TEXT:
        raise PurposeInvalid(
            "purpose_text", gettext_noop("explain the purpose in at least 10 characters")
        )  # MIN_TEXT
    return Purpose(reason, text)


def _registration_for(user: User, reference: str) -> Registration | None:
    condition = visibility_filter(user)
    if condition is None:
        return None
    visible = Registration.objects.filter(condition).only("pk", "source", "reference")
    source, sep, rest = reference.partition(":")
    if sep and source in Source.values:
        return visible.filter(source=source, reference=rest).first()
    matches = list(visible.filter(reference=reference)[:2])
    return matches[0] if len(matches) == 1 else None


def purpose_for_signal(*, user: User, signal_id: int, person_id: int) -> Purpose | None:
    """The purpose a signal's link to the dossier of its suspect or victim carries: working that signal.
    None unless the user may open the signal and the person is its suspect or victim (a made-up link
    carries no purpose)."""
    try:
        signal = signal_get_for_user(user=user, pk=signal_id)
    except NotVisible:
        return None
    if person_id not in (signal.suspect_id, signal.victim_id):
        return None
    reason = PurposeReason.SCREENING if user.has_role(Role.CASE_SCREENER) else PurposeReason.CASE_MANAGEMENT
    text = gettext("pattern signal %(id)s: %(rule)s") % {"id": signal.pk, "rule": rule_label(signal.rule)}
    return Purpose(reason, text, signal_id=signal.pk)


def purpose_for_case(*, user: User, case_id: int, person_id: int) -> Purpose | None:
    """The purpose a case page's link to the dossier of one of its persons carries: working that case.
    None unless the user may open the case and the person is one of its persons (a made-up link carries
    no purpose)."""
    case = case_for_purpose(user=user, case_id=case_id)
    if case is None or not case.persons.filter(pk=person_id).exists():
        return None
    return Purpose(PurposeReason.CASE, case_id=case.pk, case_label=case.reference)
