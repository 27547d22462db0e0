"""What the kernel tells the desks above it, without importing them: a desk connects to these in its
AppConfig.ready() (imports point down)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction of every change of a case's state, values, registrations or owner (a step
# taken, values recorded, registrations added, a case taken on or handed over, a proposal that made its
# proposer the owner of a case nobody owned), after the case row is saved:
# sender=Case, case=the case. A desk keeps what it derives from the case (e.g. the screening queue's urgency,
# the prosecutor a ZSM file names) in step with it here.
case_changed = Signal()

# Sent inside the transaction of a step that hands the case to another desk (a transition with `handoff:`),
# after the hand-off row is stored: sender=Handoff, handoff=the row, actor=the user who took the step. The
# desk that picks such hand-offs up (e.g. Veilig Thuis for "veilig_thuis") routes it here.
handoff_created = Signal()

# Sent inside the transaction of a reopen (`case_reopen`), after the kernel's own checks and before anything
# is stored: sender=Case, case=the closed case (locked), to_state=the state it goes back to. A desk that
# keeps a rule of its own about open cases (the screening desk: one open case per pair in a unit; Veilig
# Thuis: one open notification per registration) raises `engine.machine.Refused` here when the reopen would
# break it, e.g. Refused("open_case", <the reference of the open case to work on in>); the whole reopen is
# then refused and nothing is stored.
case_reopening = Signal()

# Sent inside the transaction of a step about to be taken (`case_take`), after the kernel's own checks and
# before anything is stored: sender=Case, case=the case (locked), transition=the step's name, values=what the
# step would record (with what its `sets:` gives), reason=the reason given, actor=the user. A desk that keeps
# a rule of its own about a step's values (the ZSM desk: no dismissal for want of a complaint that is on file)
# raises `engine.machine.Refused("desk", <the field to fix>, said=<its words, in the user's language>)`: the
# step is refused, nothing is stored, and the case page marks that field with those words. A receiver may
# return a dict: it joins the detail of the step's history line (what the step was taken with, e.g. the
# answers it was taken without); its "desk_note", a text in the installation's language, is shown in the line.
# A step that waits for a second person is checked when it is proposed, and again when it is confirmed (on
# the case as it is then, actor=the one who confirms): what allowed the proposal may no longer hold.
case_stepping = Signal()

# Sent inside the transaction of a user adding registrations to a case from its page
# (`case_add_registrations_by_user`), after they and their persons are stored: sender=Case, case=the case
# (locked), registrations=the ones added, actor=the user. A desk that derives something from a case's
# persons does it here (the screening desk: the pair a manually opened case is about, which puts it in the
# unit's queue), and raises `engine.machine.Refused` when the registrations would break a rule of its own
# (e.g. Refused("pair_open", <the open case of the same pair, when the actor may open it>)); nothing is
# stored then.
case_registrations_joined = Signal()
