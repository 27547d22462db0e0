"""The comparison features of one mention (`MentionFeatures`, whose fields are the columns
`FEATURE_COLUMNS`), and the name-frequency table that buckets a mention's first surname part and first given
name as rare, middle or common (`NameFrequencies`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class MentionFeatures:
    """The comparison columns of one mention. Lists are never None (empty instead). With slots: a rebuild
    holds a million of them (about 300 bytes each instead of 1,700 with a dict per instance)."""

    unique_id: str
    surname: str | None  # the parts joined by a space: "jansen vries"
    surname_first: str | None  # the first part: blocking key
    surname_last: str | None = None  # the last key (last part, or a glued prefix removed): blocking key
    surname_keys: list[str] = field(default_factory=list)
    surname_phonetic: list[str] = field(default_factory=list)
    surname_sound: str | None = None  # sound key of the first part: blocking key
    surname_head: str | None = None  # first three letters of the first part: blocking key
    surname_tail: str | None = None  # last three letters of the first part: blocking key
    surname_prefix: str | None = None
    given_first: str | None = None
    given_full: str | None = None
    initials: str | None = None
    given_count: int | None = None  # given names written in full: 1, or 2 for two or more; None if none
    given_keys: list[str] = field(default_factory=list)  # given names in full and as surname keys
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    birth_date: str | None = None  # YYYYMMDD when complete
    bsn: str | None = None  # valid BSN only
    bsn_written: str | None = None  # the digits as written, valid or not
    pc6: str | None = None
    pc4: str | None = None
    house_number: str | None = None
    street: str | None = None
    city: str | None = None
    sex: str | None = None
    phone: str | None = None  # a personal (mobile) number in E.164, `normalise_phone`
    # How common the first surname part and the first given name are (RARE, MIDDLE, COMMON), from the
    # model's name-frequency table (`NameFrequencies.apply`); None until applied or when there is no name.
    surname_freq: int | None = None
    given_freq: int | None = None

    def as_row(self) -> dict[str, Any]:
        """The fields as a dict (lists copied, so the row never shares a list with the features)."""
        return {
            name: list(value) if isinstance(value, list) else value
            for name in FEATURE_COLUMNS
            for value in (getattr(self, name),)
        }


FEATURE_COLUMNS: tuple[str, ...] = tuple(MentionFeatures.__dataclass_fields__)

RARE, MIDDLE, COMMON = 0, 1, 2
RARE_SHARE = 1e-4  # below this share of all mentions a name is rare (also every name not in the table)
COMMON_SHARE = 1e-3  # from this share on a name is common


@dataclass(frozen=True)
class NameFrequencies:
    """Counts of first surname parts and first given names in the training data, for the frequency
    buckets of the exact-name levels (a simple, reproducible stand-in for term-frequency adjustments).
    Only names at or above the rare share are kept: a name missing from the table is rare."""

    total: int
    surname: Mapping[str, int]
    given: Mapping[str, int]

    @classmethod
    def count(cls, surnames: Iterable[str | None], given_names: Iterable[str | None]) -> NameFrequencies:
        surname_counts: dict[str, int] = {}
        given_counts: dict[str, int] = {}
        total = 0
        for name in surnames:
            total += 1
            if name:
                surname_counts[name] = surname_counts.get(name, 0) + 1
        for name in given_names:
            if name:
                given_counts[name] = given_counts.get(name, 0) + 1
        return cls.from_counts(total, surname_counts, given_counts)

    @classmethod
    def from_counts(
        cls, total: int, surname_counts: Mapping[str, int], given_counts: Mapping[str, int]
    ) -> NameFrequencies:
        """The table of `total` mentions with these counts of each (non-empty) first surname part and first
        given name: the names at or above the rare share, in the order of the names."""
        floor = RARE_SHARE * total
        return cls(
            total=total,
            surname={k: v for k, v in sorted(surname_counts.items()) if v >= floor},
            given={k: v for k, v in sorted(given_counts.items()) if v >= floor},
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NameFrequencies:
        return cls(total=int(data["total"]), surname=dict(data["surname"]), given=dict(data["given"]))

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "surname": dict(self.surname), "given": dict(self.given)}

    def bucket(self, counts: Mapping[str, int], name: str | None) -> int | None:
        if name is None:
            return None
        share = counts.get(name, 0) / self.total if self.total else 0.0
        if share >= COMMON_SHARE:
            return COMMON
        if share >= RARE_SHARE:
            return MIDDLE
        return RARE

    def buckets(self, surname_first: str | None, given_first: str | None) -> tuple[int | None, int | None]:
        """The buckets of a mention's first surname part and first given name (`surname_freq`,
        `given_freq`)."""
        return self.bucket(self.surname, surname_first), self.bucket(self.given, given_first)

    def apply(self, features: MentionFeatures) -> MentionFeatures:
        """The features with this table's buckets (the same object when they carry them already)."""
        surname_freq, given_freq = self.buckets(features.surname_first, features.given_first)
        if features.surname_freq == surname_freq and features.given_freq == given_freq:
            return features
        return replace(features, surname_freq=surname_freq, given_freq=given_freq)

    def apply_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """`apply` for features as a row (`MentionFeatures.as_row`): the buckets set in the row itself,
        which is returned."""
        row["surname_freq"], row["given_freq"] = self.buckets(row["surname_first"], row["given_first"])
        return row
