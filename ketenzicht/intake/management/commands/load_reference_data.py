"""manage.py load_reference_data: organisations, municipalities and offences from their data files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ketenzicht.organisations.refdata import ReferenceDataError
from ketenzicht.organisations.services import reference_data_load_organisations
from ketenzicht.registrations.services import reference_data_load_offences
from ketenzicht.screening.engine.instrument import InstrumentError
from ketenzicht.screening.instruments import instruments_load
from ketenzicht.workprocesses.definitions import default_rollouts_ensure, definitions_load
from ketenzicht.workprocesses.engine.definition import DefinitionError


class Command(BaseCommand):
    help = (
        "Load (or update) the reference data: organisations, municipalities, offences, work process "
        "versions, the shipped risk-screening instruments. "
        "Safe to repeat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            orgs = reference_data_load_organisations()
        except ReferenceDataError as exc:
            raise CommandError(f"organisations reference data rejected, nothing stored:\n{exc}") from exc
        version, count, changed = reference_data_load_offences()
        self.stdout.write(
            f"organisations {orgs.version}: {orgs.counts['organisations']} organisations, "
            f"{orgs.counts['municipalities']} municipalities{'' if orgs.changed else ' (unchanged)'}"
        )
        self.stdout.write(f"offences {version}: {count} articles{'' if changed else ' (unchanged)'}")
        try:
            processes = definitions_load()
        except DefinitionError as exc:
            raise CommandError(f"work process definition rejected, nothing stored:\n{exc}") from exc
        defaults = default_rollouts_ensure()
        for definition, created in processes:
            self.stdout.write(
                f"work process {definition.process} v{definition.version}{'' if created else ' (unchanged)'}"
            )
        if defaults:
            self.stdout.write(f"{defaults} national default roll-out(s) set")
        try:
            instruments = instruments_load()
        except InstrumentError as exc:
            raise CommandError(f"screening instrument rejected, nothing stored:\n{exc}") from exc
        for instrument, created in instruments:
            self.stdout.write(
                f"instrument {instrument.code} v{instrument.version}{'' if created else ' (unchanged)'}"
            )
