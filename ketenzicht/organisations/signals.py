"""What organisations tell the apps above them, without importing them: an app connects to these in its
AppConfig.ready() (imports point down)."""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

# Sent inside the transaction of every absence recorded or cleared on a post (`post_absence_set`), after the
# post row is saved: sender=Post, post=the post (its `absent_from`/`absent_until` as now stored). A desk that
# keeps work with a person (the ZSM table: a file's prosecutor) hands it to whoever stands in here when the
# absence covers today.
absence_changed = Signal()

# Sent inside the transaction that deactivates a user (`user_set_active`), after the user row is saved and
# their posts ended:
# sender=User, user=the user (now inactive), actor=who deactivated them (None: the system), reason=why (may be
# empty). What the user held that others must go on with (the cases they own, those where they are the
# victim's contact person) is given back here, each change in its own history, so nothing waits on someone
# who can no longer log in.
user_deactivated = Signal()

# Sent inside the transaction that moves a user to another organisation of the same kind (`user_move`), after
# the user row names the new one and their posts in the old one ended: sender=User, user=the user (now of
# the new organisation), previous=the organisation they left, at=the move's `recorded_at` (the time of every
# change made for it), actor=who moved them, reason=why (as the administrator wrote it).
# What they held in the old organisation (the cases they own, those where they are the victim's contact
# person) is given back there, as on a deactivation: they no longer see it.
user_moved = Signal()

# Sent to ask what a user holds, before they are deactivated (the functional administrator's confirmation
# page): sender=User, user=the user. Each receiver returns a list of `Holding` (empty: nothing of theirs);
# `signal.send` collects them. A holding names its items by reference only: the administrator has no
# need-to-know of a case's content.
user_holdings = Signal()


@dataclass(frozen=True)
class Holding:
    """Something a user holds: `what` (a translated label, e.g. "Open cases they own") and `items` (the
    references, in order)."""

    what: str
    items: tuple[str, ...]
