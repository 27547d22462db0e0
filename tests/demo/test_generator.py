"""The generator's promises: determinism, valid exchange-format lines, truth for every mention, planted
patterns that carry the right persons, valid BSNs. No database needed."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from stdnum.nl import bsn as stdnum_bsn

from ketenzicht.demo.generator import REGISTRATIONS_FILE, TRUTH_FILE, generate, load_params
from ketenzicht.demo.generator.population import SLOTS, bsn_for
from ketenzicht.registrations.exchange import KnownCodes, parse_registration, parse_timestamp

from .conftest import DataSet

pytestmark = pytest.mark.slow  # twenty thousand generated registrations: CI and TESTS=all

ROOT = Path(__file__).resolve().parents[2] / "ketenzicht"


def shipped_codes() -> KnownCodes:
    """The codes an installation knows from the shipped reference data, read here independently."""
    with (ROOT / "organisations/data/municipalities.csv").open(encoding="utf-8") as handle:
        municipality_rows = list(csv.DictReader(handle))
    with (ROOT / "organisations/data/organisations.csv").open(encoding="utf-8") as handle:
        organisations = list(csv.DictReader(handle))
    prefix = {row["code"]: row["reference_prefix"] for row in organisations}
    units = frozenset(row["code"] for row in organisations if row["kind"] == "politie")
    offences = yaml.safe_load((ROOT / "registrations/data/offences.yaml").read_text(encoding="utf-8"))
    by_kind: dict[str, set[str]] = {}
    for row in organisations:
        if row["reference_prefix"]:
            by_kind.setdefault(row["kind"], set()).add(row["reference_prefix"])
    return KnownCodes(
        units,
        frozenset(row["code"] for row in municipality_rows),
        frozenset(str(o["article"]) for o in offences["offences"]),
        unit_prefixes={unit: prefix[unit] for unit in units},
        municipality_prefixes={
            row["code"]: {"veilig_thuis": prefix[row["vt_region"]], "om": prefix[row["district_office"]]}
            for row in municipality_rows
        },
        source_prefixes={kind: frozenset(values) for kind, values in by_kind.items()},
    )


def digest(folder: Path) -> tuple[str, str]:
    return tuple(
        hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in (REGISTRATIONS_FILE, TRUTH_FILE)
    )  # type: ignore[return-value]


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(4_000, 5, first, storylines=True)
    generate(4_000, 5, second, storylines=True)
    generate(4_000, 6, other, storylines=True)
    assert digest(first) == digest(second)
    assert digest(first)[0] != digest(other)[0]
    assert digest(first)[1] != digest(other)[1]


def test_writes_exactly_n_registrations(tmp_path: Path) -> None:
    result = generate(7_321, 3, tmp_path)
    lines = (tmp_path / REGISTRATIONS_FILE).read_text(encoding="utf-8").count("\n")
    assert result.registrations == lines == 7_321


def test_every_line_passes_the_validator(demo_set: DataSet) -> None:
    codes = shipped_codes()
    failures = []
    for number, data in enumerate(demo_set.registrations, start=1):
        _, errors = parse_registration(data, codes)
        if errors:
            failures.append((number, [str(e) for e in errors]))
    assert failures == []


def test_registrations_come_in_time_order_with_unique_references(demo_set: DataSet) -> None:
    times = [parse_timestamp(r["registered_at"], date_allowed=False)[0] for r in demo_set.registrations]
    assert times == sorted(times)
    keys = Counter((r["source"], r["reference"]) for r in demo_set.registrations)
    assert max(keys.values()) == 1
    assert {r["source"] for r in demo_set.registrations} == {
        "politie", "veilig_thuis", "om", "reclassering", "slachtofferhulp"
    }  # fmt: skip
    assert all(r["registered_at"][-6:] in ("+01:00", "+02:00") for r in demo_set.registrations)


def test_truth_covers_every_mention_exactly_once(demo_set: DataSet) -> None:
    mentions = [(r["source"], r["reference"], p["ref"]) for r in demo_set.registrations for p in r["persons"]]
    truth = [tuple(t["mention"]) for t in demo_set.truth if "mention" in t]
    assert len(truth) == len(set(truth)), "a mention has two truth lines"
    assert Counter(truth) == Counter(mentions)
    assert all(t["person"].startswith("T") for t in demo_set.truth if "mention" in t)


def test_bsns_written_as_valid_pass_the_11_check_and_mistyped_ones_do_not(demo_set: DataSet) -> None:
    person_of = demo_set.person_of()
    valid = mistyped = 0
    for r in demo_set.registrations:
        for p in r["persons"]:
            if "bsn" not in p:
                continue
            assert len(p["bsn"]) == 9 and p["bsn"].isdigit()
            true_bsn = bsn_for(int(person_of[(r["source"], r["reference"], p["ref"])][1:]))
            assert stdnum_bsn.is_valid(true_bsn)
            if p["bsn"] == true_bsn:
                valid += 1
            else:
                assert not stdnum_bsn.is_valid(p["bsn"]), (
                    f"{p['bsn']} passes the 11-check but is not the person's"
                )
                mistyped += 1
    assert valid > 10_000 and 0 < mistyped < valid * 0.05


def test_bsns_are_distinct_per_person() -> None:
    ids = list(range(0, 2_000_000 * SLOTS, 97)) + list(range(6_000_000 * SLOTS, 6_001_000 * SLOTS))
    numbers = [bsn_for(i) for i in ids]
    assert len(set(numbers)) == len(numbers)
    assert all(stdnum_bsn.is_valid(n) for n in numbers[::50])


def test_every_planted_pattern_has_its_registrations_and_persons(demo_set: DataSet) -> None:
    by_key = {(r["source"], r["reference"]): r for r in demo_set.registrations}
    person_of = demo_set.person_of()
    patterns = demo_set.facts("pattern")
    assert len([p for p in patterns if "storyline" not in p]) >= 10
    subkinds = Counter(p["subkind"] for p in patterns)
    assert subkinds["ex_partner"] >= 5
    for pattern in patterns:
        assert pattern["kind"] == "stalking"
        keys = [tuple(k) for k in pattern["registrations"]]
        if "storyline" not in pattern:
            assert 3 <= len(keys) <= 25
        dates, with_victim, with_suspect = [], 0, 0
        for key in keys:
            registration = by_key[key]  # exists
            people = {person_of[(*key, p["ref"])] for p in registration["persons"]}
            assert people & {pattern["victim"], pattern["suspect"]}
            with_victim += pattern["victim"] in people
            with_suspect += pattern["suspect"] in people
            dates.append(registration["registered_at"][:10])
        if "storyline" in pattern:  # hand-written: an arrest may name only him
            assert with_victim >= len(keys) - 1 and with_suspect >= len(keys) - 1
        else:
            assert with_victim == with_suspect == len(keys)
        assert pattern["first"] == min(dates) and pattern["last"] == max(dates)
    assert any(p["has_285b"] for p in patterns) and not all(p["has_285b"] for p in patterns)
    assert any(len(p["units"]) == 2 for p in patterns if p["victim_moved"])


def test_confounders_and_serials_point_at_real_registrations(demo_set: DataSet) -> None:
    by_key = {(r["source"], r["reference"]): r for r in demo_set.registrations}
    person_of = demo_set.person_of()
    confounders = demo_set.facts("confounder")
    kinds = Counter(c["kind"] for c in confounders)
    assert set(kinds) == {"neighbour_quarrel", "one_off_dv", "same_name", "family_same_address"}
    for confounder in confounders:
        for key in confounder["registrations"]:
            registration = by_key[tuple(key)]
            people = {person_of[(*key, p["ref"])] for p in registration["persons"]}
            assert people & set(confounder["persons"])
    patterns = {p["plant"]: p for p in demo_set.facts("pattern")}
    for serial in demo_set.facts("serial"):
        assert len(serial["patterns"]) >= 2
        assert all(patterns[p]["suspect"] == serial["suspect"] for p in serial["patterns"])


def test_storylines_are_planted_in_oost_brabant(demo_set: DataSet) -> None:
    stories = [f for f in demo_set.facts("pattern") + demo_set.facts("confounder") if "storyline" in f]
    assert {s["storyline"] for s in stories} >= {"ex-partner-den-bosch", "moved-tilburg-eindhoven"}
    by_key = {(r["source"], r["reference"]): r for r in demo_set.registrations}
    ex = next(s for s in stories if s["storyline"] == "ex-partner-den-bosch")
    spellings = {
        (p.get("given_names", ""), p.get("surname_prefix", ""), p["surname"])
        for key in ex["registrations"]
        for p in by_key[tuple(key)]["persons"]
        if p["role"] == "suspect"
    }
    assert len(spellings) >= 3
    units = Counter(by_key[tuple(k)].get("unit") for s in stories for k in s["registrations"])
    assert units["oost-brabant"] > sum(units.values()) / 2
    moved = next(s for s in stories if s["storyline"] == "moved-tilburg-eindhoven")
    assert set(moved["units"]) == {"zeeland-west-brabant", "oost-brabant"}


def test_parameters_are_validated() -> None:
    with pytest.raises(ValidationError):
        load_params(noise={"swaped": 0.1})
    with pytest.raises(ValidationError):
        load_params(noise={"typo_surname": 1.5})
    assert load_params().noise.typo_surname == pytest.approx(0.03)


def test_serial_perpetrators_stalk_victims_one_after_another(tmp_path: Path) -> None:
    params = load_params()
    serial = params.plants.serial.model_copy(update={"per_1000": 3.0})
    params = params.model_copy(update={"plants": params.plants.model_copy(update={"serial": serial})})
    generate(5_000, 8, tmp_path, params)
    truth = [json.loads(line) for line in (tmp_path / TRUTH_FILE).read_text(encoding="utf-8").splitlines()]
    patterns = {t["pattern"]["plant"]: t["pattern"] for t in truth if "pattern" in t}
    serials = [t["serial"] for t in truth if "serial" in t]
    assert len(serials) >= 3
    for s in serials:
        campaigns = [patterns[p] for p in s["patterns"]]
        assert len(campaigns) >= 2 and len(set(s["victims"])) == len(campaigns)
        assert all(c["suspect"] == s["suspect"] and c["serial"] == s["id"] for c in campaigns)
        assert all(a["last"] < b["first"] for a, b in itertools.pairwise(campaigns))


def test_the_spring_clock_change_keeps_moments_in_order() -> None:
    """On the last Sunday of March 02:00-02:59 does not exist: such a minute is written as the moment the
    clock jumps, so that a later minute (03:20) never comes out before it (an incident at 02:35 written
    after the registration of 03:20 was refused by intake)."""
    from ketenzicht.demo.generator.events import DAY_MINUTES
    from ketenzicht.demo.generator.writer import Clock

    clock = Clock(dt.date(2023, 3, 25))
    day = DAY_MINUTES  # 2023-03-26, the spring day
    moments = [day + 60 * h + m for h, m in ((1, 59), (2, 0), (2, 35), (2, 59), (3, 0), (3, 20))]
    texts = [clock.text(m) for m in moments]
    assert texts[0] == "2023-03-26T01:59:00+01:00"
    assert texts[1:5] == ["2023-03-26T03:00:00+02:00"] * 4
    assert texts[5] == "2023-03-26T03:20:00+02:00"
    instants = [parse_timestamp(t, date_allowed=False)[0] for t in texts]
    assert instants == sorted(instants)
