"""A small deterministic generator of exchange-format (v1) import files for the bulk import's tests.

`write_import_file(path, lines=1_000, bad=50)` writes good lines (unique source + reference, every
source and kind, 1-4 persons, relations, BSNs that fail the 11-check, unknown extra keys) and bad lines of
many kinds, each breaking exactly the fields it names, and returns what the import must make of them: per
good line the counts it must store, per bad line the field paths it must report. Same seed, same file.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import reference_of

SOURCES = ("politie", "veilig_thuis", "om", "slachtofferhulp", "reclassering")
KINDS = ("aangifte", "melding", "incident", "klacht", "overtreding_maatregel")
ROLES = ("suspect", "victim", "reporter", "witness", "involved")
RELATION_KINDS = (
    "partner", "ex_partner", "family", "child", "acquaintance", "colleague", "neighbour", "stranger",
    "unknown",
)  # fmt: skip
UNITS = (
    "noord-nederland", "oost-nederland", "midden-nederland", "noord-holland", "amsterdam", "den-haag",
    "rotterdam", "zeeland-west-brabant", "oost-brabant", "limburg", "landelijke-eenheid",
)  # fmt: skip
MUNICIPALITIES = (
    "GM0363", "GM0599", "GM0518", "GM0344", "GM0772", "GM0014", "GM0855", "GM0034", "GM0758", "GM0268",
    "GM0200", "GM0394", "GM0503", "GM0392", "GM0202", "GM0153", "GM0307", "GM0479", "GM0796", "GM0193",
    "GM0546", "GM0935", "GM0505", "GM0867", "GM1674", "GM0513",
)  # fmt: skip
OFFENCES = ("138", "141", "157", "184a", "266", "284", "285", "285b", "300", "302", "310", "311", "350")
GIVEN = (
    "Anna",
    "Johannes Petrus",
    "J.P.",
    "Fatima",
    "Mohammed",
    "Sanne",
    "Kees",
    "Özlem",
    "Emma",
    "Daan",
    "",
)
SURNAMES = (
    "Jansen",
    "de Vries",
    "van der Berg",
    "Berg, van der",
    "Jansen-de Vries",
    "Yılmaz",
    "Bakker",
    "Visser",
)
STREETS = ("Stratumsedijk", "Kerkstraat", "Dorpsstraat", "Hoofdweg", "Laan van Meerdervoort")
CITIES = ("Eindhoven", "Utrecht", "Amsterdam", "Tilburg", "Zwolle", "'s-Hertogenbosch")


@dataclass(frozen=True)
class GoodLine:
    line: int
    source: str
    reference: str
    persons: int
    relations: int
    offences: int
    bsns_failing_check: int  # stored, flagged bsn_valid=False
    bsns_passing_check: int
    extra: bool  # the line carries keys the format does not know (kept with the registration)


@dataclass(frozen=True)
class BadLine:
    line: int
    kind: str
    fields: frozenset[str]  # every field path the import must report for this line, and no other


@dataclass(frozen=True)
class ImportFile:
    path: Path
    good: tuple[GoodLine, ...]
    bad: tuple[BadLine, ...]

    @property
    def lines(self) -> int:
        return len(self.good) + len(self.bad)

    def good_by_key(self) -> dict[tuple[str, str], GoodLine]:
        return {(g.source, g.reference): g for g in self.good}

    def bad_fields(self) -> dict[int, frozenset[str]]:
        return {b.line: b.fields for b in self.bad}


# --- BSNs ---------------------------------------------------------------------------------------------------


def _eleven_sum(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11


def bsn(rng: random.Random, *, passes: bool) -> str:
    """Nine digits that pass (or fail) the 11-check."""
    while True:
        candidate = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        if (_eleven_sum(candidate) == 0) == passes:
            return candidate


# --- good lines ---------------------------------------------------------------------------------------------


def _registered_at(rng: random.Random, index: int) -> str:
    day = 1 + index % 28
    month = 1 + (index // 28) % 12
    offset = rng.choice(("+01:00", "+02:00", "Z", "+00:00"))
    return f"2024-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00{offset}"


def _birth_date(rng: random.Random) -> str | None:
    year = rng.randint(1940, 2015)
    pick = rng.random()
    if pick < 0.15:
        return None
    if pick < 0.22:
        return f"{year}-00-00"
    if pick < 0.3:
        return f"{year}-{rng.randint(1, 12):02d}-00"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _person(rng: random.Random, ref: str, role: str, tally: dict[str, int]) -> dict[str, Any]:
    person: dict[str, Any] = {"ref": ref, "role": role, "surname": rng.choice(SURNAMES)}
    if given := rng.choice(GIVEN):
        person["given_names"] = given
    if rng.random() < 0.2:
        person["surname_prefix"], person["surname"] = "van", rng.choice(("Dijk", "Leeuwen", "Beek"))
    if birth := _birth_date(rng):
        person["birth_date"] = birth
    if rng.random() < 0.7:
        person["sex"] = rng.choice(("M", "F", "X", "U"))
    pick = rng.random()
    if pick < 0.3:
        person["bsn"] = bsn(rng, passes=True)
        tally["pass"] += 1
    elif pick < 0.4:
        person["bsn"] = bsn(rng, passes=False)  # a good line all the same: stored and flagged
        tally["fail"] += 1
    if rng.random() < 0.5:
        postcode = f"{rng.randint(1000, 9999)}{rng.choice('ABCDEFGHJKLMNPR')}{rng.choice('ABCDEFGHJKLMNPR')}"
        address: dict[str, Any] = {
            "street": rng.choice(STREETS),
            "house_number": str(rng.randint(1, 300)),
            "postcode": postcode if rng.random() < 0.5 else f"{postcode[:4]} {postcode[4:]}",
            "city": rng.choice(CITIES),
        }
        if rng.random() < 0.3:
            address["house_number_suffix"] = rng.choice(("a", "bis", "II", "-3"))
        if rng.random() < 0.3:
            address["municipality"] = rng.choice(MUNICIPALITIES)
        if rng.random() < 0.03:
            address["floor"] = "2"  # a key the format does not know
            tally["extra"] += 1
        person["address"] = address
    if rng.random() < 0.4:
        person["phone"] = f"+3161{rng.randint(1000000, 9999999)}"
    return person


def good_registration(
    rng: random.Random, index: int, *, persons: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid registration and what it must store: persons, relations, offences, BSN flags, extra keys."""
    source = SOURCES[index % len(SOURCES)]
    data: dict[str, Any] = {
        "source": source,
        "kind": KINDS[(index // len(SOURCES)) % len(KINDS)],
        "registered_at": _registered_at(rng, index),
    }
    pick = rng.random()
    if pick < 0.4:
        data["occurred_at"] = data["registered_at"]
    elif pick < 0.6:
        data["occurred_at"] = data["registered_at"][:10]
    if source == "politie" or rng.random() < 0.2:
        data["unit"] = rng.choice(UNITS)
    if rng.random() < 0.7:
        data["municipality"] = rng.choice(MUNICIPALITIES)
    # in the numbering of the organisation it belongs to (its unit; for VT and OM the one serving the place)
    data["reference"] = reference_of(
        f"2024-{index:06d}", source=source, unit=data.get("unit"), municipality=data.get("municipality")
    )
    articles = rng.sample(OFFENCES, rng.randint(0, 3))
    data["offences"] = [rng.choice((a, a.upper(), f"art. {a}")) for a in articles]
    if rng.random() < 0.8:
        data["summary"] = (
            rng.choice(("Dreigende berichten", "Stond weer voor de deur", "Ruit ingegooid")) + "."
        )
    count = persons if persons is not None else rng.choice((1, 2, 2, 2, 3, 3, 4))
    refs = [f"p{i + 1}" if index % 7 else f"{chr(ord('a') + i)}" for i in range(count)]
    tally = {"pass": 0, "fail": 0, "extra": 0}
    data["persons"] = [
        _person(rng, ref, "suspect" if i == 0 else rng.choice(ROLES), tally) for i, ref in enumerate(refs)
    ]
    pairs = [(a, b) for a in refs for b in refs if a < b]
    relations = [
        {"from": a, "to": b, "kind": rng.choice(RELATION_KINDS)}
        for a, b in rng.sample(pairs, rng.randint(0, min(len(pairs), 3)))
    ]
    if relations or rng.random() < 0.5:
        data["relations"] = relations
    extra = tally["extra"] > 0
    if rng.random() < 0.05:
        data["x_feed"] = {"batch": index // 100, "system": "bvh"}
        extra = True
    if rng.random() < 0.05:
        data["persons"][0]["nickname"] = "Joop"
        extra = True
    expect = {
        "persons": count,
        "relations": len(relations),
        "offences": len(articles),
        "bsns_failing_check": tally["fail"],
        "bsns_passing_check": tally["pass"],
        "extra": extra,
    }
    return data, expect


# --- bad lines ----------------------------------------------------------------------------------------------

# Each mutation turns a valid registration (at least 2 persons, 1 relation, an address, offences, a unit) into
# one that breaks exactly the fields returned, or returns the raw text of the line.
Mutation = Callable[[random.Random, dict[str, Any]], tuple[dict[str, Any] | str | Any, set[str]]]


def _drop(key: str) -> Mutation:
    def mutate(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
        del data[key]
        if key == "persons":
            data.pop("relations", None)  # relations would name refs that no longer exist
        return data, {key}

    return mutate


def _set(key: str, value: Any) -> Mutation:
    def mutate(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
        data[key] = value
        return data, {key}

    return mutate


def _person_set(key: str, *values: Any) -> Mutation:
    def mutate(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
        i = rng.randrange(len(data["persons"]))
        data["persons"][i][key] = rng.choice(values)
        return data, {f"persons[{i}].{key}"}

    return mutate


def _person_drop(key: str) -> Mutation:
    def mutate(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
        i = rng.randrange(len(data["persons"]))
        del data["persons"][i][key]
        if key == "ref":
            data["relations"] = []
        return data, {f"persons[{i}].{key}"}

    return mutate


def _address_set(key: str, *values: Any) -> Mutation:
    def mutate(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
        i = rng.randrange(len(data["persons"]))
        data["persons"][i].setdefault("address", {"street": "Kerkstraat", "house_number": "1"})
        data["persons"][i]["address"][key] = rng.choice(values)
        return data, {f"persons[{i}].address.{key}"}

    return mutate


def _invalid_json(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    text = json.dumps(data, ensure_ascii=False)
    broken = rng.choice(
        (
            text[:-1],  # cut short
            text.replace('"source"', "'source'", 1),  # single quotes
            text[:-1] + ",}",  # trailing comma
            text.replace(":", "=", 1),
            "{source: politie}",
            "not json at all",
        )
    )
    return broken, {"(line)"}


def _not_an_object(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    return rng.choice(([data], "a string", 42, None, True)), {"(registration)"}


def _unknown_relation_kind(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    data["relations"][0]["kind"] = rng.choice(("ex", "buurman", "vriend"))
    return data, {"relations[0].kind"}


def _relation_to_unknown_ref(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    end = rng.choice(("from", "to"))
    data["relations"][0][end] = "p99"
    return data, {f"relations[0].{end}"}


def _relation_to_self(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    data["relations"][0]["to"] = data["relations"][0]["from"]
    return data, {"relations[0].to"}


def _duplicate_ref(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    data["persons"][1]["ref"] = data["persons"][0]["ref"]
    data["relations"] = []
    return data, {"persons[1].ref"}


def _empty_persons(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    data["persons"] = []
    data.pop("relations", None)
    return data, {"persons"}


def _persons_not_a_list(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    data["persons"] = data["persons"][0]
    data.pop("relations", None)
    return data, {"persons"}


def _politie_without_unit(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    data["source"] = "politie"
    if rng.random() < 0.5:
        del data["unit"]
    else:
        data["unit"] = ""
    return data, {"unit"}


def _unknown_offence(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    data["offences"] = ["285", rng.choice(("999", "285z", "art. 1"))]
    return data, {"offences[1]"}


def _several(rng: random.Random, data: dict[str, Any]) -> tuple[Any, set[str]]:
    data["kind"] = "rapport"
    data["registered_at"] = "2024-03-06 09:12"
    data["persons"][1]["birth_date"] = "1985-02-30"
    data["relations"][0]["to"] = "p99"
    return data, {"kind", "registered_at", "persons[1].birth_date", "relations[0].to"}


BAD_KINDS: dict[str, Mutation] = {
    "invalid JSON": _invalid_json,
    "not an object": _not_an_object,
    "missing source": _drop("source"),
    "missing reference": _drop("reference"),
    "missing kind": _drop("kind"),
    "missing registered_at": _drop("registered_at"),
    "missing persons": _drop("persons"),
    "missing surname": _person_drop("surname"),
    "missing person role": _person_drop("role"),
    "missing person ref": _person_drop("ref"),
    "empty surname": _person_set("surname", "", "   "),
    "unknown source": _set("source", "gemeente"),
    "unknown kind": _set("kind", "proces-verbaal"),
    "unknown role": _person_set("role", "dader", "slachtoffer", "Suspect"),
    "unknown relation kind": _unknown_relation_kind,
    "unknown unit": _set("unit", "brabant-zuid"),
    "unknown municipality": _set("municipality", "GM9999"),
    "malformed municipality": _set("municipality", "Eindhoven"),
    "unknown address municipality": _address_set("municipality", "GM9998"),
    "unknown offence": _unknown_offence,
    "bad birth date": _person_set(
        "birth_date", "1985-13-01", "1985-00-12", "1985-02-30", "12-04-1985", "1899-05-05"
    ),
    "bad postcode": _address_set("postcode", "12345", "0123 AB", "1234 SA", "AB 1234"),
    "BSN not 9 digits": _person_set("bsn", "1234567890", "12345", "12345678X", "BSN onbekend"),
    "bad sex": _person_set("sex", "V", "male"),
    "registered_at without offset": _set("registered_at", "2024-03-06T09:12:00"),
    "registered_at a date only": _set("registered_at", "2024-03-06"),
    "registered_at not a time": _set("registered_at", "gisteren"),
    "bad occurred_at": _set("occurred_at", "2024-02-30"),
    "relation to an unknown ref": _relation_to_unknown_ref,
    "relation to self": _relation_to_self,
    "duplicate ref": _duplicate_ref,
    "empty persons list": _empty_persons,
    "persons not a list": _persons_not_a_list,
    "politie without unit": _politie_without_unit,
    "several errors": _several,
}


def bad_line(rng: random.Random, kind: str, index: int) -> tuple[str, frozenset[str]]:
    """The text of one bad line of this kind, and the fields it breaks."""
    data, _ = good_registration(rng, index, persons=rng.randint(2, 4))
    data.setdefault("unit", "oost-brabant")
    data["reference"] = reference_of(  # never the key of a good line
        f"BAD-{index:06d}", source=data["source"], unit=data["unit"], municipality=data.get("municipality")
    )
    data["relations"] = [
        {"from": data["persons"][0]["ref"], "to": data["persons"][1]["ref"], "kind": "partner"}
    ]
    data.setdefault("offences", ["285"])
    value, fields = BAD_KINDS[kind](rng, copy.deepcopy(data))
    text = (
        value if isinstance(value, str) and kind == "invalid JSON" else json.dumps(value, ensure_ascii=False)
    )
    return text, frozenset(fields)


# --- files --------------------------------------------------------------------------------------------------


def write_import_file(path: Path, *, lines: int = 1_000, bad: int = 50, seed: int = 20240306) -> ImportFile:
    """Write `lines` lines, `bad` of them bad (every kind in turn, at random places), the rest good."""
    rng = random.Random(seed)
    bad_numbers = set(rng.sample(range(1, lines + 1), bad))
    kinds = list(BAD_KINDS)
    goods: list[GoodLine] = []
    bads: list[BadLine] = []
    with path.open("w", encoding="utf-8") as handle:
        for number in range(1, lines + 1):
            if number in bad_numbers:
                kind = kinds[len(bads) % len(kinds)]
                text, fields = bad_line(rng, kind, number)
                bads.append(BadLine(number, kind, fields))
            else:
                data, expect = good_registration(rng, number)
                text = json.dumps(data, ensure_ascii=False)
                goods.append(GoodLine(number, data["source"], data["reference"], **expect))
            handle.write(text + "\n")
    return ImportFile(path, tuple(goods), tuple(bads))


def write_lines(path: Path, lines: Iterable[Any]) -> Path:
    """One line per item: a str as it is, anything else as JSON."""
    with path.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n")
    return path
