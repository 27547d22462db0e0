"""Routing to Veilig Thuis does not depend on how a file is split into batches: the same generated
registrations imported one at a time, seven at a time or all at once give the same notifications (the
organisation and municipality, the persons, the registrations joined, the one taken over, the provisional
urgency and the terms, the radar class) and the same rising-risk alerts.

The generated register spans years; its moments are pressed into the last weeks, so that the pairs it repeats
join their open notifications (within `join_recent_days`) and take over one that waited past its term, and a
planted series adds a victim's address known only from an earlier registration, a join, a take-over and
rising risk. What cannot be the same by nature is left out: database ids and case references (numbered as
cases open, the screening desk's and Veilig Thuis's interleaved per batch), and when an alert was raised
(now). Person ids are replaced by the first mention (registration and reference) of each person. The police
case is compared by whether there is one: its process follows the facts known when it opened
(tests/veiligthuis/test_batch_routing.py). A notification's provisional urgency is its police case's as of
its registration: the screening step before routing decides the batch one registration after another too
(a signal counts from the registration that made it fire), so a later registration of the pair in the same
batch does not make an earlier one's notification more urgent."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate
from ketenzicht.intake.bulk import import_file
from ketenzicht.registrations.models import PersonMention
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services.names import RISING_RISK_KIND
from ketenzicht.workprocesses.models import Alert, CaseEvent
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import LOTTE, MARCO

pytestmark = pytest.mark.django_db(transaction=False)

WINDOW = timedelta(days=24)  # the generated years pressed into these last days


def _pressed(lines: list[dict[str, Any]], now: datetime) -> None:
    """Move every line's moments into the WINDOW before `now`, keeping their order and spacing in scale (it
    happened when it was registered)."""
    moments = [datetime.fromisoformat(line["registered_at"]) for line in lines]
    first, last = min(moments), max(moments)
    scale = WINDOW / (last - first)
    for line, registered in zip(lines, moments, strict=True):
        at = now - timedelta(hours=1) - (last - registered) * scale
        line["registered_at"] = line["occurred_at"] = at.isoformat()


def _planted(now: datetime) -> list[dict[str, Any]]:
    """One ex-partner pair: notified as history 20 days ago (the victim living in Oss), then registrations
    without her address that happened in Tilburg (routed to Oss by the earlier one): the first takes the
    old notification over, the next joins it, a violent one the day before raises rising risk."""
    lines = []
    for number, (days, victim_in_oss, municipality, offences) in enumerate(
        [
            (20, True, "GM0796", ["285"]),
            (6, False, "GM0855", ["285"]),
            (5, False, "GM0855", ["285b"]),
            (1, False, "GM0796", ["300"]),
        ]
    ):
        victim = (
            {**LOTTE, "address": {"postcode": "5341 AB", "house_number": "3", "municipality": "GM0828"}}
            if victim_in_oss
            else {k: v for k, v in LOTTE.items() if k != "address"}
        )
        at = (now - timedelta(days=days)).isoformat()
        lines.append(
            exchange_registration(
                reference=in_numbering(f"SEQ-{number}", municipality=municipality),
                persons=[
                    {"ref": "p1", "role": "suspect", **MARCO},
                    {"ref": "p2", "role": "victim", **victim},
                ],
                relations=[{"from": "p1", "to": "p2", "kind": "ex_partner"}],
                offences=offences,
                municipality=municipality,
                registered_at=at,
                occurred_at=at,
            )
        )
    return lines


def _outcome() -> dict[str, Any]:
    """What routing decided, by what does not depend on the order of the database's numbering."""
    first_mention: dict[int, tuple[str, str]] = {}
    for person, reference, ref in (
        PersonMention.objects.filter(link__isnull=False)
        .order_by("registration__registered_at", "registration_id", "id")
        .values_list("link__person_id", "registration__reference", "ref")
    ):
        first_mention.setdefault(person, (reference, ref))
    notifications = {
        n.registration.reference: {
            "organisation": n.organisation.code,
            "municipality": n.municipality.code if n.municipality else None,
            "reasons": n.reasons,
            "persons": sorted(first_mention[p] for p in n.case.persons.values_list("pk", flat=True)),
            "registrations": sorted(n.case.registrations.values_list("reference", flat=True)),
            "open": n.open,
            "taken_over_by": n.taken_over_by.registration.reference if n.taken_over_by else None,
            "received": n.received_at,
            "urgency": n.urgency_rank,
            "terms": (n.deadline_at, n.assessment_due_at, n.feedback_due_at),
            "radar": n.radar_class,
            "police_case": n.police_case_id is not None,
            "news": (n.news, n.news_at),
            "state": (n.case.state, n.case.closed_at),
            "history": sorted(
                (e.kind, e.at, str(e.detail.get("desk_note", ""))[:40]) for e in n.case.events.all()
            ),
        }
        for n in Notification.objects.select_related(
            "registration", "organisation", "municipality", "case", "taken_over_by__registration"
        )
    }
    rising = Counter(
        (
            Notification.objects.get(case=alert.case).registration.reference,
            alert.params["when"],
            alert.params["why"],
            alert.read_at is not None,
        )
        for alert in Alert.objects.filter(kind=RISING_RISK_KIND)
    )
    opened = CaseEvent.objects.filter(kind="opened", case__vt_notification__isnull=False).count()
    return {"notifications": notifications, "rising": rising, "opened": opened}


def _differences(got: dict[str, Any], wanted: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What differs, notification by notification and field by field (readable when it fails)."""
    differing: list[tuple[Any, ...]] = []
    for reference in sorted(set(got["notifications"]) | set(wanted["notifications"])):
        a, b = got["notifications"].get(reference), wanted["notifications"].get(reference)
        if a is None or b is None:
            differing.append((reference, "notified", a is not None, b is not None))
            continue
        differing.extend((reference, name, a[name], b[name]) for name in b if a[name] != b[name])
    differing.extend(
        (name, got[name], wanted[name]) for name in ("rising", "opened") if got[name] != wanted[name]
    )
    return differing


def test_routing_gives_the_same_notifications_whatever_the_batches(tmp_path: Path) -> None:
    now = timezone.now()
    generate(120, 5, tmp_path)
    path = tmp_path / REGISTRATIONS_FILE
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    _pressed(lines, now)
    lines = sorted([*lines, *_planted(now)], key=lambda line: datetime.fromisoformat(line["registered_at"]))
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    found = {}
    for size in (1, 7, 500):
        with transaction.atomic():
            summary = import_file(path, batch_size=size)
            assert summary.stored == len(lines) and not summary.errors, summary.errors[:3]
            found[size] = _outcome()
            transaction.set_rollback(True)
    differing = [(size, d) for size in (7, 500) for d in _differences(found[size], found[1])]
    assert not differing, "\n".join(f"batch size {size}: {d!r}" for size, d in differing)

    # It routed what it is about: joins, a take-over, rising risk, and the victim's address from before.
    outcome = found[1]["notifications"]
    assert any(len(n["registrations"]) > 1 for n in outcome.values())
    planted = {ref.rsplit("-", 1)[1]: n for ref, n in outcome.items() if "SEQ-" in ref}
    assert set(planted) == {"0", "1"}
    assert planted["0"]["taken_over_by"] == next(ref for ref in outcome if ref.endswith("SEQ-1"))
    assert (planted["1"]["organisation"], planted["1"]["municipality"]) == ("vt-brabant-noordoost", "GM0828")
    assert [ref.rsplit("-", 1)[1] for ref in planted["1"]["registrations"]] == ["1", "2", "3"]
    assert any(ref.endswith("SEQ-1") for ref, *_ in found[1]["rising"])
