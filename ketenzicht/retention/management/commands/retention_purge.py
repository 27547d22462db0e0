"""manage.py retention_purge: what is past its retention period (a dry run, by default), and with --execute
the deletion of it, in batches, with the recomputation of what remains; each --execute is recorded as a
retention.Run (the privacy officer's page Bewaartermijnen). See docs/retention.md."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError, RestrictedError

from ketenzicht.audit.triggers import FLOOR_DAYS
from ketenzicht.console import progress_steps
from ketenzicht.retention.engine.due import RetentionSettingError, describe
from ketenzicht.retention.services import Plan, retention_plan, retention_run

SHOWN_HELD = 20  # held registrations listed one by one; the rest are counted


class Command(BaseCommand):
    help = (
        "Show what is past its retention period per source and kind, and what is kept although due and why. "
        "Deletes nothing unless --execute is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--execute", action="store_true", help="delete what is due (default: dry run)")
        parser.add_argument("--batch", type=int, default=500, help="registrations per transaction (500)")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="count the periods to this day (YYYY-MM-DD)",
        )
        parser.add_argument(
            "--no-relink",
            action="store_true",
            help="keep the remaining mentions' persons as they are (default: link them anew, as "
            "link_persons --rebuild)",
        )
        parser.add_argument(
            "--log-batch", type=int, default=5_000, help="access-log entries per transaction (5000)"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = retention_plan(today=options["today"])
        except RetentionSettingError as error:
            raise CommandError(str(error)) from error
        execute = options["execute"]
        self._report(plan, execute=execute)
        if not execute:
            self.stdout.write("Dry run: nothing deleted. Run with --execute to delete what is due.")
            return
        try:
            with progress_steps(disable=options["no_progress"]) as step:
                summary = retention_run(
                    plan,
                    batch=options["batch"],
                    relink=not options["no_relink"],
                    progress=step,
                    log_batch=options["log_batch"],
                )
        except (ProtectedError, RestrictedError) as error:
            # Its transaction was rolled back: the batches before it stay deleted, nothing is half deleted.
            raise CommandError(
                f"refused and rolled back (earlier batches stay deleted; run again after a fix): {error}"
            ) from error
        if summary is None:
            self.stdout.write("Nothing to delete.")
            return
        per_kind = ", ".join(f"{s}/{k} {n}" for (s, k), n in sorted(summary.deleted.items()))
        self.stdout.write(
            f"Deleted {summary.total} registrations in {summary.batches} batch(es): {per_kind}. "
            f"Signals: {summary.signals_repointed} pointed at remaining evidence, {summary.signals_updated} "
            f"updated, {summary.signals_withdrawn} withdrawn. "
            + (
                f"Relinked: {summary.persons_merged} persons merged, {summary.reviews_opened} review items "
                "opened. "
                if summary.relinked
                else "Not relinked. "
            )
            + f"{summary.persons_removed} persons without mentions removed. Search index: "
            f"{summary.search_rows} rows for {summary.search_mentions} mentions. Access log: "
            + (
                f"not purged, the database refused: {summary.access_log_error}. "
                if summary.access_log_error
                else f"{summary.access_log_deleted} entries past its period deleted. "
            )
            + "Counts written to the access log."
        )

    def _report(self, plan: Plan, *, execute: bool) -> None:
        verb = "to delete" if execute else "would delete"
        self.stdout.write(f"Retention as of {plan.today.isoformat()}")
        header = f"{'source':<16}{'kind':<24}{'period':>10}{'total':>9}{'due':>8}{'held':>7}{verb:>15}"
        self.stdout.write(header)
        for row in plan.rows:
            self.stdout.write(
                f"{row.source:<16}{row.kind:<24}{row.period:>10}{row.total:>9}{row.due:>8}{row.held:>7}"
                f"{row.delete:>15}"
            )
        total = sum(row.delete for row in plan.rows)
        self.stdout.write(f"{'total':<40}{'':>10}{sum(r.total for r in plan.rows):>9}"
                          f"{sum(r.due for r in plan.rows):>8}{len(plan.held):>7}{total:>15}")  # fmt: skip
        if plan.held:
            reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(plan.held_reasons.items()))
            self.stdout.write(f"Kept although due ({len(plan.held)}): {reasons}")
            for held in plan.held[:SHOWN_HELD]:
                self.stdout.write(
                    f"  {held.label} ({held.kind}, registered {held.registered_on.isoformat()}): "
                    + "; ".join(held.reasons)
                )
            if len(plan.held) > SHOWN_HELD:
                self.stdout.write(f"  ... and {len(plan.held) - SHOWN_HELD} more")
        verb_log = "to delete" if execute else "would delete"
        self.stdout.write(
            f"Access log: {plan.access_log_total} entries, period {describe(plan.periods.access_log)}; "
            f"{plan.access_log_past} from before {plan.access_log_kept_from.isoformat()}, past it; "
            f"{len(plan.access_log_held)} kept for an undecided break-the-glass review; "
            f"{verb_log} {plan.access_log_delete}"
            + (
                f" (from before {plan.access_log_horizon.isoformat()}; the log keeps at least "
                f"{FLOOR_DAYS} days)."
                if plan.access_log_horizon
                else "."
            )
        )
