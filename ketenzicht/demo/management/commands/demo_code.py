"""manage.py demo_code: the second-factor code of the demo users now (they share one key, docs/demo.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketenzicht.demo.services import demo_totp_secret
from ketenzicht.signin.services import totp_code_now


class Command(BaseCommand):
    help = "Print the code the demo users' authenticator app shows now (valid for about 30 seconds)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(totp_code_now(demo_totp_secret()))
