"""What the access log calls a case, an alert and a roll-out (registered in apps.py): a case by its reference,
an alert by its case and its message, a roll-out by its version, where and from when. Not scoped to a user:
the access log's pages are for its readers only (privacy officers and functional administrators)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.text import Truncator
from django.utils.translation import gettext

from ketenzicht.ui.formats import versioned

from .alerts import alert_text
from .labels import data_text
from .models import Alert, Rollout

ALERT_WORDS = 12  # an alert's message in the log: its first words


def _numbers(ids: Collection[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def alert_log_names(ids: Collection[str]) -> dict[str, str]:
    """ "Z2026-000074: Te laat: ..." (an alert about no case: its message alone)."""
    found = Alert.objects.filter(pk__in=_numbers(ids)).select_related("case")
    names = {}
    for alert in found:
        text = Truncator(alert_text(alert)).words(ALERT_WORDS)
        names[str(alert.pk)] = f"{alert.case.reference}: {text}" if alert.case is not None else text
    return names


def rollout_log_names(ids: Collection[str]) -> dict[str, str]:
    """A roll-out by its version, where and from when: "Ex-partnerstalking (verbeterde werkwijze), versie 2,
    Politie eenheid Oost-Brabant, vanaf 01-05-2026"."""
    found = Rollout.objects.filter(pk__in=_numbers(ids)).select_related("process_version", "organisation")
    return {
        str(rollout.pk): gettext("%(version)s, %(where)s, from %(date)s")
        % {
            "version": versioned(data_text(rollout.process_version.label), rollout.process_version.version),
            "where": rollout.organisation.name if rollout.organisation else gettext("all organisations"),
            "date": rollout.valid_from.strftime("%d-%m-%Y"),
        }
        for rollout in found
    }
