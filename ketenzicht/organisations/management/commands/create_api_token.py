"""manage.py create_api_token USERNAME --name NAME: a bearer token for the API, shown once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenzicht.organisations.models import User
from ketenzicht.organisations.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user (a partner feed, a script). The token is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'feed veilig thuis'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"username: no active user {options['username']!r}")
        try:
            token = api_token_create(user=user, name=options["name"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(token)
