"""The names, texts and refusal the parts of the ZSM file's services share: the process and hand-off
kinds, the alerts' and history lines' texts (marked for translation, translated when shown)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext, gettext_noop

from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.ui import formats

from ..models import Partner, Side

PROCESS = "zsm_file"
HANDOFF_KIND = "zsm"
DISCLOSURE_PURPOSE = "zsm_file"

# The file's alerts whose reason is its open work (nobody has it, it is yours, new information came in, it
# is complete, a partner is late): settled when the file is finally decided (the kernel's
# `alerts_settled_on_close_register`, apps.py).
OPEN_WORK_ALERT_KINDS = (
    "zsm_unrouted",
    "zsm_routed",
    "zsm_stand_in",
    "zsm_joined",
    "zsm_answered",
    "zsm_request_late",
)

NO_PROSECUTOR_MESSAGE = gettext_noop(
    "ZSM file %(case)s: neither the prosecutor for domestic violence and stalking nor the substitute is "
    "present. Take it on."
)
ROUTED_MESSAGE = gettext_noop("ZSM file %(case)s was routed to you (%(why)s).")
ANSWERED_MESSAGE = gettext_noop(
    "ZSM file %(case)s: every chain partner has answered. The file is ready for triage and decision."
)
LATE_MESSAGE = gettext_noop(
    "ZSM file %(case)s: %(partner)s did not answer the request within its term (%(due)s)."
)
# The same alerts to whoever stands in while the prosecutor they are meant for is recorded absent.
ANSWERED_MESSAGE_STAND_IN = gettext_noop(
    "ZSM file %(case)s: every chain partner has answered. The file is ready for triage and decision. This "
    "reaches you as stand-in for %(absent)s, who is absent."
)
LATE_MESSAGE_STAND_IN = gettext_noop(
    "ZSM file %(case)s: %(partner)s did not answer the request within its term (%(due)s). This reaches you "
    "as stand-in: the ZSM coordinator (%(absent)s) is absent."
)
# An open file whose prosecutor is recorded absent goes to whoever stands in (and stays there): the alert to
# the stand-in, or with nobody present the one to the office's prosecutors.
STAND_IN_MESSAGE = gettext_noop(
    "ZSM file %(case)s was handed to you as stand-in: its prosecutor, %(absent)s, is absent. It stays with "
    "you when they return."
)
OWNER_ABSENT_MESSAGE = gettext_noop(
    "ZSM file %(case)s: its prosecutor, %(absent)s, is absent, and neither the prosecutor for domestic "
    "violence and stalking nor the substitute is present. Take it on."
)
# A hand-off of a police case whose file is open joins that file: the alert to its prosecutor, and the
# note of its history line (a record, in the installation's language).
JOINED_MESSAGE = gettext_noop(
    "New information from the police (police case %(police_case)s) joined ZSM file %(case)s. Look at it "
    "before you decide."
)
JOINED_NOTE = gettext_noop("police case %(police_case)s: %(reason)s")
JOINED_NOTE_BARE = gettext_noop("police case %(police_case)s")
ROUTED_PRIMARY = gettext_noop("prosecutor for domestic violence and stalking")
ROUTED_SUBSTITUTE = gettext_noop("substitute: the prosecutor for domestic violence and stalking is absent")
HANDED_TO_STAND_IN = gettext_noop("to the stand-in: the file's prosecutor, %(absent)s, is absent")

# Lines of a file's history and values of its case: records, written in the installation's language.
COMPLAINT_LATE_NOTE = gettext_noop("complaint after its term (%(due)s)")
ORDER_PERIOD = gettext_noop("%(start)s up to and including %(end)s (%(measure)s)")

# What the ZSM file's history calls these lines (translated when shown).
REQUEST_LINE = gettext_noop("information requested from a partner")
COMPLAINT_LINE = gettext_noop("complaint recorded")
VT_INFORMATION_LINE = gettext_noop("information from Veilig Thuis received")
UNATTENDED_LINE = gettext_noop("prosecutor absent, nobody present to take the file over")
# A partner's answer, one line per answer: that it came, not what it says (the file's panel shows the
# answers to whoever may read them; the history names no more than the partner).
ANSWER_LINES = {
    Partner.VICTIM_SUPPORT.value: gettext_noop("answer from victim support received"),
    Partner.PROBATION.value: gettext_noop("answer from probation received"),
}


PARTNERS: dict[
    str, tuple[str, str]
] = {  # keyed by the partner's code  # partner -> (organisation kind, side)
    Partner.VICTIM_SUPPORT.value: (OrganisationKind.SLACHTOFFERHULP, Side.VICTIM),
    Partner.PROBATION.value: (OrganisationKind.RECLASSERING, Side.SUSPECT),
}


# A complaint dated before the file's start (`complaint_record`), by what the start is known from.
COMPLAINT_BEFORE_REGISTRATION = gettext_noop(
    "the complaint cannot be from before %(day)s: the earliest incident of this file's registrations "
    "happened that day"
)
COMPLAINT_BEFORE_OPENED = gettext_noop(
    "the complaint cannot be from before %(day)s: this file was opened on that day"
)


class FileRefused(Exception):
    """A desk action the file does not allow now; `field` names what to fix (for the form), `message` why
    (English, with %(name)s placeholders filled from `params`, a date shown as dd-mm-yyyy)."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        self.field = field
        self.message = message
        self.params = params
        super().__init__(f"{field}: {message % params if params else message}")

    def text(self) -> str:
        """The message in the active language."""
        shown = {
            key: formats.date(value) if isinstance(value, date) else value
            for key, value in self.params.items()
        }
        return gettext(self.message) % shown if shown else gettext(self.message)
