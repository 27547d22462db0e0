"""The names and texts the parts of the desk's services share: the process and hand-off kinds, the
alerts' and history lines' texts (marked for translation, translated when shown)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

PROCESS = "vt_safety_assessment"
HANDOFF_KIND = "veilig_thuis"
DISCLOSURE_PURPOSE = "veilig_thuis_notification"

ACUTE_MESSAGE = gettext_noop(
    "Case %(case)s: %(organisation)s found acute unsafety in its notification %(notification)s. Act now."
)
NO_FEEDBACK_MESSAGE = gettext_noop(
    "Case %(case)s: no feedback from %(organisation)s on notification %(notification)s within the "
    "protocol's term (%(due)s)."
)
RISING_RISK_MESSAGE = gettext_noop(
    "Notification %(notification)s: a new police registration of %(when)s names a person of it during your "
    "involvement (%(why)s)."
)
NO_FEEDBACK_KIND = "vt_no_feedback"
FEEDBACK_NOTE = gettext_noop("Feedback from %(organisation)s on notification %(notification)s: %(feedback)s.")
FEEDBACK_KIND = "vt_feedback"
FEEDBACK_MESSAGE = gettext_noop(
    "Case %(case)s: feedback from %(organisation)s on notification %(notification)s: %(feedback)s."
)
# The name under which the feedback's line says how its note reads in the reader's language (apps.py).
FEEDBACK_WORDS = "vt_feedback"


# What the police case is told of a safety assessment: these fields of its case, as a step recorded them.
TOLD = ("unsafety", "outcome", "safety_conditions")
# In a notification's `told`: since when it has its police case, when one joined it later (a registration of
# its pair, a police hand-off), ISO time: what was not told yet is told then, not dated before it.
SINCE = "since"

# The history lines of a hand-off on the notification's side, and of Veilig Thuis taking it up.
HANDOFF_RECEIVED = gettext_noop("hand-off from the police received")
HANDOFF_TAKEN_UP = gettext_noop("hand-off from the police taken up")
TAKES_OVER_NOTE = gettext_noop(
    "Takes over notification %(notification)s of this registration, which waited past its term (%(due)s) "
    "without a safety assessment."
)
TAKEN_OVER_NOTE = gettext_noop(
    "The police handed this registration over again (police case %(police_case)s) while this notification "
    "still waited past its term for its safety assessment: notification %(notification)s takes it over."
)
# On the police case: a notification that no feedback will come from, and why.
POLICE_TAKEN_OVER_NOTE = gettext_noop(
    "Notification %(old)s of %(organisation)s waited past its term without a safety assessment and is taken "
    "over by the new notification %(notification)s: the feedback comes on that one."
)
POLICE_TAKEN_OVER_LINE = gettext_noop("notification of Veilig Thuis taken over")
# On the police case: its notification reopened, or forwarded to the Veilig Thuis of another region (a line
# in its history, and an alert while it is open, as the feedback gets).
POLICE_REOPENED_NOTE = gettext_noop(
    "%(organisation)s reopened notification %(notification)s: its safety assessment goes on, and what "
    "changes is fed back."
)
POLICE_REOPENED_LINE = gettext_noop("notification of Veilig Thuis reopened")
REOPENED_KIND = "vt_reopened"
REOPENED_MESSAGE = gettext_noop("Case %(case)s: %(organisation)s reopened notification %(notification)s.")
POLICE_FORWARDED_NOTE = gettext_noop(
    "%(organisation)s forwarded notification %(notification)s to %(to)s (notification %(new)s): the feedback "
    "comes from there."
)
POLICE_FORWARDED_LINE = gettext_noop("notification of Veilig Thuis forwarded")
FORWARDED_KIND = "vt_forwarded"
FORWARDED_MESSAGE = gettext_noop(
    "Case %(case)s: %(organisation)s forwarded notification %(notification)s to %(to)s (notification "
    "%(new)s)."
)
TAKES_OVER_MESSAGE = gettext_noop(
    "Notification %(notification)s: a new hand-off from the police (police case %(police_case)s). It takes "
    "over notification %(old)s, which waited past its term without a safety assessment."
)
TAKEN_OVER_BY_REGISTRATION_NOTE = gettext_noop(
    "A new police registration names the suspect and the victim of this notification while it still waited "
    "past its term for its safety assessment: notification %(notification)s takes it over."
)
TAKES_OVER_BY_REGISTRATION_MESSAGE = gettext_noop(
    "Notification %(notification)s: a new police registration about the suspect and the victim of "
    "notification %(old)s, which waited past its term without a safety assessment. It takes that one over."
)
# The alerts that tell the assessors new information from the police came (a hand-off joined a notification,
# or a new one took an old one over): settled once someone of the Veilig Thuis takes it up (`taken_up`).
HANDOFF_JOINED_KIND = "vt_handoff_joined"
HANDOFF_TAKES_OVER_KIND = "vt_handoff_takes_over"
HANDOFF_ALERT_KINDS = (HANDOFF_JOINED_KIND, HANDOFF_TAKES_OVER_KIND)
# A new police registration during the involvement (`opening`) is for the assessment still to make: once
# the notification closes, it and the hand-off's alerts are settled (`alerts_settled_on_close_register`).
RISING_RISK_KIND = "vt_rising_risk"
OPEN_WORK_ALERT_KINDS = (*HANDOFF_ALERT_KINDS, RISING_RISK_KIND)
JOINED_MESSAGE = gettext_noop(
    "Notification %(notification)s: new information from the police (police case %(police_case)s). See what "
    "was handed over on the notification."
)
