"""manage.py zsm_requests_check: mark the chain partners' requests not answered within their term and alert
the district office's ZSM coordinator (run it from a scheduler beside deadlines_check). Safe to repeat: one
alert per request."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketenzicht.prosecution.services import requests_check


class Command(BaseCommand):
    help = "Alert the ZSM coordinators of requests to victim support and probation not answered in time."

    def handle(self, *args: Any, **options: Any) -> None:
        late = requests_check()
        for request in late:
            self.stdout.write(f"{request.file.case.reference}: {request.partner} did not answer in time")
        self.stdout.write(f"{len(late)} request(s) not answered in time")
