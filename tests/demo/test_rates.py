"""The stated noise rates hold within tolerance over a large sample.

Each mention of an ordinary (not planted) person is compared with the clean person, rebuilt from its id by
`Generator.population.person`, and classified from what is written, independently of the generator's own
bookkeeping. A rate is measured only over mentions where the variation can apply and can be seen.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ketenzicht.demo.generator import Generator
from ketenzicht.demo.generator.noise import ABBREVIATIONS, strip_diacritics
from ketenzicht.demo.generator.population import PLANT_HID_BASE, SLOTS, Person

from .conftest import load

# 25,000 registrations: some 50,000 ordinary mentions, the rarest measure (diacritics lost) over about 1,300;
# at 20,000 and at 50,000 every rate lay within half its band (2026-12-03).
N = 25_000
SEED = 23
INITIALS = re.compile(r"^(\w\.)+$")
PREFIX_WORDS = {"van", "der", "den", "de", "ter", "ten", "te", "v.d.", "v."}


def fold(text: str) -> str:
    return strip_diacritics(text).lower()


def core(text: str) -> str:
    """A surname without prefix words, punctuation, case and diacritics."""
    words = [w for w in re.split(r"[\s,]+", fold(text)) if w and w not in PREFIX_WORDS]
    return "".join(words)


def edits(a: str, b: str) -> int:
    if a == b:
        return 0
    if abs(len(a) - len(b)) > 2:
        return 3
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


class Tally:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.totals: Counter[str] = Counter()

    def add(self, name: str, hit: bool) -> None:
        self.totals[name] += 1
        self.hits[name] += hit

    def rate(self, name: str) -> float:
        return self.hits[name] / self.totals[name]

    def check(self, name: str, expected: float, failures: list[str]) -> None:
        n = self.totals[name]
        assert n >= 200, f"{name}: only {n} mentions to measure"
        sigma = math.sqrt(max(expected * (1 - expected), 1e-4) / n)
        observed = self.rate(name)
        if abs(observed - expected) > 4 * sigma + 0.004:
            failures.append(f"{name}: observed {observed:.4f} over {n}, parameter {expected:.4f}")


@pytest.fixture(scope="module")
def sample(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Generator, list[tuple[dict[str, Any], Person, bool]]]:
    folder = tmp_path_factory.mktemp("rates")
    generator = Generator(SEED)
    generator.run(N, Path(folder))
    data = load(Path(folder))
    person_of = data.person_of()
    clean = Generator(SEED).population  # a fresh population: rebuilds people from their ids
    rows = []
    for registration in data.registrations:
        notification = registration["kind"] == "melding"
        for mention in registration["persons"]:
            pid = int(person_of[(registration["source"], registration["reference"], mention["ref"])][1:])
            if pid // SLOTS >= PLANT_HID_BASE:
                continue
            rows.append((mention, clean.person(pid), notification))
    return generator, rows


@pytest.mark.slow
def test_noise_rates_match_the_parameters(
    sample: tuple[Generator, list[tuple[dict[str, Any], Person, bool]]],
) -> None:
    generator, rows = sample
    noise = generator.params.noise
    tally = Tally()
    unexplained = 0
    for mention, person, notification in rows:
        given = mention.get("given_names", "")
        surname = mention["surname"]
        first = fold(person.given[0])
        swapped = (
            bool(given) and edits(core(surname), first) <= 1 and edits(core(given), core(person.surname)) <= 2
        )
        tally.add("swapped", swapped)
        if swapped:
            continue

        # given names (only where the forms differ: two or more names)
        if len(person.given) >= 2:
            if not given:
                form = "missing"
            elif INITIALS.match(given):
                form = "initials"
            else:
                form = "first_only" if len(given.split()) == 1 else "full"
            for name in ("full", "first_only", "initials", "missing"):
                tally.add(f"given_names.{name}", form == name)

        # prefix style (van-prefixes, own name only)
        if person.prefix in ABBREVIATIONS and person.partner_name is None:
            prefix, low = mention.get("surname_prefix", ""), fold(surname)
            p = person.prefix
            if prefix:
                style = "apart"
            elif low.startswith(p + " "):
                style = "inside"
            elif low.endswith(", " + p):
                style = "inverted"
            elif low.startswith(ABBREVIATIONS[p] + " "):
                style = "abbreviated"
            elif (
                edits(low, fold(p.replace(" ", "") + person.surname)) <= 2
                and len(low) > len(fold(person.surname)) + 1
            ):
                style = "glued"
            elif (
                edits(low, fold(person.surname).replace("ij", "y")) <= 2
                or edits(low, fold(person.surname)) <= 2
            ):
                style = "dropped"
            else:
                style = "?"
                unexplained += 1
            for name in ("apart", "inside", "inverted", "abbreviated", "glued", "dropped"):
                tally.add(f"prefix_style.{name}", style == name)

        # married name
        if person.partner_name is not None:
            own, partner = core(person.surname), core(person.partner_name[1])
            if own != partner:
                parts = [core(x) for x in surname.split("-")] if "-" in surname else []
                if len(parts) == 2:
                    usage = "partner_own" if edits(parts[0], partner) <= 2 else "own_partner"
                elif edits(core(surname), partner) <= 2:
                    usage = "partner"
                else:
                    usage = "own"
                for name in ("own", "partner", "partner_own", "own_partner"):
                    tally.add(f"married_name.{name}", usage == name)

        # ij / y and diacritics, own surname only
        if person.partner_name is None and "ij" in person.surname:
            tally.add("ij_y", "y" in surname and "ij" not in surname)
        if person.partner_name is None and not person.surname.isascii():
            tally.add("diacritics_lost", surname.isascii())

        # typo in the surname: not one of the spellings the other steps make
        if person.partner_name is None and not (person.prefix and not mention.get("surname_prefix")):
            expected = {person.surname, person.surname.replace("ij", "y"), strip_diacritics(person.surname)}
            expected |= {strip_diacritics(e) for e in set(expected)}
            tally.add("typo_surname", surname not in expected)
        if len(person.given) >= 1 and given and not INITIALS.match(given):
            names = [" ".join(person.given), person.given[0]]
            expected = set(names) | {strip_diacritics(x) for x in names}
            tally.add("typo_given_names", given not in expected)

        # birth date
        y, m, d = person.birth
        written = mention.get("birth_date")
        exact = f"{y:04d}-{m:02d}-{d:02d}"
        if written is None:
            kind = "missing"
        elif written == exact:
            kind = "exact"
        elif written == f"{y:04d}-{m:02d}-00":
            kind = "unknown_day"
        elif written == f"{y:04d}-00-00":
            kind = "unknown_month"
        elif written == f"{y:04d}-{d:02d}-{m:02d}":
            kind = "day_month_swapped"
        else:
            kind = "digit"
            assert sum(a != b for a, b in zip(written, exact, strict=True)) == 1, (written, exact)
        for name in ("missing", "unknown_day", "unknown_month", "digit"):
            tally.add(f"birth_date.{name}", kind == name)
        if d <= 12 and d != m:
            tally.add("birth_date.day_month_swapped", kind == "day_month_swapped")

        # BSN, address, sex, phone
        role = mention["role"]
        tally.add(f"bsn_present.{role}{'.notification' if notification else ''}", "bsn" in mention)
        if "bsn" in mention:
            tally.add("bsn_mistyped", mention["bsn"] != person.bsn)
        address = mention.get("address")
        if address is None:
            where = "missing"
        elif (address["street"], address["house_number"], address["postcode"]) == (
            person.address.street, person.address.house_number, person.address.postcode
        ):  # fmt: skip
            where = "current"
        else:
            assert address["postcode"] == person.previous_address.postcode
            where = "moved"
        for name in ("current", "moved", "missing"):
            tally.add(f"address.{name}", where == name)
        tally.add("sex_missing", "sex" not in mention)
        if person.mobile:
            tally.add("phone_present", "phone" in mention)

    def share(mix: dict[str, float], key: str) -> float:
        return mix[key] / sum(mix.values())

    failures: list[str] = []
    tally.check("swapped", noise.swapped, failures)
    for name in ("full", "first_only", "initials", "missing"):
        tally.check(f"given_names.{name}", share(noise.given_names, name), failures)
    for name in ("apart", "inside", "inverted", "abbreviated", "glued", "dropped"):
        tally.check(f"prefix_style.{name}", share(noise.prefix_style, name), failures)
    for name in ("own", "partner", "partner_own", "own_partner"):
        tally.check(f"married_name.{name}", share(noise.married_name, name), failures)
    tally.check("ij_y", noise.ij_y, failures)
    tally.check("diacritics_lost", noise.diacritics_lost, failures)
    tally.check("typo_surname", noise.typo_surname, failures)
    tally.check(
        "typo_given_names", noise.typo_given_names, failures
    )  # measured over full and first-only names
    for name in ("missing", "unknown_day", "unknown_month", "digit", "day_month_swapped"):
        tally.check(f"birth_date.{name}", share(noise.birth_date, name), failures)
    for role in ("suspect", "victim", "witness", "involved"):
        tally.check(f"bsn_present.{role}", noise.bsn_present[role], failures)
    tally.check(
        "bsn_present.victim.notification",
        noise.bsn_present["victim"] * noise.bsn_notification_factor,
        failures,
    )
    tally.check("bsn_mistyped", noise.bsn_mistyped, failures)
    for name in ("current", "moved", "missing"):
        tally.check(f"address.{name}", share(noise.address, name), failures)
    tally.check("sex_missing", noise.sex_missing, failures)
    tally.check("phone_present", noise.phone_present, failures)
    assert unexplained < 0.01 * tally.totals["prefix_style.apart"]
    assert failures == [], "\n".join(failures)
