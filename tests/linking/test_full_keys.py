"""Keys known to be over their cap (FullKey, PostgreSQL): the look-up records them, does not read their
mentions again, and gives the same counts, candidates and features as a look-up that reads them; a
key is forgotten as soon as a mention holding it loses its keys (the one race with a purge that begins
before a look-up records a key is described in docs/linking.md)."""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from ketenzicht.db import quoted_table, rows_insert
from ketenzicht.linking.engine.keys import PairRule, key_number
from ketenzicht.linking.models import FullKey, MentionKey
from ketenzicht.linking.online import _Stored, _stored_lookup
from ketenzicht.registrations.models import PersonMention, Registration
from tests.people import register

pytestmark = pytest.mark.django_db

ONLY_POSTGRESQL = "FullKey is kept on PostgreSQL only; SQLite counts keys in KeyCount"
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason=ONLY_POSTGRESQL)

JAN = {"given_names": "Jan", "surname": "Jansen", "birth_date": "1980-01-01"}
COMMON = "n.y:jansen|1980"  # surname and year of birth: every Jan Jansen of 1980 holds it
OTHER = "D.i1:19800101|j"  # date of birth and initial: the same mentions hold it; names a person, so its
# cap is ten times higher (`engine.keys.key_cap`)
RULE = PairRule(2, rare=0)  # every shared key counts one: two are needed


def jans(count: int) -> list[Registration]:
    return [register(f"J{number}", JAN) for number in range(count)]


def look_up(cap: int) -> _Stored:
    return _stored_lookup([[COMMON, OTHER], [OTHER, "n.y:nobody|1900"]], cap, RULE)


def recorded() -> dict[int, int]:
    return dict(FullKey.objects.values_list("key", "over"))


def same(first: _Stored, second: _Stored) -> bool:
    return (first.counts, first.candidates, first.rows) == (second.counts, second.candidates, second.rows)


@on_postgresql
def test_a_key_found_over_its_cap_is_recorded_and_gives_the_same_look_up_afterwards() -> None:
    jans(3)
    assert MentionKey.objects.filter(key=key_number(COMMON)).count() == 3
    first = look_up(cap=2)
    assert first.counts == {COMMON: 3, OTHER: 3}  # COMMON: the cap + 1, "too common"; OTHER: under its cap
    assert first.candidates == [[], []]  # only OTHER under the cap: one shared key, two needed
    assert recorded() == {key_number(COMMON): 2}
    assert same(look_up(cap=2), first)
    assert recorded() == {key_number(COMMON): 2}


@on_postgresql
def test_a_recorded_key_is_not_read_again() -> None:
    (jan,) = jans(1)
    (mention,) = PersonMention.objects.filter(registration=jan).values_list("pk", flat=True)
    assert look_up(cap=2).candidates[0] == [mention]  # shares both keys, each held once: a candidate
    assert recorded() == {}
    # Recorded as full (as if it had been), the key's one mention is no longer read through it: its count
    # is the cap + 1 and it no longer counts towards the two keys a candidate shares.
    FullKey.objects.create(key=key_number(COMMON), over=2)
    found = look_up(cap=2)
    assert found.counts == {COMMON: 3, OTHER: 1}
    assert found.candidates == [[], []]


@on_postgresql
def test_a_higher_cap_reads_a_recorded_key_again() -> None:
    jans(3)
    look_up(cap=2)
    found = look_up(cap=5)  # recorded as more than 2: not known to be more than 5
    assert found.counts == {COMMON: 3, OTHER: 3}
    assert len(found.candidates[0]) == 3
    FullKey.objects.all().delete()
    assert same(look_up(cap=5), found)


@on_postgresql
def test_deleting_a_mention_forgets_the_keys_it_held_and_no_other() -> None:
    first, *_ = jans(3)
    other = register("X1", {"given_names": "Piet", "surname": "Bakker", "birth_date": "1970-05-05"})
    look_up(cap=2)
    bakker = "n.y:bakker|1970"
    FullKey.objects.create(key=key_number(bakker), over=2)
    first.delete()  # a purge: the mention and its keys go
    assert recorded() == {key_number(bakker): 2}  # the Jansen keys forgotten, the Bakker key kept
    found = look_up(cap=2)  # two Jans left: under the cap again, and found
    assert found.counts == {COMMON: 2, OTHER: 2}
    assert len(found.candidates[0]) == 2
    assert recorded() == {key_number(bakker): 2}
    other.delete()
    assert recorded() == {}


@on_postgresql
def test_keys_rewritten_or_truncated_are_forgotten() -> None:
    jans(3)
    look_up(cap=2)
    MentionKey.objects.filter(key=key_number(OTHER)).update(key=key_number("D.i1:19800102|j"))
    assert recorded() == {key_number(COMMON): 2}
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {MentionKey._meta.db_table}")
    assert recorded() == {}


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's look-up counts through KeyCount")
def test_sqlite_records_no_full_keys() -> None:
    jans(3)
    assert look_up(cap=2).counts == {COMMON: 3, OTHER: 3}
    assert recorded() == {}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_look_ups_recording_the_same_full_keys_at_once_both_finish_with_the_same_answer() -> None:
    jans(3)
    recorded_uncommitted, second_started = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def intake(name: str) -> None:
        try:
            with transaction.atomic():
                if name == "second":
                    second_started.set()
                outcome[name] = look_up(cap=2)  # the second waits here for the first's commit
                if name == "first":
                    recorded_uncommitted.set()
                    assert second_started.wait(10)
                    time.sleep(0.5)  # the second's look-up runs into the uncommitted record
        except BaseException as error:
            outcome[f"{name}_error"] = error
            recorded_uncommitted.set()
        finally:
            connection.close()

    one = threading.Thread(target=intake, args=("first",))
    one.start()
    assert recorded_uncommitted.wait(20)
    two = threading.Thread(target=intake, args=("second",))
    two.start()
    one.join(30)
    two.join(30)
    assert "first_error" not in outcome and "second_error" not in outcome, outcome
    assert same(outcome["first"], outcome["second"])
    assert outcome["first"].counts == {COMMON: 3, OTHER: 3}
    assert recorded() == {key_number(COMMON): 2}


@on_postgresql
def test_a_statement_taking_away_many_key_rows_forgets_every_full_key() -> None:
    # A rebuild's rewrite or a large purge deletes millions of key rows in a few statements: past
    # FORGET_ALL rows the trigger forgets every recorded key at once instead of comparing them one by one.
    forget_all = importlib.import_module("ketenzicht.linking.migrations.0010_full_keys").FORGET_ALL
    jans(3)
    look_up(cap=2)
    assert recorded() == {key_number(COMMON): 2}
    rows = [(10**9 + number, 7) for number in range(forget_all + 1)]  # key 7 of mentions not in the register
    rows_insert(quoted_table(MentionKey), ("mention_id", "key"), rows)
    MentionKey.objects.filter(key=7).delete()  # one statement, none of them holding the recorded key
    assert recorded() == {}
    assert MentionKey.objects.filter(key=key_number(COMMON)).count() == 3
