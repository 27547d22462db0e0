"""Intake opens a batch's notifications at once (`notifications_open`): the same notifications and radar
classes as when the registrations arrive one at a time, the radar counting those before it in the batch.

(The screening cases are not compared: their process and reasons follow the facts known when a case opens,
so a batch that holds a pair's whole series may open it on the stalking process where one registration at a
time opens a domestic-violence screening that the later ones join.)"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate
from ketenzicht.intake.bulk import import_file
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import radar_rebuild
from ketenzicht.workprocesses.models import CaseEvent
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import LOTTE, MARCO

pytestmark = pytest.mark.django_db(transaction=False)


def _series(days: list[tuple[int, str, str]]) -> list[str]:
    """Registrations of one ex-partner pair (p1 -> p2) on these days of June 2026, from these sources, with
    the victim living in these municipalities: re-notifications, involvement, other regions, and Veilig
    Thuis's own registrations for the radar."""
    lines = []
    for number, (day, source, municipality) in enumerate(days):
        victim = {**LOTTE, "address": {**LOTTE["address"], "municipality": municipality}}  # type: ignore[dict-item]
        at = f"2026-06-{day:02d}T10:00:00+02:00"
        police = source == "politie"
        data = exchange_registration(
            source=source,
            reference=in_numbering(
                f"BATCH-{number}",
                source=source,
                unit="oost-brabant" if police else None,
                municipality="GM0796",
            ),
            kind="aangifte" if police else "melding",
            unit="oost-brabant" if police else None,
            municipality="GM0796",
            persons=[{"ref": "p1", "role": "suspect", **MARCO}, {"ref": "p2", "role": "victim", **victim}],
            relations=[{"from": "p1", "to": "p2", "kind": "ex_partner"}],
            offences=["285"],
            registered_at=at,
            occurred_at=at,
        )
        if not police:
            del data["unit"]
        lines.append(json.dumps(data))
    return lines


def _outcome() -> dict[str, Any]:
    """What routing decided, by registration reference (database ids differ per import)."""
    notifications = {
        n.registration.reference: (
            n.organisation.code,
            n.radar_class,
            len(n.radar.get("known", [])),
            len(n.radar.get("earlier", [])),
            len(n.radar.get("registrations", [])),
            n.radar.get("elsewhere"),
            n.suspect_name,
            n.victim_name,
            n.case.title,
            n.case.state,
            n.deadline_at,
            n.case.persons.count(),
        )
        for n in Notification.objects.select_related("registration", "organisation", "case")
    }
    events = Counter(
        CaseEvent.objects.filter(kind="opened", case__vt_notification__isnull=False).values_list(
            "process_version", "to_state", "actor_name"
        )
    )
    return {"notifications": notifications, "events": events}


def test_a_batch_notifies_veilig_thuis_as_one_registration_at_a_time(tmp_path: Path) -> None:
    generate(200, 11, tmp_path)
    path = tmp_path / REGISTRATIONS_FILE
    series = _series(
        [
            (1, "politie", "GM0796"),
            (3, "veilig_thuis", "GM0796"),
            (3, "politie", "GM0796"),
            (5, "politie", "GM0855"),  # the victim lives in another region now
            (5, "politie", "GM0796"),
            (8, "politie", "GM0796"),
        ]
    )
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(series) + "\n")
    with transaction.atomic():
        one_by_one = import_file(path, batch_size=1)
        alone = _outcome()
        transaction.set_rollback(True)
    together = import_file(path, batch_size=1000)
    assert together.stored == one_by_one.stored == 206 and not together.errors
    batch = _outcome()
    assert batch == alone
    ours = {ref.rsplit("-", 1)[1]: found for ref, found in batch["notifications"].items() if "BATCH" in ref}
    # Class, persons known, earlier notifications, own registrations, earlier ones elsewhere. The Veilig
    # Thuis registration (1) is not before the police's of the same moment (2).
    assert {number: found[1:6] for number, found in ours.items()} == {
        "0": ("first", 0, 0, 0, 0),
        "2": ("during_assessment", 2, 1, 0, 0),
        "3": ("first", 0, 0, 0, 2),  # another region: the two before are elsewhere
        "4": ("during_assessment", 2, 2, 1, 0),
        "5": ("during_assessment", 2, 3, 1, 1),
    }
    assert radar_rebuild() == radar_rebuild(chunk=1) == 0  # as stored: the same, read at once or one by one
