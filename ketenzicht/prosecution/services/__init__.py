"""The ZSM file: opened from the police's hand-off at the district office that serves the municipality where
it happened, routed to that office's prosecutor for domestic violence and stalking (the substitute when
absent), assembled from the chain partners' answers, triaged and decided. Decisions feed back to the police
case and Veilig Thuis in prosecution/feedback.py.

The file is opened in the caller's transaction: a kernel case of the district office (process `zsm_file`),
the desk's row, a disclosure of the police case's registrations to the office (the sharing rules' `disclosed`
scope), and a request to victim support and one to probation.

The services are split by meaning: `names` (shared kinds, texts and the refusal), `opening`, `absence` (an
absent prosecutor's files), `triage`, `requests` (the partners' and Veilig Thuis's information), `complaint`
and `order` (the behaviour order). This module names what the rest of the application uses."""

from .absence import (
    AbsenceOutcome,
    absence_record,
    absent_owners_check,
    on_absence_changed,
    stand_in_for_leaving,
)
from .complaint import complaint_record
from .names import (
    ANSWER_LINES,
    ANSWERED_MESSAGE,
    ANSWERED_MESSAGE_STAND_IN,
    COMPLAINT_BEFORE_OPENED,
    COMPLAINT_BEFORE_REGISTRATION,
    COMPLAINT_LATE_NOTE,
    COMPLAINT_LINE,
    DISCLOSURE_PURPOSE,
    HANDED_TO_STAND_IN,
    HANDOFF_KIND,
    JOINED_MESSAGE,
    JOINED_NOTE,
    JOINED_NOTE_BARE,
    LATE_MESSAGE,
    LATE_MESSAGE_STAND_IN,
    NO_PROSECUTOR_MESSAGE,
    OPEN_WORK_ALERT_KINDS,
    ORDER_PERIOD,
    OWNER_ABSENT_MESSAGE,
    PROCESS,
    REQUEST_LINE,
    ROUTED_MESSAGE,
    ROUTED_PRIMARY,
    ROUTED_SUBSTITUTE,
    STAND_IN_MESSAGE,
    UNATTENDED_LINE,
    VT_INFORMATION_LINE,
    FileRefused,
)
from .opening import complaint_status, district_office_for, file_open, on_handoff
from .order import behaviour_order_impose
from .requests import (
    NOT_GIVEN,
    NOT_KNOWN,
    NOT_REACHED,
    QUESTION_ANSWER,
    REACHED,
    REQUIRED,
    answer_refusals,
    request_add,
    request_answer,
    requests_check,
    vt_information_record,
)
from .triage import triage_choose, triage_for_reader, triage_refresh, triages_check

__all__ = [
    "ANSWERED_MESSAGE",
    "ANSWERED_MESSAGE_STAND_IN",
    "ANSWER_LINES",
    "COMPLAINT_BEFORE_OPENED",
    "COMPLAINT_BEFORE_REGISTRATION",
    "COMPLAINT_LATE_NOTE",
    "COMPLAINT_LINE",
    "DISCLOSURE_PURPOSE",
    "HANDED_TO_STAND_IN",
    "HANDOFF_KIND",
    "JOINED_MESSAGE",
    "JOINED_NOTE",
    "JOINED_NOTE_BARE",
    "LATE_MESSAGE",
    "LATE_MESSAGE_STAND_IN",
    "NOT_GIVEN",
    "NOT_KNOWN",
    "NOT_REACHED",
    "NO_PROSECUTOR_MESSAGE",
    "OPEN_WORK_ALERT_KINDS",
    "ORDER_PERIOD",
    "OWNER_ABSENT_MESSAGE",
    "PROCESS",
    "QUESTION_ANSWER",
    "REACHED",
    "REQUEST_LINE",
    "REQUIRED",
    "ROUTED_MESSAGE",
    "ROUTED_PRIMARY",
    "ROUTED_SUBSTITUTE",
    "STAND_IN_MESSAGE",
    "UNATTENDED_LINE",
    "VT_INFORMATION_LINE",
    "AbsenceOutcome",
    "FileRefused",
    "absence_record",
    "absent_owners_check",
    "answer_refusals",
    "behaviour_order_impose",
    "complaint_record",
    "complaint_status",
    "district_office_for",
    "file_open",
    "on_absence_changed",
    "on_handoff",
    "request_add",
    "request_answer",
    "requests_check",
    "stand_in_for_leaving",
    "triage_choose",
    "triage_for_reader",
    "triage_refresh",
    "triages_check",
    "vt_information_record",
]
