"""The generator's parameters: every rate and mix, read from `ketenzicht/demo/data/generator.yaml`.

A *mix* is a mapping of outcome to weight (normalised when used); a *rate* is a probability in [0, 1].
Unknown keys are errors (`extra="forbid"`): a misspelt parameter must not fall back to a default silently.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PARAMS_FILE = DATA_DIR / "generator.yaml"

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
Mix = dict[str, Annotated[float, Field(ge=0.0)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_mix(value: Mix, *, required: tuple[str, ...] = ()) -> Mix:
    if not value or sum(value.values()) <= 0:
        raise ValueError("a mix needs at least one positive weight")
    missing = [k for k in required if k not in value]
    if missing:
        raise ValueError(f"missing outcomes {missing}")
    return value


class Range(_Strict):
    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError("max < min")
        return self


class CountRange(Range):
    mode: int | None = None


class Window(_Strict):
    end_date: dt.date
    years: int = Field(ge=1, le=20)

    @property
    def start_date(self) -> dt.date:
        end = self.end_date
        try:
            start = end.replace(year=end.year - self.years)
        except ValueError:  # 29 February
            start = end.replace(year=end.year - self.years, day=28)
        return start + dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


ORIGINS = ("dutch", "turkish", "moroccan", "surinamese", "polish", "syrian")
ROLES = ("suspect", "victim", "reporter", "witness", "involved")


class Population(_Strict):
    households_per_inhabitant: float = Field(gt=0, le=1)
    origin_mix: Mix
    household_mix: Mix
    married_share: Rate
    man_uses_partner_name: Rate
    same_sex_couples: Rate
    mixed_origin_couples: Rate
    given_names_count: Mix
    other_second_given_name: Rate
    surname_tail_share: dict[str, Rate]
    house_number_suffix: Rate
    has_mobile: Rate
    repeat_pool_fraction: Rate
    repeat_share: dict[str, Rate]
    lives_elsewhere: Mix

    @field_validator("origin_mix")
    @classmethod
    def _origins(cls, value: Mix) -> Mix:
        unknown = set(value) - set(ORIGINS)
        if unknown:
            raise ValueError(f"unknown origins {sorted(unknown)}; known: {ORIGINS}")
        return _check_mix(value)

    @field_validator("household_mix")
    @classmethod
    def _households(cls, value: Mix) -> Mix:
        return _check_mix(value, required=("single", "couple", "couple_children", "single_parent"))

    @field_validator("given_names_count")
    @classmethod
    def _given_count(cls, value: Mix) -> Mix:
        if not all(k in ("1", "2", "3") for k in value):
            raise ValueError("given_names_count keys are 1, 2, 3")
        return _check_mix(value)

    @field_validator("lives_elsewhere")
    @classmethod
    def _elsewhere(cls, value: Mix) -> Mix:
        return _check_mix(value, required=("same_municipality", "same_unit", "anywhere"))

    @field_validator("repeat_share")
    @classmethod
    def _roles(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(ROLES):
            raise ValueError(f"give a share for each role {ROLES}")
        return value


class Noise(_Strict):
    given_names: Mix
    typo_surname: Rate
    typo_given_names: Rate
    prefix_style: Mix
    ij_y: Rate
    diacritics_lost: Rate
    married_name: Mix
    swapped: Rate
    birth_date: Mix
    bsn_present: dict[str, Rate]
    bsn_notification_factor: Rate
    bsn_mistyped: Rate
    address: Mix
    sex_missing: Rate
    phone_present: Rate
    phone_styles: Mix

    @field_validator("given_names")
    @classmethod
    def _given(cls, value: Mix) -> Mix:
        return _check_mix(value, required=("full", "first_only", "initials", "missing"))

    @field_validator("prefix_style")
    @classmethod
    def _prefix(cls, value: Mix) -> Mix:
        return _check_mix(value, required=("apart", "inside", "inverted", "abbreviated", "glued", "dropped"))

    @field_validator("married_name")
    @classmethod
    def _married(cls, value: Mix) -> Mix:
        return _check_mix(value, required=("own", "partner", "partner_own", "own_partner"))

    @field_validator("birth_date")
    @classmethod
    def _birth(cls, value: Mix) -> Mix:
        keys = ("exact", "missing", "digit", "day_month_swapped", "unknown_day", "unknown_month")
        return _check_mix(value, required=keys)

    @field_validator("address")
    @classmethod
    def _address(cls, value: Mix) -> Mix:
        return _check_mix(value, required=("current", "moved", "missing"))

    @field_validator("bsn_present")
    @classmethod
    def _bsn_roles(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(ROLES):
            raise ValueError(f"give a rate for each role {ROLES}")
        return value

    @field_validator("phone_styles")
    @classmethod
    def _phones(cls, value: Mix) -> Mix:
        return _check_mix(value, required=("+31612345678", "0612345678", "06-12345678", "06 1234 5678"))


ORDINARY_KINDS = (
    "theft",
    "burglary",
    "assault",
    "threat",
    "vandalism",
    "insult",
    "traffic",
    "public_order",
    "neighbour_nuisance",
    "dv_partner",
    "dv_family",
    "vt_notification",
    "om_case",
    "reclassering",
    "slachtofferhulp",
)


class FollowUp(_Strict):
    vt_after_dv: Rate
    om_after_violence: Rate
    slachtofferhulp_after_violence: Rate
    delay_days: tuple[int, int]


class Events(_Strict):
    weekday_weights: tuple[float, float, float, float, float, float, float]
    ordinary_mix: Mix
    suspect_known: dict[str, Rate]
    relation: Mix
    relation_recorded: Rate
    witness: Rate
    reporter_not_victim: Rate
    dv_children_present: Rate
    dv_ex_partner: Rate
    follow_up: FollowUp

    @field_validator("ordinary_mix")
    @classmethod
    def _mix(cls, value: Mix) -> Mix:
        unknown = set(value) - set(ORDINARY_KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; known: {ORDINARY_KINDS}")
        return _check_mix(value)


STALKING_OFFENCES = ("285", "350", "138", "266", "300", "184a", "none")


class Campaign(_Strict):
    per_1000: float = Field(ge=0)
    registrations: CountRange
    span_days: Range
    shape: Mix
    has_285b: Rate
    victim_moves: Rate
    vt_share: Rate
    suspect_male: Rate
    offences: Mix
    relation: Mix | None = None

    @field_validator("shape")
    @classmethod
    def _shape(cls, value: Mix) -> Mix:
        if set(value) - {"escalating", "steady", "stopping"}:
            raise ValueError("shapes are escalating, steady, stopping")
        return _check_mix(value)

    @field_validator("offences")
    @classmethod
    def _offences(cls, value: Mix) -> Mix:
        if set(value) - set(STALKING_OFFENCES):
            raise ValueError(f"offences are {STALKING_OFFENCES}")
        return _check_mix(value)

    @field_validator("registrations")
    @classmethod
    def _at_least_three(cls, value: CountRange) -> CountRange:
        if value.min < 3:
            raise ValueError("a campaign has at least 3 registrations")
        return value


class Serial(_Strict):
    per_1000: float = Field(ge=0)
    victims: Range
    gap_days: Range
    ex_partner_share: Rate


class Quarrel(_Strict):
    per_1000: float = Field(ge=0)
    registrations: Range
    span_days: Range


class OneOff(_Strict):
    per_1000: float = Field(ge=0)


class Lookalike(_Strict):
    per_1000: float = Field(ge=0)
    registrations_each: Range


class Confounders(_Strict):
    neighbour_quarrel: Quarrel
    one_off_dv: OneOff
    same_name: Lookalike
    family_same_address: Lookalike


class Plants(_Strict):
    ex_partner_stalking: Campaign
    other_stalking: Campaign
    serial: Serial
    confounders: Confounders


class GeneratorParams(_Strict):
    version: int
    window: Window
    population: Population
    noise: Noise
    events: Events
    plants: Plants

    @model_validator(mode="after")
    def _planted_share(self) -> GeneratorParams:
        share = planted_share(self)
        if share >= 0.5:
            raise ValueError(f"planted registrations would be {share:.0%} of all; keep them well under half")
        return self


def _mean_count(r: CountRange) -> float:
    mode = r.mode if r.mode is not None else (r.min + r.max) / 2
    return (r.min + r.max + mode) / 3  # the mean of the triangular distribution used


def planted_share(p: GeneratorParams) -> float:
    """Expected share of registrations that plants produce (they count towards N)."""
    pl = p.plants
    share = pl.ex_partner_stalking.per_1000 * _mean_count(pl.ex_partner_stalking.registrations)
    share += pl.other_stalking.per_1000 * _mean_count(pl.other_stalking.registrations)
    victims = (pl.serial.victims.min + pl.serial.victims.max) / 2
    share += pl.serial.per_1000 * victims * _mean_count(pl.ex_partner_stalking.registrations)
    c = pl.confounders
    share += (
        c.neighbour_quarrel.per_1000
        * (c.neighbour_quarrel.registrations.min + c.neighbour_quarrel.registrations.max)
        / 2
    )
    share += c.one_off_dv.per_1000 * 1.5
    for look in (c.same_name, c.family_same_address):
        share += look.per_1000 * (look.registrations_each.min + look.registrations_each.max)
    return share / 1000


def load_params(path: Path | None = None, **overrides: Any) -> GeneratorParams:
    """The parameters from `path` (default: the shipped file), with top-level sections replaced by `overrides`
    merged one level deep (e.g. `load_params(noise={"swapped": 0.5})`)."""
    data = yaml.safe_load((path or PARAMS_FILE).read_text(encoding="utf-8"))
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return GeneratorParams.model_validate(data)
