"""Online candidate retrieval finds every pair the batch blocking rules would score."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd

from ketenzicht.demo.generator import generate
from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH, load_model
from ketenzicht.linking.batch.blocking import _held_keys, held_keys_column, with_block_keys
from ketenzicht.linking.batch.connection import _connection
from ketenzicht.linking.batch.frame import features_frame, features_from_file
from ketenzicht.linking.batch.prediction import predict
from ketenzicht.linking.engine.keys import (
    BSN_KEY_PREFIX,
    DEFAULT_PAIR_RULE,
    EVERY_SHARED_KEY,
    KEY_LABELS,
    PairRule,
    blocking_key_hash_rows_sql,
    blocking_keys,
    blocking_keys_sql,
    keys_digest,
    keys_digest_sql,
)
from ketenzicht.linking.engine.mention_features import MentionFeatures
from ketenzicht.linking.engine.normalise import normalise_mention
from ketenzicht.linking.engine.splink_settings import BLOCKING_RULES
from ketenzicht.linking.splink_table import BLOCK_KEYS, INT_COLUMNS


def test_every_pair_a_blocking_rule_joins_shares_a_key(tmp_path: Path) -> None:
    generate(1500, 11, tmp_path)
    features = features_from_file(tmp_path / "registrations.jsonl")
    connection: duckdb.DuckDBPyConnection = _connection(features_frame(features))
    rules = " OR ".join(f"({rule})" for rule in BLOCKING_RULES)
    join = f"FROM mentions l JOIN mentions r ON l.unique_id < r.unique_id AND ({rules})"
    pairs = connection.execute(f"SELECT l.unique_id, r.unique_id {join}").fetchall()
    assert len(pairs) > 500
    keys = {f.unique_id: set(blocking_keys(f)) for f in features}
    missed = [(a, b) for a, b in pairs if not keys[a] & keys[b]]
    assert missed == []


def test_swapped_names_and_a_missing_value_give_the_expected_keys() -> None:
    plain = normalise_mention("a", given_names="Jan", surname="Berg", birth_date="1985-04-12")
    swapped = normalise_mention("b", given_names="Berg", surname="Jan", birth_date="1985-04-12")
    assert set(blocking_keys(plain)) & set(blocking_keys(swapped))
    nothing = normalise_mention("c", surname="Berg")
    assert all("None" not in key for key in blocking_keys(nothing))


# Five more men called Jan Jansen without a birth date: every key made of names alone is common.
FILLERS = [("Jan Klaas", "Groningen"), ("Jan Willem", "Zwolle"), ("Jan", "Delft"), ("Jan Hendrik", "Breda"),
           ("Jan Cornelis", "Venlo")]  # fmt: skip
PAIR = ("Jan Pieter", "Utrecht")


def _jansens() -> list[MentionFeatures]:
    people = [*FILLERS, PAIR, PAIR]
    return [
        normalise_mention(f"m{i}", given_names=given, surname="Jansen", sex="M", city=city)
        for i, (given, city) in enumerate(people)
    ]


def test_a_common_name_key_is_refined_with_a_second_field() -> None:
    jan = normalise_mention(
        "a", given_names="Jan Pieter", surname="Jansen", city="Utrecht", postcode="3511 AB"
    )
    keys = set(blocking_keys(jan))
    assert {"i1.n:j|jansen", "i1.n+i:j|jansen|jp", "i1.n+c:j|jansen|utrecht", "i1.n+q:j|jansen|3511"} <= keys
    # Keys that hold a date or an address already are not refined.
    dated = normalise_mention("b", given_names="Jan", surname="Jansen", birth_date="1985-04-12", city="Delft")
    assert not any(
        key.startswith(("n.y+", "D.")) and "+" in key.split(":")[0] for key in blocking_keys(dated)
    )


def test_two_mentions_whose_only_shared_keys_are_common_are_still_compared() -> None:
    features = _jansens()
    left, right = features[-2].unique_id, features[-1].unique_id
    plain = {k for k in set(blocking_keys(features[-2])) & set(blocking_keys(features[-1])) if "+" not in k}
    assert plain and all(sum(k in blocking_keys(f) for f in features) > 3 for k in plain)  # all over the cap
    frame = with_block_keys(features_frame(features, with_keys=True), max_key_mentions=3)
    kept = dict(zip(frame["unique_id"], frame[BLOCK_KEYS], strict=True))
    assert set(kept[left]) & set(kept[right])  # a refined key (given names, place) under the cap
    assert not set(kept[left]) & set(kept["m0"])  # the other Jansens are not brought in
    pairs = predict(features_frame(features), load_model(DEFAULT_MODEL_PATH), max_key_mentions=3)
    compared = set(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True))
    assert (left, right) in compared or (right, left) in compared


def test_the_keys_duckdb_builds_are_the_keys_of_each_mention(tmp_path: Path) -> None:
    generate(800, 5, tmp_path)
    features = features_from_file(tmp_path / "registrations.jsonl")
    features += [
        normalise_mention("x1", given_names="J.P.", surname="van der Berg", city="'s-Hertogenbosch"),
        normalise_mention("x2", given_names="Jan", surname="", birth_date="1985-00-00", postcode="3511"),
        normalise_mention("x3", given_names="Berg", surname="Jan", house_number="12a", postcode="3511AB"),
        normalise_mention("x4", given_names="Özlem Çiğdem", surname="Yılmaz-El Amrani", bsn="111222333"),
        normalise_mention("x5"),
    ]
    frame = features_frame(features)
    assert BLOCK_KEYS not in frame.columns
    connection = _connection(frame, ordered=False)
    built = _kept_keys(connection, max_key_mentions=10**9)  # no cap: every key shared by two or more
    expected = with_block_keys(features_frame(features, with_keys=True), max_key_mentions=10**9)
    assert built == {u: list(k) for u, k in zip(expected["unique_id"], expected[BLOCK_KEYS], strict=True)}
    # Uncapped and unfiltered too: the expression gives blocking_keys itself, for every mention.
    everything = connection.execute(
        f"SELECT unique_id, {blocking_keys_sql(INT_COLUMNS)} FROM mentions"
    ).fetchall()
    assert dict(everything) == {f.unique_id: blocking_keys(f) for f in features}
    # The fingerprint a rebuild compares with the stored one: the same in DuckDB as in Python, also for a
    # mention without keys; the separator keeps ["a|b", "c"] apart from ["a", "b|c"].
    digests = connection.execute(f"SELECT unique_id, {keys_digest_sql(INT_COLUMNS)} FROM mentions").fetchall()
    assert dict(digests) == {f.unique_id: keys_digest(blocking_keys(f)) for f in features}
    assert dict(digests)["x5"] == keys_digest([])
    assert keys_digest(["a|b", "c"]) != keys_digest(["a", "b|c"])
    assert len({d for _, d in digests}) > len(features) * 0.9
    # With a cap, the same keys as the Python cap.
    capped = _connection(frame, ordered=False)
    expected = with_block_keys(features_frame(features, with_keys=True), max_key_mentions=3)
    assert _kept_keys(capped, max_key_mentions=3) == {
        u: list(k) for u, k in zip(expected["unique_id"], expected[BLOCK_KEYS], strict=True)
    }
    assert any(len(keys) for keys in expected[BLOCK_KEYS])


def test_the_keys_handed_to_spark_are_built_and_capped_by_duckdb_as_in_python(tmp_path: Path) -> None:
    generate(800, 5, tmp_path)
    features = features_from_file(tmp_path / "registrations.jsonl")
    frame = features_frame(features)
    for cap in (3, 100, 10**9):
        expected = with_block_keys(features_frame(features, with_keys=True), max_key_mentions=cap)
        built = held_keys_column(frame, cap)
        assert len(built) == len(frame)
        assert built == [sorted(keys) for keys in expected[BLOCK_KEYS]], cap
    assert any(built) and not all(built)  # some mentions share keys, some share none


def _kept_keys(connection: duckdb.DuckDBPyConnection, max_key_mentions: int) -> dict[str, list[str]]:
    """The keys `predict` keeps of each mention of table `mentions` (`_held_keys`), sorted."""
    _held_keys(connection, max_key_mentions)
    rows = connection.execute(
        "SELECT m.unique_id, coalesce(list(h.k ORDER BY h.k) FILTER (WHERE h.k IS NOT NULL), []) "
        "FROM mentions m LEFT JOIN (held JOIN held_keys USING (kid)) h ON h.n = m.rowid GROUP BY m.unique_id"
    ).fetchall()
    return dict(rows)


def test_a_pair_is_compared_when_it_shares_two_keys_a_bsn_key_or_a_rare_key() -> None:
    features = [
        normalise_mention("jan", given_names="Jan", surname="Jansen", birth_date="1980-01-01"),
        normalise_mention("jan2", given_names="Jan", surname="Jansen", birth_date="1980-01-01"),
        normalise_mention("kees", given_names="Kees", surname="Jansen", birth_date="1980-05-05"),
        normalise_mention("piet", given_names="Piet", surname="Bakker", bsn="111222333"),
        normalise_mention("karel", given_names="Karel", surname="Smit", bsn="111222333"),
    ]
    keys = {f.unique_id: set(blocking_keys(f)) for f in features}
    assert keys["jan"] & keys["kees"] == {"n.y:jansen|1980"}  # one key, held by three mentions
    assert keys["piet"] & keys["karel"] == {BSN_KEY_PREFIX + "111222333"}  # a BSN key, held by two
    model = load_model(DEFAULT_MODEL_PATH)

    def compared(rule: PairRule) -> set[frozenset[str]]:
        scored = predict(features_frame(features), model, pair_rule=rule)
        return {frozenset(pair) for pair in zip(scored["unique_id_l"], scored["unique_id_r"], strict=True)}

    two_keys = {frozenset({"jan", "jan2"}), frozenset({"piet", "karel"})}
    one_key = {frozenset({"jan", "kees"}), frozenset({"jan2", "kees"})}
    assert compared(PairRule(minimum=2, rare=0)) == two_keys
    assert compared(PairRule(minimum=2, rare=2)) == two_keys  # the one key is held by three: not rare
    assert compared(PairRule(minimum=2, rare=3)) == two_keys | one_key
    assert compared(EVERY_SHARED_KEY) == two_keys | one_key
    assert compared(DEFAULT_PAIR_RULE) == two_keys | one_key  # rare: 10


def _sharing_enough(pairs: pd.DataFrame, frame: pd.DataFrame, rule: PairRule) -> pd.DataFrame:
    """The pairs whose mentions (rows of `frame`, with their capped `block_keys`) share enough keys by
    `rule.enough`, the Python rule online intake applies."""
    keys_of = dict(zip(frame["unique_id"], frame[BLOCK_KEYS], strict=True))
    counts = Counter(key for keys in frame[BLOCK_KEYS] for key in keys)
    keep = [
        rule.enough({key: counts[key] for key in set(keys_of[left]).intersection(keys_of[right])})
        for left, right in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)
    ]
    return pairs[keep].reset_index(drop=True)


def test_duckdb_scores_the_candidate_pairs_that_splink_blocking_on_any_key_then_filtered_gives(
    tmp_path: Path,
) -> None:
    # The candidate pairs are found before scoring (in DuckDB; in Spark, test_spark). Scoring every pair
    # that shares any one key and dropping those the Python rule finds sharing too little must give the
    # same pairs and weights.
    generate(1500, 12, tmp_path)
    features = features_frame(features_from_file(tmp_path / "registrations.jsonl"))
    model = load_model(DEFAULT_MODEL_PATH)
    for cap, rule in ((100, DEFAULT_PAIR_RULE), (4, PairRule(2, rare=3)), (100, PairRule(3, rare=0))):
        scored = predict(features, model, threshold_match_weight=-10, max_key_mentions=cap, pair_rule=rule)
        every = predict(
            features, model, threshold_match_weight=-10, max_key_mentions=cap, pair_rule=EVERY_SHARED_KEY
        )
        expected = _sharing_enough(every, with_block_keys(features, cap), rule)  # keys built in Python
        pairs = {
            frozenset(p): w
            for *p, w in zip(
                scored["unique_id_l"], scored["unique_id_r"], scored["match_weight"], strict=True
            )
        }
        wanted = {
            frozenset(p): w
            for *p, w in zip(
                expected["unique_id_l"], expected["unique_id_r"], expected["match_weight"], strict=True
            )
        }
        assert 0 < len(pairs) < len(every)
        assert pairs.keys() == wanted.keys()
        assert all(abs(pairs[p] - wanted[p]) < 1e-9 for p in pairs)


def test_predict_scores_the_same_pairs_from_given_keys_as_from_keys_it_builds(tmp_path: Path) -> None:
    generate(600, 13, tmp_path)
    features = features_from_file(tmp_path / "registrations.jsonl")
    model = load_model(DEFAULT_MODEL_PATH)

    def scored(with_keys: bool, cap: int) -> dict[tuple[str, str], float]:
        frame = features_frame(features, with_keys=with_keys)
        pairs = predict(frame, model, threshold_match_weight=-10, max_key_mentions=cap)
        return {
            (left, right): weight
            for left, right, weight in zip(
                pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_weight"], strict=True
            )
        }

    for cap in (100, 3):  # the given keys are capped as the built ones are
        built, given = scored(with_keys=False, cap=cap), scored(with_keys=True, cap=cap)
        assert len(built) > 100
        assert built.keys() == given.keys()
        assert all(abs(built[p] - given[p]) < 1e-9 for p in built)
    assert len(scored(with_keys=True, cap=3)) < len(scored(with_keys=True, cap=100))


def test_a_scored_pair_has_the_smaller_id_as_text_on_the_left_and_each_side_its_own_bsn() -> None:
    # The mentions are numbered for DuckDB and Splink; the ids and BSNs go back on the pairs afterwards.
    jan = {"given_names": "Jan", "surname": "Jansen", "birth_date": "1980-01-01", "postcode": "3511AB"}
    features = [
        normalise_mention("9", bsn="111222333", **jan),
        normalise_mention("10", bsn="123456782", **jan),
        normalise_mention("b", **jan),
        normalise_mention("a", bsn="111222333", **jan),
    ]
    pairs = predict(features_frame(features), load_model(DEFAULT_MODEL_PATH))
    bsn = {f.unique_id: f.bsn for f in features}
    rows = list(zip(pairs["unique_id_l"], pairs["unique_id_r"], pairs["bsn_l"], pairs["bsn_r"], strict=True))
    assert {(left, right) for left, right, *_ in rows} == {
        ("10", "9"),
        ("10", "a"),
        ("10", "b"),
        ("9", "a"),
        ("9", "b"),
        ("a", "b"),
    }
    assert all(bsn_l == bsn[left] and bsn_r == bsn[right] for left, right, bsn_l, bsn_r in rows)
    flagged = pairs[pairs["different_valid_bsns"]]
    assert set(zip(flagged["unique_id_l"], flagged["unique_id_r"], strict=True)) == {("10", "9"), ("10", "a")}


def test_the_rule_in_sql_is_the_rule_in_python() -> None:
    connection = duckdb.connect()
    for rule in (PairRule(2, 0), PairRule(2, 10), PairRule(3, 5), EVERY_SHARED_KEY):
        for key in ("n.y:jansen|1980", BSN_KEY_PREFIX + "111222333", "D.n:19800101|jan", "bn:x"):
            for count in (2, 5, 6, 10, 11, 100):
                (got,) = connection.execute(f"SELECT {rule.weight_sql('$1', '$2')}", [key, count]).fetchone()  # type: ignore[misc]
                assert got == rule.weight(key, count), (rule, key, count)
        assert rule.enough({BSN_KEY_PREFIX + "1": 100})
        assert rule.enough({"a": 50, "b": 50}) == (rule.minimum <= 2)
        assert rule.enough({"a": 50}) == (rule.minimum <= 1)
        assert rule.enough({"a": 3}) == (rule.minimum <= 1 or rule.rare >= 3)


def _held_by_key(
    frame: pd.DataFrame, cap: int, rule: PairRule, *, hashed: bool
) -> list[tuple[list[str], int]]:
    """The keys held under the cap as the mentions that hold each (unique ids) and what it counts towards
    the rule, sorted: what `predict` joins pairs on, whatever a key looks like."""
    connection = _connection(frame)
    _held_keys(connection, cap, rule, hashed=hashed)
    rows = connection.execute(
        "SELECT list(m.unique_id ORDER BY m.unique_id), any_value(h.w) FROM held h "
        "JOIN mentions m ON m.rowid = h.n GROUP BY h.kid"
    ).fetchall()
    return sorted((list(ids), int(w)) for ids, w in rows)


def test_hashed_keys_hold_the_same_mentions_as_keys_written_out(tmp_path: Path) -> None:
    generate(1500, 7, tmp_path)
    frame = features_frame(features_from_file(tmp_path / "registrations.jsonl"))
    for cap, rule in ((100, DEFAULT_PAIR_RULE), (3, PairRule(2, rare=2)), (10**9, EVERY_SHARED_KEY)):
        written = _held_by_key(frame, cap, rule, hashed=False)
        assert written == _held_by_key(frame, cap, rule, hashed=True), cap
        assert len(written) > 500 and {w for _, w in written} == ({1, 2} if rule.minimum == 2 else {1})


def test_key_rows_are_each_mention_s_keys_once() -> None:
    """One (kind, hash) row per key of a mention, its label's number as the kind: the sides of one label
    that give the same key (swapped names, a surname of one part read as its first and its last) give
    one row, and different keys of one label (a double surname's two parts) a row each."""
    mentions = [
        normalise_mention(
            "1", given_names="Jan", surname="Jansen", birth_date="1980-01-02", postcode="1234 AB"
        ),
        normalise_mention("2", given_names="Jan Piet", surname="de Vries-Bakker", city="Utrecht"),
        normalise_mention(
            "3", given_names="Jansen", surname="Jansen", birth_date="1980-01-02", bsn="111222333"
        ),
        normalise_mention("4", surname="Ali", phone="0612345678", house_number="12", postcode="1234AB"),
        normalise_mention("5", given_names="J.", surname="Jansen"),
    ]
    connection = _connection(features_frame(mentions))
    key_rows = blocking_key_hash_rows_sql("mentions", "rowid", INT_COLUMNS)
    rows = connection.execute(
        f"SELECT m.unique_id, k.kind, k.h FROM ({key_rows}) k JOIN mentions m ON m.rowid = k.n"
    ).fetchall()
    for features in mentions:
        keys = blocking_keys(features)
        own = [(kind, h) for uid, kind, h in rows if uid == features.unique_id]
        assert len(own) == len(set(own)) == len(keys), features.unique_id
        assert Counter(kind for kind, _ in own) == Counter(KEY_LABELS.index(k.split(":")[0]) for k in keys)
