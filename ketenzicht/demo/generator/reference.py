"""The reference data the generator builds on: municipalities (with police unit and Veilig Thuis
region), police units and offences, plus the generator's own place data (inhabitants, postcode ranges)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .params import DATA_DIR

PROJECT = Path(__file__).resolve().parents[2]
MUNICIPALITIES_CSV = PROJECT / "organisations" / "data" / "municipalities.csv"
ORGANISATIONS_CSV = PROJECT / "organisations" / "data" / "organisations.csv"
OFFENCES_YAML = PROJECT / "registrations" / "data" / "offences.yaml"


@dataclass(frozen=True)
class Municipality:
    index: int
    code: str
    name: str
    unit: str
    vt_region: str
    vt_code: str  # VRxx
    district_office: str
    # the reference prefixes (organisations.csv) of the unit, VT organisation and district office serving it
    police_prefix: str
    vt_prefix: str
    om_prefix: str
    inhabitants: int
    pc4: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Reference:
    municipalities: tuple[Municipality, ...]
    units: tuple[str, ...]
    offences: frozenset[str]
    # the reference prefix of each organisation kind with one national organisation (reclassering, ...)
    national_prefixes: dict[str, str]

    def by_code(self, code: str) -> Municipality:
        for m in self.municipalities:
            if m.code == code:
                return m
        raise KeyError(code)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


@cache
def load_reference() -> Reference:
    places = yaml.safe_load((DATA_DIR / "places.yaml").read_text(encoding="utf-8"))
    organisations = _rows(ORGANISATIONS_CSV)
    vt_codes = {o["code"]: o["region_code"] for o in organisations if o["kind"] == "veilig_thuis"}
    units = tuple(o["code"] for o in organisations if o["kind"] == "politie")
    prefixes = {o["code"]: o["reference_prefix"] for o in organisations}
    municipalities: list[Municipality] = []
    for row in _rows(MUNICIPALITIES_CSV):
        place = places.get(row["code"])
        if place is None or row["police_unit"] not in units:
            continue  # a municipality without place data is not used (see places.yaml)
        municipalities.append(
            Municipality(
                index=len(municipalities),
                code=row["code"],
                name=row["name"],
                unit=row["police_unit"],
                vt_region=row["vt_region"],
                vt_code=vt_codes.get(row["vt_region"], "VR00"),
                district_office=row["district_office"],
                police_prefix=prefixes[row["police_unit"]],
                vt_prefix=prefixes[row["vt_region"]],
                om_prefix=prefixes[row["district_office"]],
                inhabitants=int(place["inhabitants"]),
                pc4=tuple((int(a), int(b)) for a, b in place["pc4"]),
            )
        )
    offences = yaml.safe_load(OFFENCES_YAML.read_text(encoding="utf-8"))["offences"]
    return Reference(
        municipalities=tuple(municipalities),
        units=units,
        national_prefixes={
            o["kind"]: o["reference_prefix"]
            for o in organisations
            if o["kind"] in ("reclassering", "slachtofferhulp")
        },
        offences=frozenset(str(o["article"]) for o in offences),
    )
