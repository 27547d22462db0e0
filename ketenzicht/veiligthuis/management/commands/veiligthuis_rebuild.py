"""manage.py veiligthuis_rebuild: notify what the routing rules name and no notification covers yet (after a
rule change, or a register taken in before this desk), and with --radar recompute every radar class as of
its receipt (after persons were relinked). Safe to repeat."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenzicht.veiligthuis.services import notifications_rebuild, radar_rebuild


class Command(BaseCommand):
    help = "Route registrations not yet notified to Veilig Thuis; --radar recomputes the radar classes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--radar", action="store_true", help="also recompute every radar class")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{notifications_rebuild()} notification(s) opened")
        if options["radar"]:
            self.stdout.write(f"{radar_rebuild()} radar class(es) changed")
