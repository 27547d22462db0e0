"""reference_reserve: the register's numbering ("PL0600-2026-000012") for the references Ketenzicht
suggests itself, each number handed out once, above what the register holds of its series."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from ketenzicht.registrations.models import ReferenceCounter
from ketenzicht.registrations.services import reference_reserve, registration_create
from tests.conftest import exchange_registration


@pytest.mark.django_db
def test_numbers_follow_each_other_per_prefix_and_year() -> None:
    taken = [reference_reserve(source="politie", prefix="PL0600", year=2026) for _ in range(3)]
    assert taken == ["PL0600-2026-000001", "PL0600-2026-000002", "PL0600-2026-000003"]
    assert reference_reserve(source="politie", prefix="PL0600", year=2027) == "PL0600-2027-000001"
    assert reference_reserve(source="politie", prefix="PL0500", year=2026) == "PL0500-2026-000001"
    assert reference_reserve(source="politie", prefix="PL0600", year=2026) == "PL0600-2026-000004"


@pytest.mark.django_db
def test_a_number_the_register_holds_already_is_not_handed_out(registrar: Any) -> None:
    """Registrations that came in another way (a feed, an import) in the same numbering: a series starts
    above the highest of them, and a number one of them took meanwhile makes it jump above the highest
    again; another series, or a reference that is no number of it, does not count."""
    for reference in ("PL0600-2024-000007", "PL0600-2024-00009X", "PL0600-2025-000900", "PL0600-2024-EIGEN"):
        registration_create(actor=None, data=exchange_registration(reference=reference), channel="import")
    assert reference_reserve(source="politie", prefix="PL0600", year=2024) == "PL0600-2024-000008"
    for reference in ("PL0600-2024-000009", "PL0600-2024-000041"):  # a feed, meanwhile
        registration_create(actor=None, data=exchange_registration(reference=reference), channel="import")
    assert reference_reserve(source="politie", prefix="PL0600", year=2024) == "PL0600-2024-000042"
    assert reference_reserve(source="politie", prefix="PL0600", year=2024) == "PL0600-2024-000043"


@pytest.mark.django_db
def test_opening_a_form_reads_one_number_of_the_register_not_its_series(registrar: Any) -> None:
    """The register's highest number of a series was searched at every form opened: a scan of the police's
    registrations at a national register's size. Once the series has a counter, one look-up by key."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reference_reserve(source="politie", prefix="PL0600", year=2024)
    with CaptureQueriesContext(connection) as queries:
        assert reference_reserve(source="politie", prefix="PL0600", year=2024) == "PL0600-2024-000002"
    assert not any(
        "LIKE" in q["sql"].upper() or "REGEXP" in q["sql"].upper() for q in queries.captured_queries
    )


@pytest.mark.django_db
def test_a_number_of_a_known_series_takes_one_statement_on_its_counter() -> None:
    """Opening a form raised the counter in three statements (read it, raise it, read it again): now one
    UPDATE that returns the number, beside the look-up of that number in the register."""
    from django.test.utils import CaptureQueriesContext

    reference_reserve(source="politie", prefix="PL0600", year=2024)
    with CaptureQueriesContext(connection) as queries:
        assert reference_reserve(source="politie", prefix="PL0600", year=2024) == "PL0600-2024-000002"
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK"))
    ]
    counter = [sql for sql in statements if ReferenceCounter._meta.db_table in sql]
    assert len(counter) == 1 and counter[0].upper().startswith("UPDATE"), counter
    assert len(statements) == 2, statements  # the counter, and whether the register holds the number
    assert ReferenceCounter.objects.get(series="PL0600-2024-").last == 2


@pytest.mark.django_db(transaction=True)
def test_registrars_asking_at_once_never_get_the_same_number() -> None:
    """Several forms opened at the same moment (threads, each with its own connection): every number once,
    none skipped."""
    taken: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_forms() -> None:
        try:
            start.wait(10)
            for _ in range(5):
                taken.append(reference_reserve(source="politie", prefix="PL0600", year=2026))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_forms) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(taken) == [f"PL0600-2026-{n:06d}" for n in range(1, 31)]
    assert ReferenceCounter.objects.get(series="PL0600-2026-").last == 30
