"""manage.py load_demo: the demo users (one per role), printed with their credentials."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenzicht.demo.services import demo_users_ensure


class Command(BaseCommand):
    help = "Create the demo users (one per role). Refuses when DEBUG is off, unless --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("demo users with known passwords belong on a demo machine: use --force")
        users = demo_users_ensure()
        self.stdout.write(f"Demo users (password for all: {users[0].password}):")
        for user in users:
            self.stdout.write(f"  {user.username:<16} {user.organisation:<26} {', '.join(user.roles)}")
