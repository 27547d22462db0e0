"""registration_create: stores all or nothing, idempotent on source + reference, logs the create."""

from __future__ import annotations

from typing import Any

import pytest

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.db import quoted_table
from ketenzicht.registrations.models import MentionRelation, PersonMention, Registration
from ketenzicht.registrations.services import CreateResult, RegistrationInvalid, registration_create
from tests.conftest import exchange_registration

pytestmark = pytest.mark.django_db


def test_a_registration_is_stored_with_persons_relations_and_offences(registrar: Any) -> None:
    data = exchange_registration(kenmerk_extern="X-1")
    data["persons"][1]["bsn"] = "123456789"  # fails the 11-check
    data["persons"][1]["birth_date"] = "1987-11-00"
    result = registration_create(actor=registrar, data=data, channel="api")
    assert result.created
    reg = Registration.objects.get(pk=result.registration.pk)
    assert reg.unit is not None and reg.municipality is not None
    assert (reg.source, reg.reference, reg.kind, reg.unit.code, reg.municipality.code) == (
        "politie",
        "PL0600-2024-000123",
        "aangifte",
        "oost-brabant",
        "GM0796",
    )
    assert sorted(reg.offences.values_list("article", flat=True)) == ["285", "350"]
    assert reg.extra == {"kenmerk_extern": "X-1"}
    suspect, victim = reg.mentions.order_by("ref")
    assert (suspect.surname_prefix, suspect.surname, suspect.bsn_valid, suspect.postcode) == (
        "van der",
        "Berg",
        True,
        "5611 NB",
    )
    assert (victim.bsn, victim.bsn_valid, victim.birth_year, victim.birth_month, victim.birth_day) == (
        "123456789",
        False,
        1987,
        11,
        None,
    )
    relation = MentionRelation.objects.get(registration=reg)
    assert (relation.from_mention, relation.to_mention, relation.kind) == (suspect, victim, "ex_partner")
    entry = AccessLogEntry.objects.get(action="create", object_id=str(reg.pk))
    assert (entry.actor_username, entry.organisation_code, entry.result) == (
        registrar.username,
        "oost-brabant",
        "stored",
    )


def test_the_same_source_and_reference_twice_stores_once(registrar: Any) -> None:
    first = registration_create(actor=registrar, data=exchange_registration(), channel="api")
    again = registration_create(actor=registrar, data=exchange_registration(), channel="import")
    assert first.created and not again.created and not again.conflict
    assert again.registration.pk == first.registration.pk
    assert Registration.objects.count() == 1 and PersonMention.objects.count() == 2
    assert AccessLogEntry.objects.filter(action="create").count() == 1


def test_a_changed_line_under_a_known_reference_is_a_conflict_and_changes_nothing(registrar: Any) -> None:
    registration_create(actor=registrar, data=exchange_registration(), channel="api")
    changed = registration_create(
        actor=registrar, data=exchange_registration(summary="anders"), channel="api"
    )
    assert not changed.created and changed.conflict
    assert Registration.objects.get().summary.startswith("Ex-partner")


def test_invalid_input_stores_nothing_at_all(registrar: Any) -> None:
    data = exchange_registration()
    data["persons"][1]["birth_date"] = "1987-02-30"
    with pytest.raises(RegistrationInvalid) as caught:
        registration_create(actor=registrar, data=data, channel="api")
    assert [(e.field, "not a date" in e.reason) for e in caught.value.errors] == [
        ("persons[1].birth_date", True)
    ]
    assert Registration.objects.count() == PersonMention.objects.count() == 0
    assert not AccessLogEntry.objects.filter(action="create").exists()


def test_a_failure_half_way_rolls_back_the_whole_registration(registrar: Any, monkeypatch: Any) -> None:
    from ketenzicht import db
    from ketenzicht.registrations import services

    original = db.rows_insert

    def broken(table: str, columns: Any, rows: Any, **kwargs: Any) -> None:
        if table == quoted_table(MentionRelation):  # after the registration and its mentions
            raise RuntimeError("disk full")
        original(table, columns, rows, **kwargs)

    monkeypatch.setattr(services, "rows_insert", broken)
    with pytest.raises(RuntimeError):
        registration_create(actor=registrar, data=exchange_registration(), channel="api")
    assert Registration.objects.count() == PersonMention.objects.count() == 0


def test_a_batch_stores_each_good_item_and_refuses_only_what_the_database_refuses(
    registrar: Any, monkeypatch: Any
) -> None:
    from django.db import DataError

    from ketenzicht import db
    from ketenzicht.registrations import services
    from ketenzicht.registrations.services import registrations_create

    original = db.rows_insert

    def refuse_one(table: str, columns: Any, rows: Any, **kwargs: Any) -> None:
        rows = list(rows)
        if any("Onopslaanbaar" in row for row in rows):
            raise DataError("value too long")
        original(table, columns, rows, **kwargs)

    monkeypatch.setattr(services, "rows_insert", refuse_one)
    bad = exchange_registration(reference="PL0600-R-2")
    bad["persons"][1]["surname"] = "Onopslaanbaar"
    items = [
        exchange_registration(reference="PL0600-R-1"),
        bad,
        exchange_registration(reference="PL0600-R-1"),
        {"x": 1},
    ]
    outcomes = registrations_create(actor=registrar, items=items, channel="import")
    first, refused, repeat, invalid = outcomes
    assert isinstance(first, CreateResult) and first.created
    assert isinstance(refused, RegistrationInvalid) and refused.errors[0].field == "(registration)"
    assert (
        isinstance(repeat, CreateResult) and not repeat.created and repeat.registration == first.registration
    )
    assert isinstance(invalid, RegistrationInvalid) and {e.field for e in invalid.errors} >= {
        "source",
        "persons",
    }
    assert list(Registration.objects.values_list("reference", flat=True)) == ["PL0600-R-1"]
    assert PersonMention.objects.count() == 2
    assert AccessLogEntry.objects.filter(action="create").count() == 1
