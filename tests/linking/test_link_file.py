"""manage.py link_file: a CSV of person mentions in, mention_id,person_id out; the database is not touched."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from ketenzicht.demo.generator import generate
from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH
from ketenzicht.linking.batch.clustering import DEFAULT_THRESHOLD_MATCH_WEIGHT
from ketenzicht.linking.batch.mentions import MENTION_FIELDS, mentions_to_features
from ketenzicht.linking.engine.model import prob_to_match_weight
from ketenzicht.linking.file import (
    ADDRESS_COLUMNS,
    FIELD_COLUMNS,
    MIN_TRAIN_ROWS,
    LinkFileError,
    read_mentions,
)
from tests.linking.generated import true_persons

ROOT = Path(settings.BASE_DIR)

# Hand-written Dutch name variants; `truth` is an extra column (the linker must ignore it). c1/c2 and c3/c4
# are two men with the same name, birth date and address but different valid BSNs.
PEOPLE = """\
mention_id,truth,given_names,surname_prefix,surname,birth_date,sex,bsn,street,house_number,house_number_suffix,postcode,city
a1,A,Jan,van der,Berg,1980-03-12,M,111222333,Dorpsstraat,12,,3512 AB,Utrecht
a2,A,Jan,,"Berg, van der",1980-03-12,M,,Dorpsstraat,12,,3512AB,Utrecht
a3,A,J.,,vd Berg,1980-03-12,M,111222333,,,,,
a4,A,Jan,,van der Berg,1980-03-00,,,Dorpsstraat,12,a,3512 AB,Utrecht
a5,A,Jna,,Van Der Berg,1980-03-12,M,,,,,,
b1,B,Maria,,Jansen-de Vries,1975-11-02,F,,Kerkweg,5,,5611 AA,Eindhoven
b2,B,Maria,,Jansen - de Vries,1975-11-02,F,,,,,,
b3,B,Marai,,Jansen-de Vries,1975-11-02,F,,Kerkweg,5,,5611AA,Eindhoven
c1,C1,Pieter,de,Jong,1990-01-01,M,100000009,Markt,1,,1011 AB,Amsterdam
c2,C1,Pieter,,de Jong,1990-01-01,M,100000009,,,,,
c3,C2,Pieter,de,Jong,1990-01-01,M,100000022,Markt,1,,1011 AB,Amsterdam
c4,C2,P.,,"Jong, de",1990-01-01,M,100000022,,,,,
cx,,Pieter,de,Jong,1990-01-01,M,,Markt,1,,1011AB,Amsterdam
d1,D,Fatima,,El Amrani,1988-07-19,F,,Laan,8,,2511 CV,'s-Gravenhage
d2,D,Fatima,,El-Amrani,1988-07-19,F,,,,,,
e1,E,Kees,,IJzerman,1965-02-28,M,,Brink,3,,7411 BR,Deventer
e2,E,Kees,,Yzerman,1965-02-28,M,,Brink,3,,7411BR,Deventer
f1,F,Anna,,Bakker,1992-04-04,F,,,,,,
g1,G,Johannes,,Bakker,1960-09-09,M,,,,,,
h1,H,Sanne,de,Vries,1975-11-02,F,,,,,,
"""


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def as_csv(
    rows: list[dict[str, str]], columns: list[str], delimiter: str = ",", quote_all: bool = False
) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=columns,
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        extrasaction="ignore",
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def link(path: Path, *options: str) -> tuple[list[dict[str, str]], str]:
    """Run the command; the output rows and what it wrote to stderr."""
    err = io.StringIO()
    out = path.with_suffix(".out.csv")
    call_command("link_file", str(path), "--out", str(out), *options, stderr=err)
    with out.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle)), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(scope="module")
def linked_people(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, str]], str]:
    # No django_db mark on the tests that use it: any database query would fail them.
    return link(write(tmp_path_factory.mktemp("people"), PEOPLE))


def test_name_variants_of_one_person_get_one_id_and_different_people_different_ids(
    linked_people: tuple[list[dict[str, str]], str],
) -> None:
    people = rows_of(PEOPLE)
    result, err = linked_people
    assert [r["mention_id"] for r in result] == [p["mention_id"] for p in people]
    assert list(result[0]) == ["mention_id", "person_id"]
    person = {r["mention_id"]: r["person_id"] for r in result}
    truth = {p["mention_id"]: p["truth"] for p in people if p["truth"]}
    for a, b in combinations(truth, 2):
        assert (person[a] == person[b]) == (truth[a] == truth[b]), (a, b)
    assert result[0]["person_id"] == "P000001" and person["b1"] == "P000002"  # in order of first appearance
    assert person["cx"] in {person["c1"], person["c3"]}  # the chain c1 - cx - c3 would join two BSNs
    assert f"{len(people)} rows are too few to train on" in err and "shipped model" in err
    assert f"link_file: {len(people)} rows -> " in err.splitlines()[-1]


def test_the_file_is_linked_at_the_upper_threshold_where_intake_and_the_rebuild_link(
    linked_people: tuple[list[dict[str, str]], str],
) -> None:
    # One link threshold: a pair that intake links (probability 0.99 or more) is joined in the file too.
    _, err = linked_people
    upper = prob_to_match_weight(settings.KETENZICHT_LINK_UPPER)
    assert upper == pytest.approx(DEFAULT_THRESHOLD_MATCH_WEIGHT)
    assert err.splitlines()[-1].endswith(f"threshold match weight {upper:g})")


def test_two_different_valid_bsns_are_never_joined_whatever_the_threshold(tmp_path: Path) -> None:
    result, _ = link(write(tmp_path, PEOPLE), "--threshold", "-50")
    bsns: dict[str, set[str]] = {}
    for row, person in zip(rows_of(PEOPLE), result, strict=True):
        bsns.setdefault(person["person_id"], set()).update({row["bsn"]} - {""})
    assert all(len(found) <= 1 for found in bsns.values()), bsns
    assert len(bsns) < len(result) - 5  # the low threshold did join many


def test_delimiter_bom_quotes_extra_columns_and_column_order_do_not_change_the_result(
    tmp_path: Path, linked_people: tuple[list[dict[str, str]], str]
) -> None:
    people = rows_of(PEOPLE)
    plain, _ = linked_people
    shuffled = ["city", "surname", "note", "mention_id", *reversed(FIELD_COLUMNS[:-1])]
    for row in people:
        row["note"] = 'says "hello"; and, goodbye'
    text = as_csv(people, list(dict.fromkeys(shuffled)), delimiter=";", quote_all=True)
    variant = "\ufeff" + text.replace("\n", "\r\n")
    assert '"Berg, van der"' in variant and '"says ""hello""; and, goodbye"' in variant
    other, _ = link(write(tmp_path, variant, "variant.csv"))
    assert other == plain


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_the_reader_sniffs_the_delimiter_and_skips_a_bom(tmp_path: Path, delimiter: str, bom: str) -> None:
    text = bom + f'mention_id{delimiter}surname{delimiter}extra\n1{delimiter}"Berg, van der"{delimiter}x\n'
    mentions = read_mentions(write(tmp_path, text))
    assert mentions.delimiter == delimiter and mentions.ids == ["1"]
    assert mentions.frame.to_dict("records") == [{"surname": "Berg, van der"}]


def test_every_field_the_engine_compares_reaches_the_features(tmp_path: Path) -> None:
    assert set(MENTION_FIELDS) <= set(FIELD_COLUMNS)
    text = as_csv(rows_of(PEOPLE)[:1], ["mention_id", *FIELD_COLUMNS])
    features = mentions_to_features(read_mentions(write(tmp_path, text)).frame).iloc[0]
    assert (features["pc6"], features["house_number"], features["street"], features["city"]) == (
        "3512AB", "12", "dorpsstraat", "utrecht",
    )  # fmt: skip
    assert (features["surname"], features["given_full"], features["birth_date"], features["bsn"]) == (
        "berg", "jan", "19800312", "111222333",
    )  # fmt: skip
    assert "house_number_suffix" in ADDRESS_COLUMNS  # accepted; the engine compares the digits only


def test_empty_cells_are_missing_values(tmp_path: Path) -> None:
    mentions = read_mentions(write(tmp_path, "mention_id,surname,bsn,city\n1,Berg,  ,\n2,,,\n"))
    assert mentions.frame.to_dict("records") == [
        {"surname": "Berg", "bsn": None, "city": None},
        {"surname": None, "bsn": None, "city": None},
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,surname\n1,Berg\n", "line 1: no mention_id column"),
        ("", "line 1: no header line"),
        ("mention_id,surname\n1,Berg\n,Jansen\n", "line 3: empty mention_id"),
        ("mention_id,surname\n1,Berg\n2,Jansen\n\n1,Bakker\n", "line 5: mention_id '1' also on line 2"),
        ('mention_id,surname\n1,"Berg\nvan der"\n1,Jansen\n', "line 4: mention_id '1' also on line 2"),
        ("mention_id,surname\n1,Berg, van der\n", "line 2: 3 cells, the header has 2"),
        ("mention_id,surname,surname\n1,Berg,Berg\n", "line 1: the column surname appears twice"),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_nothing_is_written(
    tmp_path: Path, text: str, message: str
) -> None:
    source, out = write(tmp_path, text), tmp_path / "out.csv"
    out.write_text("left alone\n", encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("link_file", str(source), "--out", str(out))
    assert out.read_text(encoding="utf-8") == "left alone\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # no temporary file left


def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "mention_id;surname\n1;Berg\n2;Müller\n", encoding="latin-1")
    with pytest.raises(LinkFileError, match="line 3: the file is not UTF-8"):
        read_mentions(path)


def test_a_missing_output_folder_is_refused_before_linking(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("link_file", str(write(tmp_path, PEOPLE)), "--out", str(tmp_path / "no" / "out.csv"))


@pytest.mark.parametrize("rows", [0, 1])
def test_a_file_with_no_or_one_row_still_works_with_the_shipped_model(tmp_path: Path, rows: int) -> None:
    text = "".join(PEOPLE.splitlines(keepends=True)[: rows + 1])
    result, err = link(write(tmp_path, text))
    assert [r["person_id"] for r in result] == ["P000001"] * rows
    assert "too few to train on" in err and "shipped model" in err
    assert f"link_file: {rows} rows -> {rows} persons" in err


def test_a_given_model_is_used_instead_of_training(tmp_path: Path) -> None:
    result, err = link(write(tmp_path, PEOPLE), "--model", str(DEFAULT_MODEL_PATH))
    assert "too few" not in err and f"the model {DEFAULT_MODEL_PATH}" in err
    assert len({r["person_id"] for r in result}) == 9
    (tmp_path / "bad.json").write_text(json.dumps({"comparisons": []}), encoding="utf-8")
    with pytest.raises(CommandError, match="not a person model"):
        call_command(
            "link_file", str(tmp_path / "in.csv"), "--out", str(tmp_path / "x.csv"),
            "--model", str(tmp_path / "bad.json"),
        )  # fmt: skip


@pytest.mark.django_db
def test_the_registers_persons_are_not_touched(tmp_path: Path) -> None:
    from ketenzicht.linking.models import MentionFeatures, MentionLink, ReviewItem
    from ketenzicht.persons.models import Person
    from tests.people import DENNIS, register

    register("R1", DENNIS)
    before = [m.objects.count() for m in (Person, MentionLink, MentionFeatures, ReviewItem)]
    link(write(tmp_path, PEOPLE))
    assert [m.objects.count() for m in (Person, MentionLink, MentionFeatures, ReviewItem)] == before


def run_command(tmp_path: Path, source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """manage.py link_file in a process whose database cannot even be opened."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}",
    }
    command = [sys.executable, "manage.py", "link_file", str(source), "--out", str(out)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_the_command_needs_no_database_and_exits_1_on_a_bad_file(tmp_path: Path) -> None:
    done = run_command(tmp_path, write(tmp_path, PEOPLE), tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("mention_id,person_id\na1,P000001\n")
    bad = run_command(tmp_path, write(tmp_path, "mention_id\n1\n1\n", "bad.csv"), tmp_path / "bad.out.csv")
    assert bad.returncode == 1 and "line 3: mention_id '1' also on line 2" in bad.stderr
    assert not (tmp_path / "bad.out.csv").exists()
    assert not (tmp_path / "no-such-folder").exists()


def generated_csv(directory: Path, registrations: int, seed: int) -> tuple[Path, dict[str, str]]:
    """The demo generator's mentions as a link_file input, and the true person of each mention."""
    generate(registrations, seed, directory)
    truth = true_persons(directory)
    rows = []
    for line in (directory / "registrations.jsonl").read_text(encoding="utf-8").splitlines():
        registration = json.loads(line)
        for person in registration["persons"]:
            address = person.get("address") or {}
            rows.append(
                {
                    "mention_id": f"{registration['source']}/{registration['reference']}/{person['ref']}",
                    **{name: person.get(name, "") for name in FIELD_COLUMNS if name not in ADDRESS_COLUMNS},
                    **{name: address.get(name, "") for name in ADDRESS_COLUMNS},
                }
            )
    path = directory / "mentions.csv"
    path.write_text(as_csv(rows, ["mention_id", *FIELD_COLUMNS]), encoding="utf-8")
    return path, truth


@pytest.mark.slow
def test_a_file_large_enough_is_trained_on_and_links_the_generators_duplicates(tmp_path: Path) -> None:
    source, truth = generated_csv(tmp_path, 150, 2)
    result, err = link(source)
    assert len(result) == len(truth) >= MIN_TRAIN_ROWS
    assert "trained on the file, seed 1" in err.splitlines()[-1] and "shipped" not in err
    person = {r["mention_id"]: r["person_id"] for r in result}
    same_true = {(a, b) for a, b in combinations(person, 2) if truth[a] == truth[b]}
    same_found = {(a, b) for a, b in combinations(person, 2) if person[a] == person[b]}
    assert same_found <= same_true  # no false merge
    assert len(same_found) >= 0.7 * len(same_true) > 0
