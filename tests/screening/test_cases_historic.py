"""A historic import (the demo's register, taken in afterwards) opens each screening case when its
registrations came in, and a later registration joins at its own moment; a normal import opens them now."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ketenzicht.intake.bulk import import_file
from ketenzicht.organisations.models import Organisation
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.models import ProcessVersion, Rollout
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import LOTTE, MARCO

pytestmark = pytest.mark.django_db


def _line(reference: str, registered_at: str, *, victim: dict[str, Any] = LOTTE) -> dict[str, Any]:
    return exchange_registration(
        source="politie",
        reference=in_numbering(reference, source="politie", unit="oost-brabant", municipality="GM0796"),
        kind="aangifte",
        persons=[{"ref": "p1", "role": "suspect", **MARCO}, {"ref": "p2", "role": "victim", **victim}],
        relations=[{"from": "p1", "to": "p2", "kind": "ex_partner"}],
        offences=["285"],
        unit="oost-brabant",
        municipality="GM0796",
        registered_at=registered_at,
        occurred_at=registered_at,
    )


def _file(folder: Path, name: str, *lines: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_historic_import_opens_the_case_when_its_registrations_came_in(tmp_path: Path) -> None:
    # Version 2 from 10 March 2024 in the unit: a case opened on the 6th runs on version 1 (today: 2).
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    unit = Organisation.objects.get(code="oost-brabant")
    Rollout.objects.create(process=v2.process, process_version=v2, organisation=unit, valid_from="2024-03-10")
    first = _file(
        tmp_path,
        "first.jsonl",
        _line("PL0600-H-1", "2024-03-06T09:12:00+01:00"),
        _line("PL0600-H-2", "2024-03-20T10:00:00+01:00"),
    )
    import_file(first, historic=True)
    [screening] = ScreeningCase.objects.select_related("case__process_version")
    case = screening.case
    opened = datetime.fromisoformat("2024-03-06T09:12:00+01:00")  # the pair's first registration
    assert case.opened_at == opened and case.reference.startswith("Z2024-")
    assert case.process_version.version == 1  # the version rolled out on that day
    # Its deadline counts from then and the desk's row follows it.
    assert case.deadline_at is not None and opened < case.deadline_at <= opened + timedelta(days=4)
    assert screening.deadline_at == case.deadline_at
    # The batch's second registration of the pair joined it at its own moment.
    events = list(case.events.values_list("kind", "at"))
    assert events == [
        ("opened", opened),
        ("registration", datetime.fromisoformat("2024-03-20T10:00:00+01:00")),
    ]
    assert case.registrations.count() == 2

    later = _file(tmp_path, "later.jsonl", _line("PL0600-H-3", "2024-04-02T10:00:00+02:00"))
    import_file(later, historic=True)
    joined = case.events.filter(kind="registration").order_by("at").last()
    assert joined is not None and joined.at == datetime.fromisoformat("2024-04-02T10:00:00+02:00")
    assert ScreeningCase.objects.count() == 1 and case.registrations.count() == 3


def test_a_normal_import_opens_the_case_now(tmp_path: Path) -> None:
    before = timezone.now()
    import_file(_file(tmp_path, "backlog.jsonl", _line("PL0600-H-9", "2024-03-06T09:12:00+01:00")))
    [screening] = ScreeningCase.objects.select_related("case")
    assert screening.case.opened_at >= before
    assert screening.case.deadline_at is not None and screening.case.deadline_at > before


def test_a_case_opened_on_several_registrations_at_once_is_titled_with_the_persons_list_names(
    tmp_path: Path,
) -> None:
    marieke = {"birth_date": "1984-08-17", "sex": "F", "bsn": "123456782", "given_names": "Marieke"}
    lines = (
        _line("PL0600-H-21", "2024-03-06T09:12:00+01:00", victim={**marieke, "given_names": "Marike",
                                                                 "surname_prefix": "de", "surname": "Graaf"}),
        _line("PL0600-H-22", "2024-03-12T09:12:00+01:00", victim={**marieke, "surname_prefix": "de",
                                                                 "surname": "Graaf"}),
        _line("PL0600-H-23", "2024-03-20T10:00:00+01:00", victim={**marieke, "surname": "Graaf, de"}),
    )  # fmt: skip
    import_file(_file(tmp_path, "three.jsonl", *lines))
    [screening] = ScreeningCase.objects.select_related("case")
    assert screening.case.registrations.count() == 3
    # Neither the first registration's spelling nor the latest's: the one most often written.
    assert screening.victim_name == "Marieke de Graaf"
    assert screening.case.title.endswith("(Marco Hendriks → Marieke de Graaf)")
