"""The count per blocking key stays equal to a recount through intake, rebuild, merge and split (where the
database keeps counts: not on PostgreSQL), and a key counted more often than the cap is not looked up
online."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from ketenzicht.intake.pipeline import intake_registrations
from ketenzicht.linking.batch.blocking import with_block_keys
from ketenzicht.linking.batch.frame import features_frame
from ketenzicht.linking.engine.keys import (
    BSN_KEY_PREFIX,
    DEFAULT_PAIR_RULE,
    EVERY_SHARED_KEY,
    KEY_CLASS_SHIFT,
    KEY_LABELS,
    PairRule,
    blocking_keys,
    key_cap,
    key_cap_sql,
    key_class,
    key_number,
    key_number_sql,
    keys_numbered,
    stored_key_cap_sql,
    stored_weight_sql,
)
from ketenzicht.linking.engine.normalise import normalise_mention
from ketenzicht.linking.features import (
    COPY_KEYS_FROM,
    features_of,
    features_store,
    key_counts_kept,
    key_counts_recount,
)
from ketenzicht.linking.models import KeyCount, MentionFeatures, MentionKey, MentionLink, ReviewItem
from ketenzicht.linking.online import _stored_lookup, model_version, sharing_enough
from ketenzicht.linking.services import (
    mention_split,
    merge_undo,
    review_decide,
)
from ketenzicht.linking.splink_table import BLOCK_KEYS
from ketenzicht.registrations.models import PersonMention
from tests.conftest import exchange_registration, in_numbering
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db

ANNA = {"given_names": "Anna Maria", "surname": "Jansen-de Vries", "birth_date": "1987-11-02", "sex": "F"}


def counted() -> dict[int, int]:
    return dict(KeyCount.objects.values_list("key", "n"))


def recounted() -> dict[int, int]:
    """What KeyCount must hold: every stored key counted, or nothing where the database keeps no counts."""
    return stored_keys() if key_counts_kept() else {}


def stored_keys() -> dict[int, int]:
    """How many mentions hold each stored key, by the key's number (`key_number`)."""
    return dict(Counter(MentionKey.objects.values_list("key", flat=True)))


def numbers(keys: Iterable[str]) -> list[int]:
    """The keys as the register stores them, sorted."""
    return sorted(key_number(key) for key in keys)


def keys_of_registration(registration: Any) -> list[str]:
    """The keys of a registration's mentions, as text: stored, they are numbers."""
    mentions = PersonMention.objects.filter(registration=registration)
    return sorted({key for mention in mentions for key in blocking_keys(features_of(mention))})


def _stored_candidates(
    keys: list[str], cap: int, rule: PairRule = EVERY_SHARED_KEY
) -> tuple[dict[str, int], list[int]]:
    """The look-up for one new mention with these keys: the keys' counts, and its stored candidates."""
    found = _stored_lookup([keys], cap, rule)
    return found.counts, found.candidates[0]


def a_register() -> list[Any]:
    return [
        register("R1", DENNIS, SANDRA),
        register("R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"}),
        register("R3", ANNA, SANDRA),
        register("R4", {**ANNA, "surname": "Jansen"}, {**DENNIS, "birth_date": "1986-00-00"}),
    ]


def test_intake_counts_every_key_of_every_mention() -> None:
    a_register()
    assert MentionKey.objects.count() > 30
    assert counted() == recounted()
    assert max(stored_keys().values()) >= 3  # keys shared by several mentions are counted once each
    assert bool(counted()) == (connection.vendor != "postgresql")


def test_a_rebuild_leaves_counts_equal_to_a_recount(capsys: Any) -> None:
    a_register()
    KeyCount.objects.update(n=99)  # whatever was there, the rebuild counts anew
    call_command("link_persons", "--rebuild", "--no-progress")
    assert counted() == recounted()
    assert MentionKey.objects.count() > 30
    # The rebuild builds the keys in DuckDB: each mention's are those intake stores.
    for mention in PersonMention.objects.all():
        stored = sorted(MentionKey.objects.filter(mention=mention).values_list("key", flat=True))
        assert stored == numbers(blocking_keys(features_of(mention))), mention.pk
    links = MentionLink.objects.all()
    assert links.count() == PersonMention.objects.count()
    assert {(link.method, link.model_version) for link in links} == {("rebuild", model_version())}
    assert all(link.updated_at is not None for link in links)


@override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5)
def test_merge_split_and_undo_change_no_key_and_no_count(registrar: Any) -> None:
    a_register()
    second = register("R5", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    before = counted()
    assert before == recounted()
    review_decide(item=ReviewItem.objects.filter(mention__registration=second)[0], same=True, actor=registrar)
    assert counted() == before == recounted()
    mention_split(mention=second.mentions.get(), actor=registrar)
    assert counted() == before == recounted()
    from ketenzicht.linking.models import PersonMerge

    merge_undo(merge=PersonMerge.objects.get(), actor=registrar)
    assert counted() == before == recounted()


def test_storing_features_again_counts_the_old_keys_out() -> None:
    first = a_register()[0]
    mention = PersonMention.objects.get(registration=first, ref="p1")
    changed = PersonMention(
        **{f.attname: getattr(mention, f.attname) for f in PersonMention._meta.concrete_fields}
    )
    changed.surname, changed.birth_date_raw = "Verhoeven", "1990-01-01"
    old_keys = set(MentionKey.objects.filter(mention=mention).values_list("key", flat=True))
    features_store([(changed, features_of(changed))], replace=True)
    new_keys = set(MentionKey.objects.filter(mention=mention).values_list("key", flat=True))
    assert new_keys != old_keys
    assert counted() == recounted()
    assert MentionFeatures.objects.get(mention=mention).data["surname"] == "verhoeven"


@pytest.mark.django_db(transaction=True)  # migrations run outside a test's transaction (SQLite)
def test_the_migration_turns_the_stored_keys_into_their_numbers_and_counts_them() -> None:
    """A register stored before (keys as text, written by migration 0002 from the stored features) holds,
    after migration 0007, the keys intake stores now (their numbers), and their counts where kept."""
    a_register()
    keys, counts = sorted(MentionKey.objects.values_list("mention_id", "key")), counted()
    before, after = ("linking", "0006_mentionfeatures_keys_digest"), ("linking", "0007_keys_as_numbers")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        editor = SimpleNamespace(connection=connection)
        importlib.import_module(
            "ketenzicht.linking.migrations.0002_keycount_mentionkey_composite_pk"
        ).keys_refill(old, editor)
        importlib.import_module(
            "ketenzicht.linking.migrations.0005_keycount_not_kept_on_postgresql"
        ).counts_empty(old, editor)
        texts = old.get_model("linking", "MentionKey").objects.values_list("key", flat=True)
        assert "n.y:linden|1986" in set(texts)
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        assert sorted(MentionKey.objects.values_list("mention_id", "key")) == keys
        assert counted() == counts
    finally:
        # The later migrations again (0009 takes the keys' constraint off), whatever happened above: a
        # test database left at 0007 made a later test on the same worker fail at its constraint check.
        MigrationExecutor(connection).migrate(latest)
    KeyCount.objects.all().delete()
    key_counts_recount()
    assert counted() == counts


def test_a_key_held_above_the_cap_is_not_looked_up() -> None:
    # Dennis without a date of birth and a postcode: the keys of a date of birth and of a name in a postcode
    # area have a cap of their own (the next test).
    home = {"street": "Kruisstraat", "house_number": "41", "city": "Eindhoven"}
    dennis = {**{k: v for k, v in DENNIS.items() if k != "birth_date"}, "address": home}
    with override_settings(KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY=1, KETENZICHT_LINK_RARE_KEY_MENTIONS=0):
        first = register("R1", dennis)
        again = register("R1b", dennis)
        assert person_of(again) == person_of(first)
        # Every key of Dennis is now held by two mentions, more than the cap allows: none is looked up.
        second = register("R2", dennis)
        assert person_of(second) != person_of(first)
        assert MentionLink.objects.get(mention__registration=second).method == "new"
        # One key under the cap is not enough to find him (a candidate shares two, a BSN key or a rare key,
        # here none is rare: keys.PairRule), two are: R1's keys alone (the keys and counts kept in step).
        keys = [k for k in keys_of_registration(first) if not k.startswith(BSN_KEY_PREFIX)]
        assert numbers(keys) == sorted(
            k for k in MentionKey.objects.filter(mention__registration=first).values_list("key", flat=True)
        )

        def only_first_holds(key: str) -> None:
            number = key_number(key)
            MentionKey.objects.filter(key=number).exclude(mention__registration=first).delete()
            KeyCount.objects.filter(key=number).update(n=1)

        only_first_holds(keys[0])
        third = register("R3", dennis)
        assert person_of(third) not in (person_of(first), person_of(second))
        only_first_holds(keys[0])
        only_first_holds(keys[1])
        fourth = register("R4", dennis)
        assert person_of(fourth) == person_of(first)
        assert _stored_candidates([keys[1]], 1)[0] == {keys[1]: 2}  # R4's key: two again, over the cap


def test_retrieval_reads_the_mentions_of_a_key_only_up_to_the_cap() -> None:
    for i, given in enumerate(("Anton", "Bert", "Cees", "Dirk"), start=1):
        register(f"R{i}", {"given_names": given, "surname": "Linden", "birth_date": f"1986-0{i}-1{i}"})
    common, rare = "n.y:linden|1986", "D.n:19860111|anton"
    mentions = list(PersonMention.objects.order_by("pk").values_list("pk", flat=True))
    counts, stored = _stored_candidates([common, rare, "n.y:nobody|1900"], 3)
    assert counts == {common: 4, rare: 1}
    assert stored == mentions[:1]  # Anton by the rare key alone: the common one is over the cap of 3
    counts, stored = _stored_candidates([common, rare], 4)
    assert stored == mentions


def test_two_mentions_whose_only_shared_keys_are_common_are_still_compared() -> None:
    others = ("Jan Klaas", "Groningen"), ("Jan Willem", "Zwolle"), ("Jan", "Delft"), ("Jan Hendrik", "Breda")
    jan = {"given_names": "Jan Pieter", "surname": "Jansen", "sex": "M", "address": {"city": "Utrecht"}}
    with override_settings(KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY=3):
        for i, (given, city) in enumerate(others, start=1):
            register(f"R{i}", {**jan, "given_names": given, "address": {"city": city}})
        first = register("R5", jan)
        second = register("R6", jan)
    # Every key made of the names alone is held by six mentions, over the cap of 3; the names refined with
    # the place (or all initials) are held by these two only, so the second is compared with the first.
    plain = keys_of_registration(first)
    assert all(stored_keys()[key_number(k)] > 3 for k in plain if "+" not in k.split(":")[0])
    assert (
        person_of(second) == person_of(first)
        or ReviewItem.objects.filter(mention__registration=second, candidate__registration=first).exists()
    )


def test_online_a_candidate_shares_two_keys_a_bsn_key_or_a_rare_key() -> None:
    jan = register("R1", {"given_names": "Jan", "surname": "Jansen", "birth_date": "1980-01-01"})
    (stored,) = PersonMention.objects.filter(registration=jan).values_list("pk", flat=True)
    kees = normalise_mention("k", given_names="Kees", surname="Jansen", birth_date="1980-05-05")
    keys = blocking_keys(kees)  # shares "n.y:jansen|1980" with Jan, no other key
    assert _stored_candidates(keys, 100, EVERY_SHARED_KEY)[1] == [stored]
    assert _stored_candidates(keys, 100, PairRule(2, rare=0))[1] == []
    # Held by Jan and Kees: two mentions, rare enough when rare is 2 or more.
    assert _stored_candidates(keys, 100, PairRule(2, rare=1))[1] == []
    assert _stored_candidates(keys, 100, PairRule(2, rare=2))[1] == [stored]
    # In a batch of new mentions, each one's candidates are its own: a stored mention that shares one
    # key with each of two new mentions is a candidate of neither.
    held = {"n.y:a": [1], "n.y:b": [1, 2], BSN_KEY_PREFIX + "1": [3], "D.n:x": [4]}
    counts = {"n.y:a": 50, "n.y:b": 50, BSN_KEY_PREFIX + "1": 50, "D.n:x": 50}
    rule = PairRule(2, rare=10)
    assert sharing_enough(["n.y:a", "n.y:b", BSN_KEY_PREFIX + "1", "D.n:x"], held, counts, rule) == [1, 3]
    assert sharing_enough(["n.y:a", "D.n:x"], held, counts, rule) == []
    assert sharing_enough(["n.y:a", "D.n:x"], held, counts, EVERY_SHARED_KEY) == [1, 4]
    assert sharing_enough(["n.y:a", "D.n:x"], held, {**counts, "D.n:x": 9}, rule) == [4]  # 9 + this one


def test_the_look_up_reads_a_stored_mention_only_when_it_shares_enough_keys_with_one_new_mention() -> None:
    jan = register("R1", {"given_names": "Jan", "surname": "Jansen", "birth_date": "1980-01-01"})
    (stored,) = PersonMention.objects.filter(registration=jan).values_list("pk", flat=True)
    one, other = "n.y:jansen|1980", "D.i1:19800101|j"
    held = set(MentionKey.objects.filter(mention_id=stored).values_list("key", flat=True))
    assert {key_number(one), key_number(other)} <= held
    rule = PairRule(2, rare=0)  # every key counts one: two are needed
    # Two new mentions of one batch, each sharing one of Jan's keys: he is a candidate of neither, and his
    # features are not read.
    apart = _stored_lookup([[one], [other]], 100, rule)
    assert apart.rows == {} and apart.candidates == [[], []]
    # One new mention that shares both.
    together = _stored_lookup([[one, "n.y:nobody|1900"], [other, one]], 100, rule)
    assert set(together.rows) == {stored}
    assert together.candidates == [[], [stored]]  # the first shares one key with him, the second two
    assert apart.counts == together.counts == {one: 1, other: 1}
    assert set(_stored_lookup([[one, other]], 100, rule).rows) == {stored}


def test_a_person_registered_more_often_than_the_cap_is_still_found_by_his_bsn_date_of_birth_or_home() -> (
    None
):
    # A suspect reported again and again: past the cap all his name and address keys are "too common",
    # held by his own mentions. His BSN key, his date of birth with his name, and his name with his postcode
    # area name one person: those keys are capped ten times higher (keys.key_cap).
    dennis = {**DENNIS, "bsn": "123456782"}
    with override_settings(KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY=2):
        reports = [register(f"R{i}", dennis) for i in range(6)]
        assert len({person_of(r) for r in reports}) == 1
        stored = stored_keys()
        held = {key: stored.get(key_number(key)) for key in keys_of_registration(reports[0])}
        assert held["b:123456782"] == held["D.i1:19860314|d"] == held["n+q:dennis|linden|5616"] == 6
        assert held["a.p:41|5616KD"] == held["n.y:linden|1986"] == 6  # over the cap
        # Without a BSN his date of birth with his name finds him.
        without_bsn = register("R6", DENNIS)
        assert person_of(without_bsn) == person_of(reports[0])
        # Without a BSN and a date of birth his name in his postcode area does.
        undated = {k: v for k, v in DENNIS.items() if k != "birth_date"}
        assert person_of(register("R7", undated)) == person_of(reports[0])
        # With neither, nor a postcode, only keys of his name and his street are left, all over the cap: a
        # new person (docs/linking.md, "Keys that name a person").
        elsewhere = {
            **undated,
            "address": {"street": "Kruisstraat", "house_number": "41", "city": "Eindhoven"},
        }
        assert person_of(register("R8", elsewhere)) != person_of(reports[0])
    features = [
        normalise_mention(
            f"m{i}", given_names="Dennis", surname="Linden", birth_date="1986-03-14", bsn="123456782"
        )
        for i in range(6)
    ]
    frame = with_block_keys(features_frame(features, with_keys=True), max_key_mentions=2)
    for keys in frame[BLOCK_KEYS]:  # the rebuild's keys alike: the BSN and the date keys only
        assert "b:123456782" in keys and "D.i1:19860314|d" in keys
        assert all(key.startswith(("b:", "D.")) for key in keys)


@pytest.mark.parametrize(
    ("key", "cap"),
    [
        ("b:123456782", 1000),
        ("D.i1:19860314|d", 1000),
        ("D.c:19860314|utrecht", 1000),
        ("i1.n+q:d|linden|5616", 1000),
        ("n.t+q:dennis|den|5616", 1000),
        ("n.y:linden|1986", 100),
        ("d.m.s:14|3|linden", 100),
        ("i1.n+c:d|linden|utrecht", 100),
        ("a.p:41|5616KD", 100),
    ],
)
def test_the_cap_of_a_key_online_in_python_and_in_sql_alike(key: str, cap: int) -> None:
    assert key_cap(key, 100) == cap
    with connection.cursor() as cursor:  # online, where the key is stored as its number
        cursor.execute(f"SELECT {stored_key_cap_sql('k', 100)} FROM (SELECT %s AS k) AS t", [key_number(key)])
        assert cursor.fetchone()[0] == cap
    in_duckdb = duckdb.execute(f"SELECT {key_cap_sql('k', 100)} FROM (SELECT CAST(? AS VARCHAR) AS k)", [key])
    assert in_duckdb.fetchone() == (cap,)  # the batch


def test_a_key_is_stored_as_one_number_in_python_duckdb_and_postgresql() -> None:
    keys = [f"{label}:dennis|linden|5616" for label in KEY_LABELS] + ["b:123456782", "n.y:jansen|1980", "f:"]
    expected = [key_number(key) for key in keys]
    assert len(set(expected)) == len(keys) and all(0 <= n < 2**63 for n in expected)  # a bigint
    in_duckdb = duckdb.execute(
        f"SELECT {key_number_sql('k')} FROM unnest(CAST(? AS VARCHAR[])) AS t(k)", [keys]
    )
    assert [n for (n,) in in_duckdb.fetchall()] == expected  # the rebuild's keys
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the migration to numbers
            in_postgresql = key_number_sql("k", "postgresql")
            cursor.execute(
                f"SELECT {in_postgresql} FROM unnest(CAST(%s AS text[])) WITH ORDINALITY t(k, i) ORDER BY i",
                [keys],
            )
            assert [n for (n,) in cursor.fetchall()] == expected
        # What the look-up must know of a stored key without its text: its cap and what it counts.
        for key, number in zip(keys, expected, strict=True):
            for rule in (DEFAULT_PAIR_RULE, PairRule(2, 0), PairRule(3, 10), EVERY_SHARED_KEY):
                for count in (1, 5, 6, 11):
                    cursor.execute(
                        f"SELECT {stored_key_cap_sql('%s', 10)}, {stored_weight_sql(rule, '%s', '%s')}",
                        [number, number, count],
                    )
                    assert cursor.fetchone() == (key_cap(key, 10), rule.weight(key, count)), (
                        key,
                        rule,
                        count,
                    )


def test_a_batch_s_keys_numbered_at_once_are_each_key_s_number_of_its_own_class() -> None:
    """The link step numbers a batch's keys once, for its look-up and for storing them (`keys_numbered`):
    each key gets its own `key_number`, in order, a key held twice the same, and every key the class its
    text says, whichever key of its label was numbered first."""
    holders = [
        [f"{label}:dennis|linden|5616" for label in KEY_LABELS],
        ["b:123456782", "n.y:jansen|1980", "f:", "D.n:19800101|jan", "D:19800101"],
        ["n.y:jansen|1980", "b:123456782"],
        [],
    ]
    numbered = keys_numbered(holders)
    assert numbered == [[key_number(key) for key in held] for held in holders]
    assert numbered[1][1] == numbered[2][0] and numbered[1][0] == numbered[2][1]
    for held, its in zip(holders, numbered, strict=True):
        for key, number in zip(held, its, strict=True):
            assert number >> KEY_CLASS_SHIFT == key_class(key), key
    assert {key_class(key) for held in holders for key in held} == {0, 1, 2}


def test_a_bulk_batch_stores_each_mentions_own_keys_as_one_intake_does() -> None:
    """A batch large enough that PostgreSQL takes its keys by COPY (`features.COPY_KEYS_FROM`) stores the
    same keys per mention as an intake of one registration (INSERT statements), and counts them."""
    first = ["Dennis", "Sandra", "Anna", "Mohammed", "Fatima", "Jan", "Lisa", "Piotr", "Sanne", "Ahmed"]
    items = [
        exchange_registration(
            reference=in_numbering(f"B{n}"),
            persons=[
                {**DENNIS, "ref": "p1", "role": "suspect", "given_names": first[n % 10]}
                | {"birth_date": f"19{60 + n}-01-02"},
                {"ref": "p2", "role": "victim", **ANNA, "given_names": first[(n + 3) % 10]},
            ],
        )
        for n in range(40)
    ]
    outcomes = intake_registrations(actor=None, items=items, channel="import")
    assert all(outcome.created for outcome in outcomes)  # type: ignore[union-attr]
    single = register("R1", DENNIS, SANDRA)
    assert MentionKey.objects.count() >= COPY_KEYS_FROM + 2  # enough for COPY on PostgreSQL
    for mention in PersonMention.objects.all():
        stored = sorted(MentionKey.objects.filter(mention=mention).values_list("key", flat=True))
        assert stored == numbers(blocking_keys(features_of(mention))), mention.pk
    assert PersonMention.objects.filter(registration=single).count() == 2
    assert counted() == recounted()
