"""manage.py link_file with the optional columns registration_id, role, related_to and relation: the
rebuild's second pass with the relation term, the same guards, and bad values refused naming line and
column."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ketenzicht.demo.generator import generate
from ketenzicht.linking.engine import context
from ketenzicht.linking.engine.context import NO_SHARED, OTHER_RELATION, SAME_FAMILY, SAME_HOME, SAME_INTIMATE
from ketenzicht.linking.file import LinkFileError, read_mentions
from tests.linking.generated import true_persons
from tests.people import SANDRA_IN_FULL, SANDRA_NAME_ONLY

COLUMNS = [
    "mention_id",
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date",
    "sex",
    "bsn",
    "postcode",
    "house_number",
    "registration_id",
    "role",
    "related_to",
    "relation",
]
PLAIN_COLUMNS = COLUMNS[: COLUMNS.index("registration_id")]
DENNIS = {
    "given_names": "Dennis Johannes",
    "surname_prefix": "van der",
    "surname": "Linden",
    "birth_date": "1986-03-14",
    "sex": "M",
    "postcode": "5616 KD",
    "house_number": "41",
}
MOHAMMED = {"given_names": "Mohammed", "surname": "El Amrani", "sex": "M"}
FATIMA = {"given_names": "Fatima", "surname": "Bouzid", "birth_date": "1987-05-05", "sex": "F"}
SAMIRA = {"given_names": "Samira", "surname": "Haddou", "birth_date": "1994-01-09", "sex": "F"}


def row(mention_id: str, registration: str, role: str, person: dict[str, str], **more: str) -> dict[str, str]:
    return {"mention_id": mention_id, "registration_id": registration, "role": role, **person, **more}


# The rebuild's case (tests/linking/test_context.py): Sandra named in full and by name only, each time as
# Dennis's partner; three Mohammed El Amranis, two with other dates of birth and partners, the third without
# a date of birth, with the second one's partner. The relation is on the victim's row, to the suspect.
CASE = [
    row("r1-p1", "R1", "suspect", DENNIS),
    row("r1-p2", "R1", "victim", SANDRA_IN_FULL, relation="partner"),
    row("r2-p1", "R2", "suspect", DENNIS),
    row("r2-p2", "R2", "victim", SANDRA_NAME_ONLY, relation="partner"),
    row("r3-p1", "R3", "suspect", {**MOHAMMED, "birth_date": "1985-03-02"}),
    row("r3-p2", "R3", "victim", FATIMA, relation="partner"),
    row("r4-p1", "R4", "suspect", {**MOHAMMED, "birth_date": "1992-07-19"}),
    row("r4-p2", "R4", "victim", SAMIRA, relation="partner"),
    row("r5-p1", "R5", "suspect", MOHAMMED),
    row("r5-p2", "R5", "victim", SAMIRA, relation="partner"),
]


def as_csv(rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def link(path: Path, *options: str) -> tuple[dict[str, str], str]:
    """Run the command: each mention's person id, and what it wrote to stderr."""
    err = io.StringIO()
    out = path.with_suffix(".out.csv")
    call_command("link_file", str(path), "--out", str(out), *options, stderr=err)
    with out.open(encoding="utf-8", newline="") as handle:
        return {r["mention_id"]: r["person_id"] for r in csv.DictReader(handle)}, err.getvalue()


def context_file(tmp_path: Path, *, intimate_u: float) -> Path:
    """A relation term: "same partner or ex-partner" weighs log2(0.7 / intimate_u)."""
    levels = {
        SAME_INTIMATE: (0.7, intimate_u),
        SAME_FAMILY: (0.2, 0.025),
        SAME_HOME: (0.03, 0.03),
        OTHER_RELATION: (0.001, 0.014),
        NO_SHARED: (0.1, 0.9),
    }
    data: dict[str, Any] = {
        "format": context.FORMAT,
        "format_version": context.FORMAT_VERSION,
        "levels": [{"label": name, "m": m, "u": u} for name, (m, u) in levels.items()],
    }
    path = tmp_path / f"context-{intimate_u}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def strong(tmp_path: Path) -> str:
    """Same partner or ex-partner: +12.8 bits (as estimated from the generator's true persons)."""
    return str(context_file(tmp_path, intimate_u=1e-4))


# --- linking -------------------------------------------------------------------------------------------


def test_the_relation_joins_her_and_keeps_the_namesakes_apart_as_the_rebuild_does(
    tmp_path: Path, strong: str
) -> None:
    person, err = link(write(tmp_path, as_csv(CASE)), "--context", strong)
    assert "second pass with the given relation term" in err
    assert person["r2-p2"] == person["r1-p2"]  # Sandra by name only: her partner Dennis says it is her
    assert person["r5-p1"] == person["r4-p1"] != person["r3-p1"]  # through Samira: the second Mohammed
    assert person["r1-p1"] == person["r2-p1"] and len(set(person.values())) == 6

    plain = [{k: v for k, v in r.items() if k not in ("registration_id", "role", "relation")} for r in CASE]
    without, err = link(write(tmp_path, as_csv(plain, PLAIN_COLUMNS), "plain.csv"), "--context", strong)
    assert "relation term" not in err
    assert without["r2-p2"] != without["r1-p2"]  # without the columns no relation: apart


def test_the_relation_may_name_the_other_mention_in_related_to_in_any_common_spelling(
    tmp_path: Path, strong: str
) -> None:
    # The relation on the suspect's row, to the victim by mention id; no role column.
    rows = [{k: v for k, v in r.items() if k not in ("role", "relation")} for r in CASE]
    rows[2] |= {"related_to": "r2-p2", "relation": "Partner"}
    rows[0] |= {"related_to": "r1-p2", "relation": "ex-partner"}
    columns = [c for c in COLUMNS if c != "role"]
    person, _ = link(write(tmp_path, as_csv(rows, columns)), "--context", strong)
    assert person["r2-p2"] == person["r1-p2"]
    # The victim's row without related_to relates to the registration's one other mention.
    rows = [{k: v for k, v in r.items() if k != "role"} for r in CASE]
    person, _ = link(write(tmp_path, as_csv(rows, columns), "two.csv"), "--context", strong)
    assert person["r2-p2"] == person["r1-p2"]


def test_without_relations_the_second_pass_changes_no_person(tmp_path: Path, strong: str) -> None:
    plain = [{k: v for k, v in r.items() if k not in ("registration_id", "role", "relation")} for r in CASE]
    without, _ = link(write(tmp_path, as_csv(plain, PLAIN_COLUMNS)), "--context", strong)
    # Each mention its own registration, no relation: no ties, so no pair gets a term.
    alone = [r | {"registration_id": r["mention_id"]} for r in plain]
    with_columns, err = link(write(tmp_path, as_csv(alone), "alone.csv"), "--context", strong)
    assert with_columns["r2-p2"] != with_columns["r1-p2"]
    assert "second pass" in err
    assert with_columns == without


def test_an_all_empty_registration_id_column_links_as_a_file_without_it(tmp_path: Path, strong: str) -> None:
    plain = [{k: v for k, v in r.items() if k not in ("registration_id", "role", "relation")} for r in CASE]
    without, err_without = link(write(tmp_path, as_csv(plain, PLAIN_COLUMNS)), "--context", strong)
    # The columns there, every registration_id empty (a role too): no registration, so no second pass.
    empty = [r | {"registration_id": "", "role": c["role"]} for r, c in zip(plain, CASE, strict=True)]
    columns = [c for c in COLUMNS if c not in ("related_to", "relation")]
    path = write(tmp_path, as_csv(empty, columns), "empty.csv")
    with_column, err = link(path, "--context", strong)
    assert "second pass" not in err and "relation term" not in err
    assert with_column == without
    assert err.splitlines()[:-1] == err_without.splitlines()[:-1]  # the same notes (the last: the time)
    assert read_mentions(path).registrations is None


def test_two_mentions_of_one_registration_are_never_one_person(tmp_path: Path) -> None:
    twice = [row("a", "R1", "suspect", DENNIS), row("b", "R1", "victim", DENNIS)]
    columns = [c for c in COLUMNS if c not in ("related_to", "relation")]
    apart, _ = link(write(tmp_path, as_csv(twice, columns)))
    assert apart["a"] != apart["b"]
    other = [twice[0], twice[1] | {"registration_id": "R2"}]
    together, _ = link(write(tmp_path, as_csv(other, columns), "two.csv"))
    assert together["a"] == together["b"]


def test_father_and_son_of_one_name_at_one_address_are_never_merged_by_a_shared_relative(
    tmp_path: Path, strong: str
) -> None:
    home = {"postcode": "3533 AB", "house_number": "7"}
    jan = {"given_names": "Jan", "surname": "Jansen", "sex": "M", **home}
    maria = {"given_names": "Maria", "surname": "Jansen", "birth_date": "1963-02-17", "sex": "F", **home}
    lisa = {"given_names": "Lisa", "surname": "de Boer", "birth_date": "1995-06-30", "sex": "F"}
    rows = [
        row("r1-p1", "R1", "suspect", {**jan, "birth_date": "1961-04-02"}),
        row("r1-p2", "R1", "victim", maria, relation="partner"),
        row("r2-p1", "R2", "suspect", {**jan, "birth_date": "1993-11-20"}),
        row("r2-p2", "R2", "victim", lisa, relation="partner"),
        row("r3-p1", "R3", "suspect", {**jan, "birth_date": "1993-11-20"}),
        row("r3-p2", "R3", "victim", maria, related_to="r3-p1", relation="family"),
        # Both men, once more each, as Maria's partner: the shared relative is on both sides.
        row("r4-p1", "R4", "suspect", {**jan, "birth_date": "1961-04-02"}),
        row("r4-p2", "R4", "victim", maria, relation="partner"),
        row("r5-p1", "R5", "suspect", {**jan, "birth_date": "1993-11-20"}),
        row("r5-p2", "R5", "victim", maria, relation="ex_partner"),
    ]
    person, _ = link(write(tmp_path, as_csv(rows)), "--context", strong)
    father, son = person["r1-p1"], person["r2-p1"]
    assert father != son
    assert person["r4-p1"] == father and person["r3-p1"] == person["r5-p1"] == son


def test_two_different_valid_bsns_are_never_joined_by_a_shared_partner(tmp_path: Path, strong: str) -> None:
    pieter = {"given_names": "Pieter", "surname_prefix": "de", "surname": "Jong", "birth_date": "1990-01-01"}
    anna = {"given_names": "Anna", "surname": "Visser", "birth_date": "1991-05-05", "sex": "F"}
    rows = [
        row("r1-p1", "R1", "suspect", {**pieter, "bsn": "100000009"}),
        row("r1-p2", "R1", "victim", anna, relation="partner"),
        row("r2-p1", "R2", "suspect", {**pieter, "bsn": "100000022"}),
        row("r2-p2", "R2", "victim", anna, relation="partner"),
    ]
    person, _ = link(write(tmp_path, as_csv(rows)), "--context", strong, "--threshold", "-20")
    assert person["r1-p1"] != person["r2-p1"]
    assert person["r1-p2"] == person["r2-p2"]


def test_with_the_term_switched_off_the_relations_are_not_used(tmp_path: Path, strong: str) -> None:
    from django.test import override_settings

    with override_settings(KETENZICHT_LINK_CONTEXT=""):
        person, err = link(write(tmp_path, as_csv(CASE)))
    assert "no relation term (switched off)" in err
    assert person["r2-p2"] != person["r1-p2"]


def test_the_features_of_a_file_read_back_for_the_name_check_keep_their_gaps() -> None:
    """`mentions_to_features` without keys holds a number column with a gap as floats (NaN): read back
    for `names_compatible` a gap must stay a gap, or a date of birth missing on one side reads as
    another date and the relation never counts."""
    import pandas as pd

    from ketenzicht.linking.batch.mentions import mentions_to_features
    from ketenzicht.linking.engine.columns import FeatureColumns

    frame = pd.DataFrame([SANDRA_IN_FULL, SANDRA_NAME_ONLY], dtype=object)
    features = FeatureColumns.of_frame(mentions_to_features(frame, with_keys=False))
    full, name_only = features.of("0"), features.of("1")
    assert (full.birth_year, full.birth_month, full.birth_day) == (1988, 9, 2)
    assert type(full.birth_year) is int and type(full.given_count) is int
    assert (name_only.birth_year, name_only.birth_month, name_only.birth_day) == (None, None, None)


# --- reading and bad values ----------------------------------------------------------------------------


def test_the_reader_relates_a_victim_to_the_suspects_and_reads_dutch_labels(tmp_path: Path) -> None:
    rows = [
        row("a", "R1", "Verdachte", DENNIS),
        row("b", "R1", "verdachte", DENNIS | {"given_names": "Kees"}),
        row("c", "R1", "Slachtoffer", SANDRA_IN_FULL, relation="Ex partner"),
        row("d", "R1", "getuige", SAMIRA),
        row("e", "R2", "", FATIMA),
        row("f", "", "", MOHAMMED),
    ]
    read = read_mentions(write(tmp_path, as_csv(rows)))
    assert read.registrations is not None
    assert read.registrations.of_row.tolist() == [0, 0, 0, 0, 1, -1]
    assert sorted(read.registrations.relations) == [(2, 0, "ex_partner"), (2, 1, "ex_partner")]


def test_several_mentions_in_related_to_with_one_relation_each(tmp_path: Path) -> None:
    rows = [
        row("a", "R1", "suspect", DENNIS, related_to="b|c", relation="partner|child"),
        row("b", "R1", "victim", SANDRA_IN_FULL),
        row("c", "R1", "involved", SAMIRA),
        row("d", "R1", "involved", FATIMA, related_to="b", relation="kind"),
    ]
    read = read_mentions(write(tmp_path, as_csv(rows)))
    assert read.registrations is not None
    assert read.registrations.relations == [(0, 1, "partner"), (0, 2, "child"), (3, 1, "child")]


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"relation": "lover"}, "line 3, column relation: 'lover' is not a relation (partner, ex_partner,"),
        ({"role": "boss"}, "line 3, column role: 'boss' is not a role (suspect, victim,"),
        ({"related_to": "zz"}, "line 3, column related_to: no mention 'zz' in the file"),
        ({"related_to": "r1-p2"}, "line 3, column related_to: 'r1-p2' is this row's own mention"),
        (
            {"related_to": "r2-p1"},
            "line 3, column related_to: 'r2-p1' (line 4) stands in another registration",
        ),
        ({"registration_id": ""}, "line 3, column registration_id: empty, but the row names a relation"),
        ({"related_to": "r1-p1", "relation": ""}, "line 3, column relation: empty, but related_to names"),
        ({"related_to": "r1-p1", "relation": "partner|child"}, "line 3, column relation: 2 relations for 1"),
        (
            {},
            "line 3, column related_to: empty, and registration 'R1' has no other mention with role suspect",
        ),
    ],
)
def test_a_bad_value_in_the_new_columns_is_refused_naming_line_and_column_and_nothing_is_written(
    tmp_path: Path, changed: dict[str, str], message: str
) -> None:
    rows = [dict(r) for r in CASE]
    rows[1] |= changed
    if not changed:  # no suspect to relate the victim to, and two other mentions
        rows[0]["role"] = "witness"
        rows.insert(2, row("r1-p3", "R1", "witness", SAMIRA))
    path = write(tmp_path, as_csv(rows))
    with pytest.raises(LinkFileError) as refused:
        read_mentions(path)
    assert message in str(refused.value)
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="column"):
        call_command("link_file", str(path), "--out", str(out), stderr=io.StringIO())
    assert not out.exists()


def test_a_relation_without_a_registration_id_column_is_refused_and_a_role_alone_ignored(
    tmp_path: Path,
) -> None:
    columns = [c for c in COLUMNS if c != "registration_id"]
    with pytest.raises(
        LinkFileError, match="line 1: the columns related_to and relation need a registration_id"
    ):
        read_mentions(write(tmp_path, as_csv(CASE, columns)))
    one = [c for c in columns if c != "related_to"]
    with pytest.raises(LinkFileError, match="line 1: the column relation needs a registration_id column"):
        read_mentions(write(tmp_path, as_csv(CASE, one), "one.csv"))
    role_only = [c for c in one if c != "relation"]
    read = read_mentions(write(tmp_path, as_csv(CASE, role_only), "role.csv"))
    assert read.registrations is None  # a role says nothing without registrations: ignored, as before


def generated_files(directory: Path, registrations: int, seed: int) -> tuple[Path, Path, dict[str, str]]:
    """The demo generator's register as two link_file inputs, without and with the optional columns (the
    relation on the row of its first person, as bench/linking/link_file_relations.py writes them), and the
    true person of each mention."""
    generate(registrations, seed, directory)
    truth = true_persons(directory)
    rows = []
    for line in (directory / "registrations.jsonl").read_text(encoding="utf-8").splitlines():
        registration = json.loads(line)
        prefix = f"{registration['source']}/{registration['reference']}"
        mine: dict[str, list[tuple[str, str]]] = {}
        for relation in registration.get("relations", []):
            mine.setdefault(relation["from"], []).append((f"{prefix}/{relation['to']}", relation["kind"]))
        for person in registration["persons"]:
            address = person.get("address") or {}
            rows.append(
                {
                    "mention_id": f"{prefix}/{person['ref']}",
                    **{name: person.get(name, "") for name in ("given_names", "surname_prefix", "surname")},
                    **{name: person.get(name, "") for name in ("birth_date", "sex", "bsn")},
                    **{name: address.get(name, "") for name in ("postcode", "house_number")},
                    "registration_id": prefix,
                    "role": person["role"],
                    "related_to": "|".join(other for other, _ in mine.get(person["ref"], [])),
                    "relation": "|".join(kind for _, kind in mine.get(person["ref"], [])),
                }
            )
    plain = write(directory, as_csv(rows, PLAIN_COLUMNS), "plain.csv")
    related = write(directory, as_csv(rows), "related.csv")
    return plain, related, truth


@pytest.mark.slow
def test_a_file_trained_on_estimates_the_term_on_its_first_pass_and_merges_no_strangers(
    tmp_path: Path,
) -> None:
    plain, related, truth = generated_files(tmp_path, 150, 2)
    found: dict[str, set[tuple[str, str]]] = {}
    for label, source in (("plain", plain), ("related", related)):
        person, err = link(source)
        assert "trained on the file, seed 1" in err.splitlines()[-1]
        by_person: dict[str, list[str]] = {}
        for mention, person_id in person.items():
            by_person.setdefault(person_id, []).append(mention)
        found[label] = {(a, b) for group in by_person.values() for a in group for b in group if a < b}
        if label == "related":
            assert "second pass with the relation term estimated on the file" in err
    true_pairs = {(a, b) for a, b in found["plain"] | found["related"] if truth[a] == truth[b]}
    assert found["related"] <= true_pairs and found["plain"] <= true_pairs  # no false merge
    assert len(found["related"]) >= len(found["plain"]) > 0
