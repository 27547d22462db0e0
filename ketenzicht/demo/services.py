"""The demo: one user per role, and a synthetic register with named storylines, so a newcomer can look at
Ketenzicht from every desk."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate
from ketenzicht.dossiers.services import search_index_rebuild
from ketenzicht.intake.bulk import ImportSummary, import_file
from ketenzicht.linking.rebuild import persons_rebuild
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.services import user_create, user_set_roles
from ketenzicht.registrations.models import PersonMention
from ketenzicht.screening.services import CasesSummary, screening_cases_rebuild
from ketenzicht.workprocesses.models import ProcessVersion, Rollout

DEMO_USERS = Path(__file__).resolve().parent / "data" / "demo_users.yaml"
# The demo register: a fixed seed, so every `make run` shows the same people and stories.
DEMO_SEED = 2026
DEMO_REGISTRATIONS = 3_000
# The pilot of the improved ex-partner stalking work process: version 2 in two police units.
DEMO_PILOT_UNITS = ("oost-brabant", "limburg")
DEMO_PILOT_FROM = date(2026, 10, 1)


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


def demo_data_load(*, registrations: int = DEMO_REGISTRATIONS, seed: int = DEMO_SEED) -> ImportSummary:
    """Generate the demo register (with the named storylines) and take it in through the intake pipeline,
    as the system. Safe to repeat: what is there already is left as it is."""
    with tempfile.TemporaryDirectory(prefix="ketenzicht-demo-") as folder:
        out = Path(folder)
        generate(registrations, seed, out, storylines=True)
        summary = import_file(out / REGISTRATIONS_FILE)
    if PersonMention.objects.filter(link__isnull=True).exists():
        persons_rebuild()  # registrations stored before linking existed get their persons too
    if PersonMention.objects.filter(link__isnull=False, search_entries__isnull=True).exists():
        search_index_rebuild()  # and their persons can be found
    return summary


def demo_pilot_rollouts_ensure() -> int:
    """Roll out ex-partner stalking v2 in the pilot units (once); how many roll-outs were added. Done before
    the register is taken in, so that the cases intake opens there run on v2."""
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    added = 0
    for code in DEMO_PILOT_UNITS:
        unit = Organisation.objects.get(code=code)
        if not Rollout.objects.filter(organisation=unit, process_version=v2).exists():
            Rollout.objects.create(
                process=v2.process,
                process_version=v2,
                organisation=unit,
                valid_from=DEMO_PILOT_FROM,
                note="demo: pilot of the improved work process",
            )
            added += 1
    return added


def demo_work_processes_ensure() -> CasesSummary:
    """The pilot roll-outs, and the screening cases of the demo register: intake opened most of them; the
    rebuild opens those of registrations taken in before (or relinked after) intake. Safe to repeat."""
    demo_pilot_rollouts_ensure()
    return screening_cases_rebuild()
