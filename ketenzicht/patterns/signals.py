"""What the patterns app tells the apps above it, without knowing them (they connect receivers in their
ready()). Django signals, not pattern signals: the sender is the `Signal` model."""

from django.dispatch import Signal

# Sent inside the transaction that re-opened pattern signals the desk had closed, after their history is
# stored: sender=the Signal model, signals=the ids re-opened, by=the user who re-opened them (None:
# Ketenzicht, when a new registration came in after closing), reason=the user's reason ("" for Ketenzicht),
# at=when. The screening desk tells whoever works the pair's case (or the unit's screeners) here.
signals_reopened = Signal()
