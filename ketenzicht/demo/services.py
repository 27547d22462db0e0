"""The demo: one user per role, and a synthetic register with named storylines, so a newcomer can look at
Ketenzicht from every desk."""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from ketenzicht.demo.contact_ban import (
    demo_ban_alerts_read,
    demo_ban_ensure,
    demo_ban_moment,
    demo_ban_prosecutor,
)
from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate, load_params
from ketenzicht.demo.notes import DEMO_DEFAULT_NOTE, DEMO_PILOT_NOTE
from ketenzicht.dossiers.services import search_index_rebuild
from ketenzicht.intake.bulk import ImportSummary, import_file
from ketenzicht.linking.rebuild import persons_rebuild
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.services import post_assign, user_create, user_set_roles
from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.screening.services import CasesSummary, screening_cases_rebuild
from ketenzicht.signin.services import totp_device_fixed
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import FEEDBACK_KIND, radar_rebuild
from ketenzicht.workprocesses.engine.deadlines import add_working_days, is_working_day
from ketenzicht.workprocesses.models import Alert, ProcessVersion, Rollout
from ketenzicht.workprocesses.services import case_assign_owner, case_take

DEMO_USERS = Path(__file__).resolve().parent / "data" / "demo_users.yaml"
# The demo register: a fixed seed, so every `make run` shows the same people and stories.
DEMO_SEED = 2026
DEMO_REGISTRATIONS = 3_000
# The pilot of the improved ex-partner stalking work process: version 2 in two police units, from before
# the storylines' cases opened (as their registrations came in: from June 2026).
DEMO_PILOT_UNITS = ("oost-brabant", "limburg")
DEMO_PILOT_FROM = date(2026, 5, 1)
# The police's work processes, run nationally from the register's first day (the reference data's default
# begins later): the demo's cases open as its registrations came in, over five years.
DEMO_POLICE_PROCESSES = ("ex_partner_stalking", "dv_screening")


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    organisation: str
    roles: tuple[str, ...]


def demo_totp_secret(*, path: Path = DEMO_USERS) -> str:
    """The demo users' second factor: the key of their authenticator app (base32)."""
    return str(yaml.safe_load(path.read_text(encoding="utf-8"))["totp_secret"])


@transaction.atomic
def demo_users_ensure(*, path: Path = DEMO_USERS) -> list[DemoUser]:
    """Create the demo users, or reset their organisation, roles, password and second factor (the demo key,
    demo_totp_secret). Safe to repeat."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    password = spec["password"]
    secret = spec["totp_secret"]
    created: list[DemoUser] = []
    for entry in spec["users"]:
        organisation = Organisation.objects.get(code=entry["organisation"])
        user = User.objects.filter(username=entry["username"]).first()
        names = {"first_name": entry["first_name"], "last_name": entry["last_name"]}
        if user is None:
            user = user_create(
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
            user.posts.exclude(kind__in=entry.get("posts", [])).delete()
        for kind in entry.get("posts", []):
            post_assign(
                organisation=organisation,
                user=user or User.objects.get(username=entry["username"]),
                kind=kind,
            )
        totp_device_fixed(User.objects.get(username=entry["username"]), secret=secret)
        created.append(DemoUser(entry["username"], password, organisation.code, tuple(entry["roles"])))
    return created


def demo_shift(today: date | None = None) -> timedelta:
    """How far the demo register is moved so that it ends in the week before `today` (default: today):
    whole weeks, so that every registration keeps its weekday (the generator's weekly rhythm), never
    backwards. The generator's window is fixed (`generator.yaml`, so that one seed gives the same people
    and stories every day); without the move, a demo loaded weeks after that window shows its most recent
    reports as weeks old and the desks' figures of the last weeks empty."""
    end = load_params().window.end_date
    today = today or timezone.localdate()
    return timedelta(weeks=max(0, (today - end).days // 7))


def _moved(value: str, by: timedelta) -> str:
    """A timestamp of the exchange format (date, or date and time with offset) moved by `by`: the same
    instant later, written in Dutch local time (the offset follows summer time)."""
    if "T" not in value:
        return (date.fromisoformat(value) + by).isoformat()
    return (datetime.fromisoformat(value) + by).astimezone(AMSTERDAM).isoformat(timespec="seconds")


def registrations_moved(source: Path, target: Path, by: timedelta) -> None:
    """Copy an exchange-format file with every registration's `registered_at` and `occurred_at` moved by
    `by` (dates of birth stay). References stay as generated, so a repeated load finds what it stored."""
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            data = json.loads(line)
            for key in ("registered_at", "occurred_at"):
                if isinstance(data.get(key), str):
                    data[key] = _moved(data[key], by)
            out.write(json.dumps(data, ensure_ascii=False) + "\n")


def registrations_split(source: Path, before: Path, after: Path, *, at: datetime) -> None:
    """Copy an exchange-format file's registrations registered before `at` to `before`, the others to
    `after`, each in the order of the file."""
    with (
        source.open(encoding="utf-8") as lines,
        before.open("w", encoding="utf-8") as early,
        after.open("w", encoding="utf-8") as late,
    ):
        for line in lines:
            registered = json.loads(line).get("registered_at")
            earlier = isinstance(registered, str) and datetime.fromisoformat(registered) < at
            (early if earlier else late).write(line)


def _summed(first: ImportSummary, second: ImportSummary) -> ImportSummary:
    return ImportSummary(
        read=first.read + second.read,
        stored=first.stored + second.stored,
        already_present=first.already_present + second.already_present,
        conflicts=first.conflicts + second.conflicts,
        rejected=first.rejected + second.rejected,
        errors=[*first.errors, *second.errors],
    )


def demo_data_load(*, registrations: int = DEMO_REGISTRATIONS, seed: int = DEMO_SEED) -> ImportSummary:
    """Generate the demo register (with the named storylines), move it to end in the week before today
    (`demo_shift`), and take it in through the intake pipeline, as the system, as if as it came in: its
    screening cases open at their registrations' moments (on the national default rolled out from the
    register's first day, `demo_default_rollouts_ensure`). Safe to repeat: what is there already is left as
    it is."""
    with tempfile.TemporaryDirectory(prefix="ketenzicht-demo-") as folder:
        out = Path(folder)
        generate(registrations, seed, out, storylines=True)
        moved = out / f"moved-{REGISTRATIONS_FILE}"
        registrations_moved(out / REGISTRATIONS_FILE, moved, demo_shift())
        demo_default_rollouts_ensure()
        # The storyline's contact ban is registered on the day it was imposed (by its prosecutor, a demo
        # user): the registrations before it go in first, then the ban, then those after it, whose breaches
        # intake attributes to it. Historic: each screening case opens when its registrations came in.
        ban_at = demo_ban_moment(demo_shift())
        if demo_ban_prosecutor() is None:
            summary = import_file(moved, historic=True)
        else:
            before, after = out / "before-ban.jsonl", out / "after-ban.jsonl"
            registrations_split(moved, before, after, at=ban_at)
            summary = import_file(before, historic=True)
            demo_ban_ensure(at=ban_at)
            summary = _summed(summary, import_file(after, historic=True))
    if PersonMention.objects.filter(link__isnull=True).exists():
        persons_rebuild()  # registrations stored before linking existed get their persons too
    if PersonMention.objects.filter(link__isnull=False, search_entries__isnull=True).exists():
        search_index_rebuild()  # and their persons can be found
    ban = demo_ban_ensure(at=ban_at)  # a register loaded before the ban existed gets it now
    if ban is not None:
        demo_ban_alerts_read(ban)
    return summary


def demo_default_rollouts_ensure() -> int:
    """Roll out version 1 of the police's work processes as the national default from the register's first
    day (moved with the register), where the default begins later; how many were added. Safe to repeat."""
    first = load_params().window.start_date + demo_shift()
    added = 0
    for process in DEMO_POLICE_PROCESSES:
        defaults = Rollout.objects.filter(
            process=process, organisation__isnull=True, withdrawn_at__isnull=True
        )
        if defaults.filter(valid_from__lte=first).exists():
            continue
        Rollout.objects.create(
            process=process,
            process_version=ProcessVersion.objects.get(process=process, version=1),
            organisation=None,
            valid_from=first,
            note=in_installation_language(DEMO_DEFAULT_NOTE),
        )
        added += 1
    return added


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
                valid_from=DEMO_PILOT_FROM + demo_shift(),  # moved with the register
                note=in_installation_language(DEMO_PILOT_NOTE),
            )
            added += 1
    return added


def demo_work_processes_ensure() -> CasesSummary:
    """The pilot roll-outs, and the screening cases of the demo register: intake opened most of them; the
    rebuild opens those of registrations taken in before (or relinked after) intake. Safe to repeat."""
    demo_pilot_rollouts_ensure()
    demo_default_rollouts_ensure()
    return screening_cases_rebuild(at_registered=True)


# --- Veilig Thuis: a history of worked notifications -------------------------------------------------------

# Notifications received in the last four weeks of the register stay open (the inbox has work); older ones
# were worked by the demo's Veilig Thuis assessor, on the days a plausible history gives them.
DEMO_VT_OPEN_WEEKS = 4
DEMO_VT_ASSESSOR = "veiligthuis"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# The storyline whose latest notification stays open for the walk in docs/demo.md.
# (Every spelling with her first name and date of birth: "Sandra", "Sandra Wilhelmina".)
DEMO_VT_STORYLINE_VICTIM = {
    "given_names__startswith": "Sandra",
    "surname": "Verbeek",
    "birth_date_raw": "1988-09-02",
}

_CONDITIONS = (
    "Geen contact met het slachtoffer; hulpverlening voor de pleger via het lokale team.",
    "Pleger volgt een agressieregulatietraining; slachtoffer heeft een veiligheidsplan.",
    "Omgangsregeling via een derde; wekelijks contact met de gezinsvoogd.",
)
_HANDED_TO = ("Sociaal wijkteam", "Lokaal team jeugd en gezin", "Ambulante hulpverlening (GGZ)")
_END_REASONS = (
    "Geen onveiligheid vastgesteld; partijen zijn uit elkaar en hebben geen contact meer.",
    "Betrokkenen krijgen al hulp; de hulpverlener is op de hoogte van de melding.",
)
_MONITORING_ENDED = "Voorwaarden nageleefd; monitoring afgerond, de veiligheid is hersteld."


@dataclass(frozen=True)
class VtStep:
    transition: str
    at: datetime
    values: dict[str, Any]
    reason: str = ""


def _office_time(rng: random.Random, day: date, *, after: datetime) -> datetime:
    """A moment during office hours of `day`, after `after` (the same day when it allows, else later)."""
    at = datetime.combine(day, time(rng.randint(8, 16), rng.choice((0, 10, 20, 30, 40, 50))), AMSTERDAM)
    if at <= after:
        at = after + timedelta(minutes=rng.randint(30, 180))
    return at


def _later(rng: random.Random, start: datetime, days: tuple[int, int]) -> datetime:
    """A working day `days` (a range, in calendar days) after `start`, during office hours."""
    day = start.astimezone(AMSTERDAM).date() + timedelta(days=rng.randint(*days))
    while not is_working_day(day):
        day += timedelta(days=1)
    return _office_time(rng, day, after=start)


def vt_history_plan(rng: random.Random, received: datetime, *, acute: bool) -> list[VtStep]:
    """The steps a notification received at `received` went through, each with its moment: the safety
    assessment within five working days mostly (the same day when the police said acute), some late; then
    an own investigation followed by conditions, conditions and follow-up, a hand-over to local care, or the
    end of involvement. Monitoring and investigation end months later. Never acute unsafety: a historic
    one would alert today's police case owners."""
    local = received.astimezone(AMSTERDAM)
    if acute:
        assessed = local + timedelta(hours=rng.randint(1, 6))
    else:
        late = rng.random() < 0.12
        days = rng.randint(6, 10) if late else rng.randint(0, 4)
        assessed = _office_time(rng, add_working_days(local.date(), days), after=local)
    unsafety = rng.choices(("structural", "complex", "none"), weights=(50, 25, 25))[0]
    path = rng.choices(
        ("investigation", "conditions", "local_care", "end"),
        weights=(20, 25, 35, 20) if unsafety != "none" else (0, 0, 40, 60),
    )[0]
    if path == "local_care":
        return [
            VtStep("hand_over_local", assessed, {"unsafety": unsafety, "handed_to": rng.choice(_HANDED_TO)})
        ]
    if path == "end":
        return [VtStep("end_involvement", assessed, {"unsafety": unsafety}, rng.choice(_END_REASONS))]
    steps: list[VtStep] = []
    conditions = {"unsafety": unsafety, "safety_conditions": rng.choice(_CONDITIONS)}
    agreed = assessed
    if path == "investigation":
        steps.append(VtStep("start_investigation", assessed, {"unsafety": unsafety}))
        agreed = _later(rng, assessed, (21, 63))
    steps.append(VtStep("agree_conditions", agreed, conditions))
    ended = _later(rng, agreed, (60, 91))
    steps.append(VtStep("end_involvement", ended, {"unsafety": unsafety}, _MONITORING_ENDED))
    return steps


def _storyline_notification() -> int | None:
    """The latest notification naming the storyline's victim (kept open for the walk), if loaded."""
    registrations = PersonMention.objects.filter(role="victim", **DEMO_VT_STORYLINE_VICTIM).values(
        "registration_id"
    )
    return (
        Notification.objects.filter(registration_id__in=registrations)
        .order_by("-received_at", "-case_id")
        .values_list("case_id", flat=True)
        .first()
    )


def demo_vt_history_ensure(*, open_weeks: int = DEMO_VT_OPEN_WEEKS, keep_open: Sequence[int] = ()) -> int:
    """Work the demo register's older Veilig Thuis notifications through their safety-assessment cases as
    the demo assessor, with historic moments (deterministic: seeded by each registration's reference); the
    notifications of the last `open_weeks` weeks of the register, and the storyline's latest, stay open.
    Then the radar classes are recomputed from that history. Only notifications nobody touched are worked,
    so it is safe to repeat. How many were worked."""
    horizon = Registration.objects.aggregate(newest=Max("registered_at"))["newest"]
    if horizon is None:
        return 0
    if not User.objects.filter(username=DEMO_VT_ASSESSOR).exists():
        demo_users_ensure()
    fallback = User.objects.get(username=DEMO_VT_ASSESSOR)
    # A region with a demo assessor of its own had its notifications worked and owned by them (one still in
    # investigation or monitoring is theirs to follow up); the other regions' by the demo assessor, unowned.
    # The region's assessor: one who is not its team lead too (`veiligthuis`, not `teamleider-vt`).
    own: dict[int, User] = {}
    assessors = User.objects.filter(is_active=True, roles__role=Role.VT_ASSESSOR).order_by("username")
    for user in sorted(assessors, key=lambda user: user.has_role(Role.TEAM_LEAD)):
        if user.organisation_id is not None:
            own.setdefault(user.organisation_id, user)
    kept = {*keep_open, _storyline_notification()}
    untouched = (
        Notification.objects.filter(
            open=True,
            case__state="received",
            case__pending__isnull=True,
            received_at__lt=horizon - timedelta(weeks=open_weeks),
        )
        .exclude(case_id__in=[pk for pk in kept if pk is not None])
        .select_related("case", "registration")
        .order_by("received_at", "case_id")
    )
    worked = 0
    for notification in untouched:
        rng = random.Random(f"{DEMO_SEED}:vt:{notification.registration.reference}")
        steps = vt_history_plan(rng, notification.received_at, acute=notification.urgency_rank == 0)
        owner = own.get(notification.case.organisation_id)
        actor = owner or fallback
        with transaction.atomic():
            if owner is not None and steps[0].at <= horizon:
                case_assign_owner(
                    notification.case, owner=owner, actor=owner, expected_version=None, at=steps[0].at
                )
            for step in steps:
                if step.at > horizon:
                    break  # still in investigation or monitoring when the register ends
                case_take(
                    notification.case,
                    step.transition,
                    actor=actor,
                    expected_version=None,
                    values=step.values,
                    reason=step.reason,
                    at=step.at,
                )
            # The police read the history's feedback back then: its alert waits for nobody today.
            Alert.objects.filter(
                kind=FEEDBACK_KIND, read_at__isnull=True, params__notification=notification.case.reference
            ).update(read_at=F("created_at"), read_by=None)
        worked += 1
    if worked:
        radar_rebuild()
    return worked
