"""manage.py link_persons --rebuild: re-link the whole register (optionally re-training the model first)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenzicht.console import progress_steps
from ketenzicht.linking.batch.connection import BACKENDS
from ketenzicht.linking.rebuild import persons_rebuild


class Command(BaseCommand):
    help = (
        "Re-link every person mention of the register with the trained model: persons keep their ids, "
        "reviewers' decisions bind, doubtful pairs go to the review queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="re-link the whole register")
        parser.add_argument(
            "--retrain",
            action="store_true",
            help="estimate a new model on the register first (and the relation term, as --retrain-context)",
        )
        parser.add_argument(
            "--retrain-context",
            action="store_true",
            help="estimate the relation term again on the register (its first pass's persons) and use it",
        )
        parser.add_argument("--seed", type=int, default=1, help="seed for training (default 1)")
        parser.add_argument(
            "--backend",
            choices=list(BACKENDS),
            default="duckdb",
            help="where Splink trains and predicts: duckdb (in this process, default) or spark (pyspark and "
            "Java; a local session unless KETENZICHT_SPARK_MASTER names a cluster)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["rebuild"]:
            raise CommandError("say --rebuild: new registrations are linked on intake already")
        with progress_steps(disable=options["no_progress"]) as step:
            summary = persons_rebuild(
                retrain=options["retrain"],
                retrain_context=options["retrain_context"],
                seed=options["seed"],
                progress=step,
                backend=options["backend"],
            )
        self.stdout.write(
            f"{summary.mentions} mentions, {summary.pairs_scored} pairs scored -> {summary.persons} persons "
            f"({summary.persons_new} new ids, {summary.persons_merged} merged), {summary.refused} links "
            f"refused by the guards, {summary.reviews_opened} review items opened; features and keys of "
            f"{summary.features_rewritten} mentions written anew; model {summary.model}"
        )
