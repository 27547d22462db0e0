"""What organisations tell the apps above them, without importing them: an app connects to these in its
AppConfig.ready() (imports point down)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction of every absence recorded or cleared on a post (`post_absence_set`), after the
# post row is saved: sender=Post, post=the post (its `absent_from`/`absent_until` as now stored). A desk that
# keeps work with a person (the ZSM table: a file's prosecutor) hands it to whoever stands in here when the
# absence covers today.
absence_changed = Signal()
