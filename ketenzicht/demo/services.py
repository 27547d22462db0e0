"""Demo users: one per role, so a newcomer can look at Ketenzicht from every desk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.services import user_create, user_set_roles

DEMO_USERS = Path(__file__).resolve().parent / "data" / "demo_users.yaml"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    organisation: str
    roles: tuple[str, ...]


@transaction.atomic
def demo_users_ensure(*, path: Path = DEMO_USERS) -> list[DemoUser]:
    """Create the demo users, or reset their organisation, roles and password. Safe to repeat."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    password = spec["password"]
    created: list[DemoUser] = []
    for entry in spec["users"]:
        organisation = Organisation.objects.get(code=entry["organisation"])
        user = User.objects.filter(username=entry["username"]).first()
        names = {"first_name": entry["first_name"], "last_name": entry["last_name"]}
        if user is None:
            user_create(
                username=entry["username"],
                password=password,
                organisation=organisation,
                roles=entry["roles"],
                **names,
            )
        else:
            user.organisation = organisation
            user.first_name, user.last_name = names["first_name"], names["last_name"]
            user.is_active = True
            user.set_password(password)
            user.save()
            user_set_roles(user=user, roles=entry["roles"])
        created.append(DemoUser(entry["username"], password, organisation.code, tuple(entry["roles"])))
    return created
