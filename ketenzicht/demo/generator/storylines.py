"""Named storylines for the demo: hand-written stories with fixed, synthetic people, from
`data/storylines.yaml`, planted into a generated data set (`generate(..., storylines=True)`).

Every mention is written exactly as the file says (the point of a storyline is the spellings it shows);
`bsn: true` and `address: true` fill in the person's own BSN and address. Truth lines carry `"storyline"`.
Storyline people get household ids from STORY_HID_BASE, apart from the population and the plants.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from .events import DAY_MINUTES, Draft, Mention
from .noise import address_json
from .params import DATA_DIR, GeneratorParams
from .planted import Plant
from .population import SLOTS, Address, Person, Population

STORYLINES_FILE = DATA_DIR / "storylines.yaml"
STORY_HID_BASE = 9_500_000


def _address(spec: dict[str, Any], population: Population) -> Address:
    municipality = population.by_code[spec["municipality"]]
    return Address(
        str(spec["street"]),
        str(spec["house_number"]),
        str(spec.get("house_number_suffix", "")),
        str(spec["postcode"]),
        municipality.name,
        municipality.code,
    )


def storyline_people(population: Population, path: Path = STORYLINES_FILE) -> dict[str, Person]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    people: dict[str, Person] = {}
    for index, (key, p) in enumerate(spec["persons"].items()):
        birth = p["birth"] if isinstance(p["birth"], dt.date) else dt.date.fromisoformat(str(p["birth"]))
        address = _address(p["address"], population)
        previous = _address(p["old_address"], population) if "old_address" in p else address
        people[key] = Person(
            (STORY_HID_BASE + index) * SLOTS,
            str(p["sex"]),
            tuple(str(p["given"]).split()),
            str(p.get("prefix", "")),
            str(p["surname"]),
            (birth.year, birth.month, birth.day),
            "dutch",
            address,
            None,
            previous,
        )
    return people


def storyline_drafts(
    params: GeneratorParams, population: Population, path: Path = STORYLINES_FILE
) -> list[Draft]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    people = storyline_people(population, path)
    last_day = params.window.days - 1
    drafts: list[Draft] = []
    for story in spec["stories"]:
        ((category, truth),) = story["truth"].items()
        data: dict[str, Any] = {}
        for key, value in truth.items():
            if key in ("suspect", "victim"):
                data[key] = people[value].tid
            elif key == "persons":
                data[key] = [people[v].tid for v in value]
            else:
                data[key] = value
        data["storyline"] = story["id"]
        plant = Plant(f"story:{story['id']}", category, data)
        for reg in story["registrations"]:
            hour, minute = (int(x) for x in str(reg["time"]).split(":"))
            at = (last_day - int(reg["days_before_end"])) * DAY_MINUTES + hour * 60 + minute
            mentions: list[Mention] = []
            for mention in reg["persons"]:
                person = people[mention["who"]]
                written: dict[str, Any] = {}
                for key, value in mention.items():
                    if key in ("who", "role"):
                        continue
                    if key == "bsn" and value is True:
                        written[key] = person.bsn
                    elif key == "address" and value is True:
                        written[key] = address_json(person.address)
                    elif key == "address" and value == "old":
                        written[key] = address_json(person.previous_address)
                    else:
                        written[key] = str(value)
                mentions.append(Mention(person, str(mention["role"]), written))
            relations = [(int(a), int(b), str(k)) for a, b, k in reg.get("relations", [])]
            draft = Draft(
                at,
                str(reg["source"]),
                str(reg["kind"]),
                population.by_code[str(reg["municipality"])],
                [str(o) for o in reg.get("offences", [])],
                str(reg["summary"]),
                mentions,
                relations,
                plant=plant,
            )
            if draft.source == "politie":
                draft.occurred = at - 45
            drafts.append(draft)
        plant.expected = len(story["registrations"])
    return drafts
