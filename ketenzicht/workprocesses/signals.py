"""What the kernel tells the desks above it, without importing them: a desk connects to these in its
AppConfig.ready() (imports point down)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction of every change of a case's state, values or registrations (a step taken,
# values recorded, registrations added), after the case row is saved: sender=Case, case=the case. A desk
# keeps what it derives from the case (e.g. the screening queue's urgency) in step with it here.
case_changed = Signal()

# Sent inside the transaction of a step that hands the case to another desk (a transition with `handoff:`),
# after the hand-off row is stored: sender=Handoff, handoff=the row, actor=the user who took the step. The
# desk that picks such hand-offs up (e.g. Veilig Thuis for "veilig_thuis") routes it here.
handoff_created = Signal()
