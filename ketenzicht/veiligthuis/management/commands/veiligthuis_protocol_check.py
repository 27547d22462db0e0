"""manage.py veiligthuis_protocol_check: alert the police case owners whose notification got no feedback
from Veilig Thuis within the chain protocol's term (run it from a scheduler beside deadlines_check). Safe to
repeat: one alert per notification."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketenzicht.veiligthuis.services import protocol_check


class Command(BaseCommand):
    help = "Alert police case owners when Veilig Thuis gave no feedback within the protocol's term."

    def handle(self, *args: Any, **options: Any) -> None:
        alerted = protocol_check()
        for notification in alerted:
            self.stdout.write(f"{notification.case.reference}: no feedback, owner of the police case alerted")
        self.stdout.write(f"{len(alerted)} notification(s) without feedback in time")
