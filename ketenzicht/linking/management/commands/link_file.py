"""manage.py link_file INPUT.csv --out OUT.csv: link a CSV file of person mentions on its own.

Thin: the work is `ketenzicht.linking.file.link_file`. Needs no database and touches none (no system checks,
no migrations check): the register's persons are not read and not changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenzicht.linking.batch.clustering import DEFAULT_THRESHOLD_MATCH_WEIGHT
from ketenzicht.linking.file import MIN_TRAIN_ROWS, LinkFileError, link_file


class Command(BaseCommand):
    help = (
        "Link the person mentions of INPUT.csv (columns mention_id, the person fields of exchange format v1 "
        "and the address fields street, house_number, house_number_suffix, postcode, city; optionally "
        "registration_id, role, related_to and relation, which say which mentions stand in one registration "
        "and how they relate; other columns are ignored) and write OUT.csv: mention_id,person_id, one line "
        f"per input row in input order. Trains on the file itself (with fewer than {MIN_TRAIN_ROWS} rows, or "
        "when training fails: the shipped model); with registration_id, a second pass adds the relation term "
        "as link_persons --rebuild does. No database needed; the register's persons are not touched."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, metavar="INPUT.csv", help="the mentions (UTF-8, , or ;)")
        parser.add_argument("--out", type=Path, required=True, metavar="OUT.csv", help="where to write")
        parser.add_argument("--seed", type=int, default=1, help="seed for training (default 1)")
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD_MATCH_WEIGHT,
            help=f"match weight at which two mentions join (default {DEFAULT_THRESHOLD_MATCH_WEIGHT:g})",
        )
        parser.add_argument(
            "--model",
            type=Path,
            default=None,
            metavar="PATH",
            help="use this trained model (batch.train's JSON) instead of training on the file",
        )
        parser.add_argument(
            "--context",
            type=Path,
            default=None,
            metavar="PATH",
            help="with registration_id: use this relation term (engine.context's JSON) instead of estimating "
            "it on the file (default: estimated when trained on the file, else KETENZICHT_LINK_CONTEXT)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = link_file(
                options["input"],
                options["out"],
                seed=options["seed"],
                threshold=options["threshold"],
                model_path=options["model"],
                fallback_model=settings.KETENZICHT_LINK_MODEL,
                context_path=options["context"] or settings.KETENZICHT_LINK_CONTEXT,
                estimate_context=options["context"] is None,
                note=self.stderr.write,
            )
        except LinkFileError as exc:
            raise CommandError(f"{options['input']}: {exc}") from None
        self.stderr.write(summary.line())
