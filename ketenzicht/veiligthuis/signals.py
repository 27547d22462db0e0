"""What the Veilig Thuis desk tells the desks above it, without importing them: a desk connects to these in
its AppConfig.ready() (imports point down)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that opens notifications (routed by intake, from a police case's hand-off,
# forwarded), after their rows are stored: sender=Notification, notifications=the list opened. A desk that
# follows what Veilig Thuis knows of a police case (the ZSM table: a file that did not wait for Veilig
# Thuis) acts on it here.
notifications_opened = Signal()
