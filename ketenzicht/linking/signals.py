"""What linking tells the apps above it, without knowing them (they connect receivers in their ready())."""

from django.dispatch import Signal

# Sent inside the transaction that moved mentions between persons, with `persons`: the ids of the
# persons that gained or lost mentions, or None when every link may have changed (a rebuild).
persons_relinked = Signal()
