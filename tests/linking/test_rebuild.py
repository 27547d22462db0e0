"""`link_persons --rebuild`: persons keep their ids, reviewers' decisions bind, the BSN rule holds."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.linking import features as features_module
from ketenzicht.linking import rebuild
from ketenzicht.linking.batch.blocking import mention_key_digests, mention_key_rows
from ketenzicht.linking.batch.connection import _connection
from ketenzicht.linking.batch.frame import columns_frame, features_frame
from ketenzicht.linking.engine.columns import FeatureColumns
from ketenzicht.linking.engine.keys import blocking_keys, key_number, keys_digest
from ketenzicht.linking.engine.resolve import cluster
from ketenzicht.linking.features import features_of, features_of_all, mention_columns
from ketenzicht.linking.models import MentionFeatures, MentionKey, MentionLink, PairDecision, ReviewItem
from ketenzicht.linking.online import link_model
from ketenzicht.linking.services import mention_split, pair_decide
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import PersonMention
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db

KEES = {"given_names": "Kees", "surname": "de Vries", "birth_date": "1979-05-30"}


def test_a_rebuild_keeps_person_ids_and_links(capsys: Any) -> None:
    first = register("R1", DENNIS, SANDRA)
    second = register(
        "R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"}, SANDRA
    )
    before = dict(MentionLink.objects.values_list("mention_id", "person_id"))
    call_command("link_persons", "--rebuild", "--no-progress")
    assert "4 mentions" in capsys.readouterr().out
    assert dict(MentionLink.objects.values_list("mention_id", "person_id")) == before
    assert person_of(first) == person_of(second)
    assert set(MentionLink.objects.values_list("method", flat=True)) == {"rebuild"}
    assert AccessLogEntry.objects.filter(action="rebuild").exists()


def test_a_rebuild_that_normalises_in_a_second_process_gives_the_same_persons(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    # A large register's names are normalised in a forked second process (`processes_for`, from 100,000
    # mentions): here forced for four. The same links, and the database connection the fork shared is
    # the rebuild's still: the next registration is linked through it.
    first = register("R1", DENNIS, SANDRA)
    register("R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"}, SANDRA)
    before = dict(MentionLink.objects.values_list("mention_id", "person_id"))
    asked: list[int] = []

    def two(count: int) -> int:
        asked.append(count)
        return 2

    monkeypatch.setattr(features_module, "processes_for", two)
    call_command("link_persons", "--rebuild", "--no-progress")
    assert asked == [4]
    assert "4 mentions" in capsys.readouterr().out
    assert dict(MentionLink.objects.values_list("mention_id", "person_id")) == before
    third = register("R3", DENNIS)
    assert person_of(third) == person_of(first)


def test_a_reviewers_different_binds_the_rebuild(registrar: Any) -> None:
    first = register("R1", DENNIS)
    second = register("R2", DENNIS)
    assert person_of(first) == person_of(second)
    pair_decide(
        left_id=first.mentions.get().pk,
        right_id=second.mentions.get().pk,
        decision=PairDecision.Decision.DIFFERENT,
        actor=registrar,
    )
    call_command("link_persons", "--rebuild", "--no-progress")
    assert person_of(first) != person_of(second)


def test_different_valid_bsns_stay_apart_after_a_rebuild() -> None:
    first = register("R1", {**DENNIS, "bsn": "111222333"})
    second = register("R2", {**DENNIS, "bsn": "123456782"})
    call_command("link_persons", "--rebuild", "--no-progress")
    assert person_of(first) != person_of(second)


def test_the_command_wants_rebuild_said_out_loud() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--rebuild"):
        call_command("link_persons")


def test_a_rebuild_normalises_every_mention_at_once_to_the_features_intake_gives_one_by_one(
    django_assert_num_queries: Any,
) -> None:
    register("R1", DENNIS, SANDRA)
    register("R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"})
    register(
        "R3",
        {"given_names": "Özlem Çiğdem", "surname": "Yılmaz-El Amrani", "birth_date": "1985-00-00"},
        {"given_names": "S.", "surname": "Verbeek-de Vries", "birth_date": "1988-02-09", "sex": "F"},
    )
    register("R4", {"surname": "Jansen", "phone": "06-12345678"})
    mentions = list(PersonMention.objects.order_by("id"))
    assert len(mentions) == 6
    with django_assert_num_queries(1):  # the inputs read column by column, no query per mention
        columns = mention_columns()
    features = features_of_all(columns)
    assert list(features) == [features_of(mention) for mention in mentions]
    assert features[-1].phone
    assert features[1:3] == [features_of(mention) for mention in mentions[1:3]]
    assert features.of(str(mentions[2].pk)) == features_of(mentions[2])
    with pytest.raises(KeyError):
        features.of(str(mentions[-1].pk + 1))
    # The frame the rebuild predicts on, made from the columns, gives the table Splink reads from the frame
    # of the features one by one (its columns are of dtype object, the lists the normalisation's tuples),
    # and the features read back from its arrays are those features.
    frame = columns_frame(features)
    assert _splink_table(frame) == _splink_table(features_frame(list(features)))
    assert list(FeatureColumns.of_frame(frame)) == list(features)
    assert FeatureColumns.of_frame(frame).of(str(mentions[2].pk)) == features_of(mentions[2])
    # The keys and their fingerprints DuckDB builds from it (from the key columns alone): intake's.
    every_key = [(f.unique_id, key_number(key)) for f in features for key in blocking_keys(f)]
    assert sorted(mention_key_rows(frame)) == sorted(every_key) != []
    digests = [(int(f.unique_id), keys_digest(blocking_keys(f))) for f in features]
    assert list(mention_key_digests(frame)) == digests


def _splink_table(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The rows of the table DuckDB makes of a features frame for Splink (`batch.connection._connection`)."""
    con = _connection(frame)
    try:
        return con.execute("SELECT * FROM mentions ORDER BY unique_id").fetchall()
    finally:
        con.close()


def _stored() -> tuple[dict[int, Any], dict[int, set[int]]]:
    features = {
        m: (data, digest)
        for m, data, digest in MentionFeatures.objects.values_list("mention_id", "data", "keys_digest")
    }
    keys: dict[int, set[int]] = {}
    for mention, key in MentionKey.objects.values_list("mention_id", "key"):
        keys.setdefault(mention, set()).add(key)
    return features, keys


def test_a_rebuild_writes_anew_only_the_features_and_keys_that_changed(capsys: Any) -> None:
    register("R1", DENNIS, SANDRA)
    register("R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"}, SANDRA)
    register("R3", {"given_names": "Jan", "surname": "Jansen", "birth_date": "1985-04-12"})
    register("R4", {"given_names": "Fatima", "surname": "El Amrani", "birth_date": "1990-11-03"})
    register("R5", {"given_names": "Kees", "surname": "de Vries", "postcode": "3511AB", "house_number": "12"})
    intake = _stored()
    assert len(intake[0]) == 7
    assert set(intake[0]) == set(PersonMention.objects.values_list("pk", flat=True))
    assert all(digest for _, digest in intake[0].values())  # intake stores the keys' fingerprint

    # Intake's features and keys are what the rebuild builds: nothing is written again.
    call_command("link_persons", "--rebuild", "--no-progress")
    assert "features and keys of 0 mentions written anew" in capsys.readouterr().out
    assert _stored() == intake

    # Stored rows that differ from what the rebuild builds, as a new normalisation or key scheme would
    # leave them: other features, a key missing, a fingerprint not known.
    first, second, third, *_ = sorted(intake[0])
    data = dict(intake[0][first][0], surname_full="iemand anders")
    MentionFeatures.objects.filter(mention_id=first).update(data=data)
    MentionKey.objects.filter(mention_id=second, key=sorted(intake[1][second])[0]).delete()
    MentionFeatures.objects.filter(mention_id=second).update(keys_digest=None)
    MentionFeatures.objects.filter(mention_id=third).update(keys_digest=None)
    call_command("link_persons", "--rebuild", "--no-progress")
    assert "features and keys of 3 mentions written anew" in capsys.readouterr().out
    assert _stored() == intake
    for mention in PersonMention.objects.all():
        features = link_model().prepare(features_of(mention))  # with the name-frequency buckets
        assert intake[0][mention.pk] == (features.as_row(), keys_digest(blocking_keys(features)))
        assert intake[1].get(mention.pk, set()) == {key_number(key) for key in blocking_keys(features)}


def test_a_rebuild_writes_every_mention_anew_when_most_changed(capsys: Any) -> None:
    register("R1", DENNIS, SANDRA)
    register("R2", {"given_names": "Jan", "surname": "Jansen", "birth_date": "1985-04-12"})
    intake = _stored()
    MentionFeatures.objects.update(keys_digest=None)  # a register stored before the fingerprint
    MentionKey.objects.filter(mention_id=min(intake[0])).delete()
    call_command("link_persons", "--rebuild", "--no-progress")
    assert "features and keys of 3 mentions written anew" in capsys.readouterr().out
    assert _stored() == intake


def test_a_rebuild_opens_the_same_review_items_a_part_at_a_time(monkeypatch: Any) -> None:
    from tests.linking.test_date_guard import FATHER, HOME

    register("R1", {**FATHER, "address": HOME})
    register("R2", {"given_names": "Petrus", "surname": "Peeters", "sex": "M", "address": HOME})
    register("R3", {**FATHER, "given_names": "Petrus", "birth_date": "1991-02-14", "address": HOME})
    register("R4", DENNIS, SANDRA)
    register("R5", {**DENNIS, "birth_date": ""}, {**SANDRA, "birth_date": "", "given_names": "S."})
    register("R6", {**DENNIS, "birth_date": "1986-04-13"}, {**SANDRA, "surname": "Verbeek-Jansen"})

    def opened() -> list[tuple[Any, ...]]:
        ReviewItem.objects.all().delete()
        call_command("link_persons", "--rebuild", "--no-progress")
        fields = ("mention_id", "candidate_id", "reason", "comparisons", "priority")
        return sorted(ReviewItem.objects.values_list(*fields))

    at_once = opened()
    assert len({reason for _, _, reason, _, _ in at_once}) == 2 and len(at_once) == 3
    monkeypatch.setattr(rebuild, "REVIEWS_AT_ONCE", 1)
    assert opened() == at_once


@pytest.mark.parametrize("all_anew", [False, True])
def test_a_mention_registered_while_the_rebuild_runs_keeps_its_link_features_and_keys(
    monkeypatch: Any, all_anew: bool
) -> None:
    register("R1", DENNIS, SANDRA)
    register("R2", {**DENNIS, "given_names": "D.J."}, SANDRA)
    if all_anew:
        MentionFeatures.objects.update(keys_digest=None)  # every mention's features and keys written anew
    during: list[Any] = []

    def and_meanwhile(mentions: Any) -> Any:
        features = features_of_all(mentions)  # the rebuild has read the mentions; intake goes on
        during.append(register("R3", KEES))
        return features

    monkeypatch.setattr("ketenzicht.linking.rebuild.features_of_all", and_meanwhile)
    call_command("link_persons", "--rebuild", "--no-progress")
    newcomer = during[0].mentions.get()
    assert MentionLink.objects.get(mention=newcomer).method == "new"  # intake's link, left as it was
    features = link_model().prepare(features_of(newcomer))
    stored = MentionFeatures.objects.get(mention=newcomer)
    assert (stored.data, stored.keys_digest) == (features.as_row(), keys_digest(blocking_keys(features)))
    assert set(MentionKey.objects.filter(mention=newcomer).values_list("key", flat=True)) == {
        key_number(key) for key in blocking_keys(features)
    }
    assert set(MentionLink.objects.exclude(mention=newcomer).values_list("method", flat=True)) == {"rebuild"}


def test_a_reviewers_split_while_the_rebuild_computes_binds_it(monkeypatch: Any) -> None:
    # The rebuild reads the reviewers' decisions again once it holds the linking turn (turn.py): a split
    # decided while it predicted and clustered is not undone by its links.
    first, second = register("R1", DENNIS), register("R2", DENNIS)
    assert person_of(first) == person_of(second)
    split: list[Any] = []

    def and_meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not split:  # the rebuild has read the decisions; a reviewer splits the second mention off
            split.append(mention_split(mention=second.mentions.get(), actor=None))
        return cluster(*args, **kwargs)

    monkeypatch.setattr("ketenzicht.linking.rebuild.cluster", and_meanwhile)
    call_command("link_persons", "--rebuild", "--no-progress")
    assert person_of(first) != person_of(second)
    assert person_of(second) == split[0]  # the split's person kept its id


def test_a_mention_linked_meanwhile_to_a_person_the_rebuild_merges_away_follows_the_merge(
    monkeypatch: Any,
) -> None:
    first, second = register("R1", DENNIS), register("R2", DENNIS)
    together = person_of(first)
    apart = Person.objects.create()  # as an earlier model left them: two persons, which the rebuild joins
    MentionLink.objects.filter(mention__registration=second).update(person=apart)
    during: list[Any] = []

    def and_meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not during:  # intake links a new registration to the second person while the rebuild computes
            during.append(register("R3", KEES))
            MentionLink.objects.filter(mention__registration=during[0]).update(person=apart)
        return cluster(*args, **kwargs)

    monkeypatch.setattr("ketenzicht.linking.rebuild.cluster", and_meanwhile)
    call_command("link_persons", "--rebuild", "--no-progress")
    kept = person_of(first)
    assert person_of(second) == kept and kept in (together, apart)
    (merged_away,) = {together.pk, apart.pk} - {kept.pk}
    assert Person.objects.get(pk=merged_away).merged_into_id == kept.pk
    assert person_of(during[0]) == kept  # the newcomer's link followed its person into the merge
    assert not MentionLink.objects.filter(person__merged_into__isnull=False).exists()
