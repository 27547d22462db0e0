"""Notifications to Veilig Thuis: routed from intake and from the screening desk's hand-off, forwarded to
another region, kept in step with their safety-assessment case, and the chain protocol's alerts.

A notification is opened in the caller's transaction: a kernel case of the Veilig Thuis organisation
(process `vt_safety_assessment`), the desk's row with its radar class, and a disclosure of the notified
registration to that organisation (the sharing rules' `disclosed` scope: Veilig Thuis sees the registration
it was notified of, and nothing else of the police's).

The services are split by meaning: `names` (shared names and texts), `facts` (reading registrations),
`radar`, `opening` (routing from intake, joining, the batch rebuild), `takeover` (a notification that waited
past its term), `handoff` (the screening desk's hand-off and taking it up), `forwarding` (to another region),
`reassign` (a team lead's hand-over of notifications to a colleague) and `feedback` (in step with the
case, feedback to the police, the protocol's alerts). This module names what the rest of the application
uses."""

from .facts import registration_facts
from .feedback import feedback_text, protocol_check, refuse_reopen, sync_notification
from .forwarding import ForwardRefused, notification_forward
from .handoff import (
    HandoffTarget,
    handoff_target,
    notification_from_handoff,
    notification_take_up,
    on_handoff,
)
from .names import (
    ACUTE_MESSAGE,
    DISCLOSURE_PURPOSE,
    FEEDBACK_KIND,
    FEEDBACK_WORDS,
    HANDOFF_KIND,
    OPEN_WORK_ALERT_KINDS,
    PROCESS,
    TAKEN_OVER_BY_REGISTRATION_NOTE,
    TOLD,
)
from .opening import notification_open, notifications_rebuild, notifications_route
from .radar import radar_rebuild
from .reassign import notifications_hand_over
from .takeover import being_worked, takeover_from

__all__ = [
    "ACUTE_MESSAGE",
    "DISCLOSURE_PURPOSE",
    "FEEDBACK_KIND",
    "FEEDBACK_WORDS",
    "HANDOFF_KIND",
    "OPEN_WORK_ALERT_KINDS",
    "PROCESS",
    "TAKEN_OVER_BY_REGISTRATION_NOTE",
    "TOLD",
    "ForwardRefused",
    "HandoffTarget",
    "being_worked",
    "feedback_text",
    "handoff_target",
    "notification_forward",
    "notification_from_handoff",
    "notification_open",
    "notification_take_up",
    "notifications_hand_over",
    "notifications_rebuild",
    "notifications_route",
    "on_handoff",
    "protocol_check",
    "radar_rebuild",
    "refuse_reopen",
    "registration_facts",
    "sync_notification",
    "takeover_from",
]
