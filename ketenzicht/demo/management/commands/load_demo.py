"""manage.py load_demo: the demo users (one per role, with their credentials) and the demo register."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenzicht.demo.closed import demo_closed_case_ensure
from ketenzicht.demo.deadlines import demo_deadlines_replay
from ketenzicht.demo.screening_history import demo_screening_history_ensure
from ketenzicht.demo.services import (
    DEMO_REGISTRATIONS,
    demo_data_load,
    demo_pilot_rollouts_ensure,
    demo_totp_secret,
    demo_users_ensure,
    demo_vt_history_ensure,
    demo_work_processes_ensure,
)
from ketenzicht.demo.zsm import demo_zsm_ensure
from ketenzicht.insights.services import figures_refresh, register_years
from ketenzicht.prosecution.services import requests_check
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.veiligthuis.services import protocol_check


class Command(BaseCommand):
    help = (
        "Create the demo users (one per role) and load the demo register (synthetic registrations with named "
        "storylines, see docs/demo.md). Safe to repeat. Refuses when DEBUG is off, unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument(
            "--registrations", type=int, default=DEMO_REGISTRATIONS, help="size of the register"
        )
        parser.add_argument("--users-only", action="store_true", help="only the demo users, no registrations")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("demo users with known passwords belong on a demo machine: use --force")
        users = demo_users_ensure()
        self.stdout.write(f"Demo users (password for all: {users[0].password}):")
        name_width = max(len(user.username) for user in users)
        organisation_width = max(len(str(user.organisation)) for user in users)
        for user in users:
            self.stdout.write(
                f"  {user.username:<{name_width}} {user.organisation:<{organisation_width}} "
                f"{', '.join(user.roles)}"
            )
        self.stdout.write(
            f"Second factor of every demo user: authenticator key {demo_totp_secret()} (demo only); "
            "`python manage.py demo_code` prints the code it gives now."
        )
        if options["users_only"]:
            return
        demo_pilot_rollouts_ensure()  # first: the cases intake opens in the pilot units run on v2
        summary = demo_data_load(registrations=options["registrations"])
        self.stdout.write(
            f"Demo register: {summary.stored} registrations stored, {summary.already_present} already present"
            + (f", {summary.rejected} rejected" if summary.rejected else "")
            + ". Storylines: see docs/demo.md."
        )
        cases = demo_work_processes_ensure()
        self.stdout.write(
            "Work processes: ex-partner stalking version 2 runs in the pilot units Oost-Brabant and Limburg; "
            f"{ScreeningCase.objects.count()} screening cases"
            + (f" ({cases.opened} opened now)" if cases.opened else "")
            + "."
        )
        worked = demo_vt_history_ensure()
        self.stdout.write(
            "Veilig Thuis: the notifications of the last weeks of the register are open"
            + (f"; {worked} older ones worked now" if worked else "")
            + "."
        )
        zsm = demo_zsm_ensure()
        if zsm is not None:
            self.stdout.write(
                f"ZSM table: file {zsm.case.reference} of {zsm.district_office.name} waits for victim "
                "support and probation."
            )
        closed = demo_closed_case_ensure()
        if closed is not None:
            self.stdout.write(
                f"Closed case: {closed.reference} of {closed.organisation.name}, closed without action"
                + (
                    " (teamleider can reopen it: Zaken, Afgesloten zaken tonen)."
                    if closed.closed_at is not None
                    else ", reopened since."
                )
            )
        # After the ZSM storyline and the closed case (both left as they are): the older cases' history.
        history = demo_screening_history_ensure()
        open_cases = ScreeningCase.objects.filter(open=True).count()
        self.stdout.write(
            f"Police screening: {open_cases} case(s) open (the register's last weeks and the storylines')"
            + (f"; {history} older ones worked now" if history else "")
            + "."
        )
        # What the scheduler does every few minutes in production (deadlines_check,
        # veiligthuis_protocol_check): the demo's overdue cases reach their team leads and, a term later,
        # their chain contacts, each when it fell due (replayed: the register is dated in the past), and the
        # police hear of feedback that did not come.
        escalated = demo_deadlines_replay()
        late = protocol_check()
        requests_check()
        self.stdout.write(
            f"Deadlines checked: {len({case.pk for case in escalated})} overdue case(s) escalated "
            f"({len(escalated)} escalation(s): a case still overdue a term later goes a level further), "
            f"{len(late)} police case(s) alerted of missing Veilig Thuis feedback."
        )
        # The insight figures, counted once for every year of the demo register (in production
        # insights_refresh runs every few minutes, --all nightly).
        counted = figures_refresh(years=register_years())
        self.stdout.write(
            f"Insights: {counted.facts} facts counted into {counted.cells} cells for "
            f"{', '.join(map(str, counted.years)) or 'no year'} (see /inzicht/ as analist)."
        )
