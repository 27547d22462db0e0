"""manage.py zsm_requests_check: the ZSM table's periodic check (run it from a scheduler beside
deadlines_check). It marks the chain partners' requests not answered within their term and alerts the
district office's ZSM coordinator; and it hands every open file whose prosecutor is recorded absent that day
to whoever stands in (an absence recorded for a later day takes effect at the first check of that day); and
it computes again the triage of every open file kept under other triage rules than the shipped ones.
Safe to repeat: one alert per request, a file handed over once, a triage computed again once per version."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenzicht.console import moment_option
from ketenzicht.prosecution.services import absent_owners_check, requests_check, triages_check


class Command(BaseCommand):
    help = (
        "Alert the ZSM coordinators of requests to victim support and probation not answered in time, and "
        "hand the open files of absent prosecutors to whoever stands in, and triage again the open files "
        "triaged under other rules than the shipped ones. Safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="check as if it were this moment (ISO 8601; for tests and replays)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = moment_option(options["now"])
        late = requests_check(now=now)
        for request in late:
            self.stdout.write(f"{request.file.case.reference}: {request.partner} did not answer in time")
        self.stdout.write(f"{len(late)} request(s) not answered in time")
        handed = absent_owners_check(now=now)
        for file in handed:
            self.stdout.write(f"{file.case.reference}: handed to the stand-in of its absent prosecutor")
        self.stdout.write(f"{len(handed)} file(s) of absent prosecutors handed to their stand-in")
        triaged = triages_check()
        self.stdout.write(f"{len(triaged)} file(s) triaged again under the shipped triage rules")
