"""Exchange format v1: the schema of one registration line, and its checks that need no database.

Pure: no Django. `parse_registration` turns a decoded JSON object into a `RegistrationIn` or a list of
`FieldError`s that name the field (`persons[1].birth_date`) and say what is wrong.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

SourceCode = Literal["politie", "veilig_thuis", "om", "slachtofferhulp", "reclassering"]
KindCode = Literal["aangifte", "melding", "incident", "klacht", "overtreding_maatregel"]
RoleCode = Literal["suspect", "victim", "reporter", "witness", "involved"]
RelationCode = Literal[
    "partner",
    "ex_partner",
    "family",
    "child",
    "acquaintance",
    "colleague",
    "neighbour",
    "stranger",
    "unknown",
]
SexCode = Literal["M", "F", "X", "U", ""]

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
TinyText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def gettext_noop(message: str) -> str:
    """Marks a message for translation (the catalogue picks these up); the engine itself speaks English."""
    return message


class Problem(ValueError):
    """A broken rule: an English message template (%-style) and its parameters, so that a page can show it
    in the user's language and an API in English."""

    def __init__(self, template: str, **params: Any):
        self.template = template
        self.params = params
        super().__init__(template % params)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with control characters (an ANSI escape, a NUL, a bidi override, a lone surrogate) written as
    escapes like `\\x1b`, so that a message quoting a rejected value cannot steer an operator's terminal."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text)


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str  # English
    template: str = ""
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, field: str, template: str, **params: Any) -> FieldError:
        params = {k: printable(v) if isinstance(v, str) else v for k, v in params.items()}
        return cls(printable(field), template % params, template, tuple(params.items()))

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The reason in the language `gettext` translates into."""
        return gettext(self.template) % dict(self.params) if self.template else self.reason

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True)
class BirthDate:
    raw: str
    year: int
    month: int | None
    day: int | None


def parse_birth_date(value: str) -> BirthDate:
    """`YYYY-MM-DD`, where `00` stands for an unknown month or day."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
    if not match:
        raise Problem(gettext_noop("must be YYYY-MM-DD (use 00 for an unknown day or month)"))
    year, month, day = (int(g) for g in match.groups())
    if year < 1900:
        raise Problem(gettext_noop("year before 1900"))
    if month == 0 and day != 0:
        raise Problem(gettext_noop("a day is given but the month is 00"))
    if month > 12:
        raise Problem(gettext_noop("month must be 01-12 or 00"))
    if month and day:
        try:
            dt.date(year, month, day)
        except ValueError:
            raise Problem(gettext_noop("%(value)s is not a date"), value=value) from None
    return BirthDate(value.strip(), year, month or None, day or None)


def check_phone(value: str) -> None:
    """A phone number as written: what python-phonenumbers can read as one number (Dutch unless it starts
    with + or 00), any kind and any country: a landline, a service number, a foreign number. Text without a
    number in it ("bel me", "onbekend"), or two numbers run together, is an error; which numbers say
    something of one person is for linking to decide (`normalise_phone`)."""
    try:
        phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        raise Problem(gettext_noop("'%(value)s' is not a phone number"), value=value) from None


def normalise_article(value: str) -> str:
    """`285B`, `art. 285b` and ` 285b ` are all article `285b`."""
    return value.strip().lower().removeprefix("art.").strip()


def parse_timestamp(value: str, *, date_allowed: bool) -> tuple[dt.datetime | dt.date, bool]:
    """An ISO 8601 time with offset, or (where allowed) a date. Returns the value and whether it is a date."""
    text = value.strip()
    if not date_allowed and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise Problem(gettext_noop("must be an ISO 8601 time with offset, not only a date"))
    if date_allowed and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise Problem(gettext_noop("%(value)s is not a date"), value=text) from None
        _check_year(day.year)
        return day, True
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        template = (
            gettext_noop("must be a date or an ISO 8601 time with offset, e.g. 2024-03-06T09:12:00+01:00")
            if date_allowed
            else gettext_noop("must be an ISO 8601 time with offset, e.g. 2024-03-06T09:12:00+01:00")
        )
        raise Problem(template) from None
    if parsed.tzinfo is None:
        raise Problem(gettext_noop("the time has no offset (add e.g. +01:00)"))
    _check_year(parsed.year)
    return parsed, False


def _check_year(year: int) -> None:
    if not 1900 <= year <= 2100:
        raise Problem(gettext_noop("year %(year)s is outside 1900-2100"), year=year)


def compact_bsn(value: str) -> tuple[str, bool]:
    """The BSN as written (spaces and dots removed) and whether it passes the 11-check."""
    compact = re.sub(r"[\s.-]", "", value)
    if len(compact) == 8 and compact.isdigit():
        compact = "0" + compact  # a leading zero is often dropped when written down
    if not compact.isdigit() or len(compact) != 9:
        raise Problem(gettext_noop("must be 9 digits"))
    return compact, stdnum_bsn.is_valid(compact)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, str_strip_whitespace=True)


class AddressIn(_Lenient):
    street: Text = ""
    house_number: TinyText = ""
    house_number_suffix: TinyText = ""
    postcode: ShortText = ""
    city: Text = ""
    municipality: ShortText = ""

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        if not value:
            return ""
        try:
            return str(stdnum_postcode.validate(value))
        except StdnumError:
            raise Problem(
                gettext_noop("'%(value)s' is not a Dutch postcode (1234 AB)"), value=value
            ) from None

    @field_validator("house_number")
    @classmethod
    def _house_number(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d{1,5}", value):
            raise Problem(
                gettext_noop("'%(value)s' is not a house number: digits only (letters go in the suffix)"),
                value=value,
            )
        return value

    @field_validator("municipality")
    @classmethod
    def _municipality(cls, value: str) -> str:
        if value and not re.fullmatch(r"GM\d{4}", value):
            raise Problem(gettext_noop("must be a CBS code GMxxxx"))
        return value


class PersonIn(_Lenient):
    ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    role: RoleCode
    given_names: Text = ""
    surname_prefix: ShortText = ""
    surname: Required
    birth_date: str = ""
    sex: SexCode = ""
    bsn: ShortText = ""
    address: AddressIn | None = None
    phone: ShortText = ""

    @field_validator("birth_date")
    @classmethod
    def _birth_date(cls, value: str) -> str:
        if value:
            parse_birth_date(value)
        return value.strip()

    @field_validator("bsn")
    @classmethod
    def _bsn(cls, value: str) -> str:
        return compact_bsn(value)[0] if value else ""

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value:
            check_phone(value)
        return value

    def birth(self) -> BirthDate | None:
        return parse_birth_date(self.birth_date) if self.birth_date else None

    def bsn_passes_check(self) -> bool | None:
        return compact_bsn(self.bsn)[1] if self.bsn else None


class RelationIn(_Lenient):
    from_: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(alias="from")
    to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    kind: RelationCode


class RegistrationIn(_Lenient):
    source: SourceCode
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    kind: KindCode
    occurred_at: str = ""
    registered_at: Required
    unit: ShortText = ""
    municipality: ShortText = ""
    offences: list[ShortText] = Field(default_factory=list)
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)] = ""
    persons: list[PersonIn] = Field(min_length=1)
    relations: list[RelationIn] = Field(default_factory=list)

    @field_validator("occurred_at")
    @classmethod
    def _occurred_at(cls, value: str) -> str:
        if value:
            parse_timestamp(value, date_allowed=True)
        return value

    @field_validator("registered_at")
    @classmethod
    def _registered_at(cls, value: str) -> str:
        parse_timestamp(value, date_allowed=False)
        return value

    @field_validator("municipality")
    @classmethod
    def _municipality(cls, value: str) -> str:
        if value and not re.fullmatch(r"GM\d{4}", value):
            raise Problem(gettext_noop("must be a CBS code GMxxxx"))
        return value

    @field_validator("offences")
    @classmethod
    def _offences(cls, value: list[str]) -> list[str]:
        normalised = [normalise_article(v) for v in value]
        return list(dict.fromkeys(v for v in normalised if v))

    def occurred(self) -> tuple[dt.datetime | dt.date | None, bool]:
        return parse_timestamp(self.occurred_at, date_allowed=True) if self.occurred_at else (None, False)

    def registered(self) -> dt.datetime:
        value, _ = parse_timestamp(self.registered_at, date_allowed=False)
        assert isinstance(value, dt.datetime)
        return value


MAX_DEPTH = 16  # the format nests 4 deep (registration, persons, person, address); unknown keys a little more


def decode_json(text: str | bytes) -> Any:
    """One registration's JSON text as Python data. Raises Problem (English, translatable) for text that
    is no JSON, nests deeper than MAX_DEPTH, holds an integer over Python's digit limit, or NaN/Infinity
    (which no database's JSON can hold); never RecursionError or another surprise."""

    def no_constant(name: str) -> Any:
        raise Problem(gettext_noop("%(value)s is not a JSON number"), value=name)

    def finite(value: str) -> float:
        number = float(value)
        if number in (float("inf"), float("-inf")):
            raise Problem(gettext_noop("the number %(value)s is too large"), value=value[:20])
        return number

    try:
        data = json.loads(text, parse_constant=no_constant, parse_float=finite)
    except json.JSONDecodeError as exc:
        raise Problem(
            gettext_noop("not valid JSON: %(error)s at column %(column)s"), error=exc.msg, column=exc.colno
        ) from None
    except RecursionError:
        raise Problem(gettext_noop("nested more than %(max)s levels deep"), max=MAX_DEPTH) from None
    except UnicodeDecodeError as exc:
        raise Problem(gettext_noop("not UTF-8 text (%(error)s)"), error=exc.reason) from None
    except Problem:
        raise
    except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits())
        raise Problem(gettext_noop("holds a number with too many digits")) from None
    if _depth(data) > MAX_DEPTH:
        raise Problem(gettext_noop("nested more than %(max)s levels deep"), max=MAX_DEPTH)
    return data


def _depth(value: Any) -> int:
    """How deep lists and objects nest in `value` (without recursion: any depth is safe)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


@dataclass(frozen=True)
class KnownCodes:
    """The codes an installation knows, from its reference data, and the reference prefixes of the
    organisations that own registrations (`PL0600`: a reference `PL0600-...` belongs to that unit)."""

    units: frozenset[str]
    municipalities: frozenset[str]
    offences: frozenset[str]
    # police unit code -> its reference prefix
    unit_prefixes: Mapping[str, str]
    # municipality code -> source -> the prefix of the organisation of that source serving it
    # (veilig_thuis: its Veilig Thuis region, om: its district office)
    municipality_prefixes: Mapping[str, Mapping[str, str]]
    # source -> the prefixes of every organisation of that kind
    source_prefixes: Mapping[str, frozenset[str]]


# How far a time may lie ahead of the clock that checks it (clocks of partner systems drift).
CLOCK_SKEW = dt.timedelta(minutes=15)

# How many years before its registration an incident may have happened, unless the installation says
# otherwise (settings.KETENZICHT_OCCURRED_MAX_YEARS): an old date is a slip of the year far more often than
# a report of abuse that long ago (docs/reference/exchange-format-notes.md#occurred_at).
OCCURRED_MAX_YEARS = 40


def field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = "from" if part == "from_" else part
            path += f".{name}" if path else name
    return path or "(registration)"


def _field_error(error: Any) -> FieldError:
    """A pydantic error as a FieldError with a translatable message."""
    field, kind, ctx = field_path(tuple(error["loc"])), error["type"], error.get("ctx") or {}
    original = ctx.get("error")
    if isinstance(original, Problem):
        return FieldError.of(field, original.template, **original.params)
    if kind == "missing":
        return FieldError.of(field, gettext_noop("is required"))
    if kind == "literal_error" and error.get("input") in ("", None):
        return FieldError.of(field, gettext_noop("is required"))
    if kind == "literal_error":
        return FieldError.of(
            field, gettext_noop("must be one of %(expected)s"), expected=ctx.get("expected", "")
        )
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return FieldError.of(field, gettext_noop("must not be empty"))
    if kind == "string_too_long":
        return FieldError.of(
            field, gettext_noop("must be at most %(max)s characters"), max=ctx.get("max_length", "")
        )
    if kind == "too_short" and ctx.get("min_length") == 1:
        return FieldError.of(field, gettext_noop("needs at least one entry"))
    simple = {
        "string_type": gettext_noop("must be text"),
        "list_type": gettext_noop("must be a list"),
        "model_type": gettext_noop("must be an object"),
        "dict_type": gettext_noop("must be an object"),
    }
    if kind in simple:
        return FieldError.of(field, simple[kind])
    return FieldError(field, str(error["msg"]).removeprefix("Value error, "))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _nul_characters(value: Any, path: str) -> Iterator[FieldError]:
    """A NUL (which PostgreSQL cannot store) or a lone surrogate (which no database can encode) in a
    value or a key name."""
    if isinstance(value, str):
        if "\x00" in value:
            yield FieldError.of(path or "(registration)", gettext_noop("contains a NUL character"))
        elif _SURROGATE.search(value):
            yield FieldError.of(path or "(registration)", gettext_noop("contains a lone surrogate"))
    elif isinstance(value, dict):
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                yield FieldError.of(key_path, gettext_noop("the key name contains a NUL character"))
            elif _SURROGATE.search(key):
                yield FieldError.of(key_path, gettext_noop("the key name contains a lone surrogate"))
            else:
                yield from _nul_characters(item, key_path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_characters(item, f"{path}[{i}]")


MAX_EXTRA_KEYS = 50  # unknown keys per object, kept in `extra`
MAX_EXTRA_KEY = 100  # characters of an unknown key's name
MAX_EXTRA_VALUE = 10_000  # characters of an unknown key's value, written as JSON


@functools.cache
def _known_keys(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(f.alias or name for name, f in model.model_fields.items())


def _extra_too_large(value: Any, model: type[BaseModel], path: str) -> Iterator[FieldError]:
    """Unknown keys are kept as they are, within limits: so many keys, names and values so long."""
    if not isinstance(value, dict):
        return
    known = _known_keys(model)
    extra = {k: v for k, v in value.items() if k not in known}
    if len(extra) > MAX_EXTRA_KEYS:
        yield FieldError.of(
            path or "(registration)",
            gettext_noop("has more than %(max)s unknown keys"),
            max=MAX_EXTRA_KEYS,
        )
        return
    for key, item in extra.items():
        key_path = f"{path}.{key[:MAX_EXTRA_KEY]}" if path else key[:MAX_EXTRA_KEY]
        if len(key) > MAX_EXTRA_KEY:
            yield FieldError.of(
                key_path,
                gettext_noop("an unknown key's name is at most %(max)s characters"),
                max=MAX_EXTRA_KEY,
            )
        elif len(json.dumps(item)) > MAX_EXTRA_VALUE:
            yield FieldError.of(
                key_path,
                gettext_noop("an unknown key's value is at most %(max)s characters as JSON"),
                max=MAX_EXTRA_VALUE,
            )


def _extra_keys(data: dict[str, Any]) -> Iterator[FieldError]:
    yield from _extra_too_large(data, RegistrationIn, "")
    for i, person in enumerate(_list(data.get("persons"))):
        yield from _extra_too_large(person, PersonIn, f"persons[{i}]")
        if isinstance(person, dict):
            yield from _extra_too_large(person.get("address"), AddressIn, f"persons[{i}].address")
    for i, relation in enumerate(_list(data.get("relations"))):
        yield from _extra_too_large(relation, RelationIn, f"relations[{i}]")


def _reference_prefixes(data: dict[str, Any], codes: KnownCodes) -> frozenset[str] | None:
    """The prefixes the reference of this registration may start with: the prefix of the organisation it
    belongs to. None when that cannot be told (an unknown source or unit, reported on its own)."""
    source = data.get("source")
    if not isinstance(source, str):
        return None
    if source == "politie":
        unit = _text(data.get("unit"))
        return frozenset({codes.unit_prefixes[unit]}) if unit in codes.unit_prefixes else None
    serving = codes.municipality_prefixes.get(_text(data.get("municipality")), {})
    if serving.get(source):
        return frozenset({serving[source]})
    return codes.source_prefixes.get(source) or None


def _check_reference(data: dict[str, Any], codes: KnownCodes) -> list[FieldError]:
    reference = _text(data.get("reference"))
    prefixes = _reference_prefixes(data, codes)
    if not reference or prefixes is None:
        return []
    if any(p and reference.startswith(f"{p}-") and len(reference) > len(p) + 1 for p in prefixes):
        return []
    if prefixes == {""}:
        return [FieldError.of("reference", gettext_noop("the registering unit has no reference prefix"))]
    if len(prefixes) == 1:
        (prefix,) = prefixes
        return [
            FieldError.of(
                "reference",
                gettext_noop(
                    "'%(value)s' is not a reference of the organisation registering it: "
                    "it must start with %(prefix)s-"
                ),
                value=reference,
                prefix=prefix,
            )
        ]
    return [
        FieldError.of(
            "reference",
            gettext_noop(
                "'%(value)s' must start with the reference prefix of its organisation, e.g. %(prefix)s-"
            ),
            value=reference,
            prefix=min(p for p in prefixes if p),
        )
    ]


def _moment(value: Any, *, date_allowed: bool) -> tuple[dt.datetime | dt.date, bool] | None:
    """A raw time value parsed, or None when it is missing or broken (the schema reports that)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_timestamp(value, date_allowed=date_allowed)
    except Problem:
        return None


def _born_after(birth: BirthDate, day: dt.date) -> bool:
    """Whether a (partly known) birth date certainly lies after `day`."""
    if birth.year != day.year:
        return birth.year > day.year
    if birth.month is None or birth.month != day.month:
        return birth.month is not None and birth.month > day.month
    return birth.day is not None and birth.day > day.day


def _earliest_birth(birth: BirthDate) -> dt.date:
    """The first day a (partly known) birth date may be: 1986-00-00 is 01-01-1986 at the earliest."""
    return dt.date(birth.year, birth.month or 1, birth.day or 1)


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` years before `day` (29 February: the 28th in a year without it)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _in_future(field: str, now: dt.datetime) -> FieldError:
    """A time ahead of the clock, with the bound it passed: the clock's time (ISO 8601, to the minute; a
    page shows it in its own format). The clock skew allowed is not added: the bound is "now"."""
    bound = now.replace(second=0, microsecond=0).isoformat(timespec="minutes")
    return FieldError.of(
        field, gettext_noop("lies in the future: it cannot be later than now (%(bound)s)"), bound=bound
    )


# The incident's time before the birth of a person it names (the first day their birth date may be).
BORN_LATER = gettext_noop("cannot lie before %(bound)s: the person with ref '%(ref)s' was not born yet")
# The incident's time more years before its registration than the installation allows.
TOO_LONG_AGO = gettext_noop("cannot lie before %(bound)s: at most %(years)s years before its registration")


def _birth_dates(data: dict[str, Any]) -> Iterator[tuple[int, BirthDate, str]]:
    """Each person's date of birth that reads as one: the person's index, the date and the person's ref."""
    for i, person in enumerate(_list(data.get("persons"))):
        raw = person.get("birth_date") if isinstance(person, dict) else None
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:
            birth = parse_birth_date(raw)
        except Problem:
            continue
        yield i, birth, _text(person.get("ref"))


def _born_bound(data: dict[str, Any], unborn: set[int]) -> tuple[dt.date, str] | None:
    """The latest first day of birth of the persons named (and the ref of that person), or None. A date of
    birth in the future (`unborn`: refused at its own field) bounds nothing."""
    latest: tuple[dt.date, str] | None = None
    for i, birth, ref in _birth_dates(data):
        first = _earliest_birth(birth)
        if i not in unborn and (latest is None or first > latest[0]):
            latest = (first, ref)
    return latest


def _too_early(
    data: dict[str, Any], incident: dt.date, registered: dt.date, max_years: int, unborn: set[int]
) -> FieldError | None:
    """The incident's day before the tightest of its bounds: the birth of a person it names, or
    `max_years` before the day it was registered. The bound it passed is named (and whose birth)."""
    oldest = _years_before(registered, max_years)
    born = _born_bound(data, unborn)
    if born is not None and born[0] > oldest and incident < born[0]:
        return FieldError.of("occurred_at", BORN_LATER, bound=born[0].isoformat(), ref=born[1])
    if incident < oldest:
        return FieldError.of("occurred_at", TOO_LONG_AGO, bound=oldest.isoformat(), years=max_years)
    return None


def _check_times(data: dict[str, Any], now: dt.datetime, max_years: int) -> list[FieldError]:
    """No time in the future, nothing happened after it was registered, nobody born after the incident;
    the incident not before the birth of a person it names nor more than `max_years` before its
    registration."""
    errors: list[FieldError] = []
    registered = _moment(data.get("registered_at"), date_allowed=False)
    occurred = _moment(data.get("occurred_at"), date_allowed=True)
    registered_at = registered[0] if registered is not None else None
    assert registered_at is None or isinstance(registered_at, dt.datetime)
    # A date of birth in the future is its own mistake, said at its own field: it is not held against the
    # incident's time ("before the birth of ...") nor the incident against it ("after the incident").
    zone = registered_at.tzinfo if registered_at is not None else dt.UTC
    today = (now + CLOCK_SKEW).astimezone(zone).date()
    unborn: set[int] = set()
    for i, birth, _ref in _birth_dates(data):
        if _born_after(birth, today):
            unborn.add(i)
            errors.append(
                FieldError.of(
                    f"persons[{i}].birth_date",
                    gettext_noop("lies in the future: it cannot be later than today (%(bound)s)"),
                    bound=today.isoformat(),
                )
            )
    if registered_at is not None and registered_at > now + CLOCK_SKEW:
        errors.append(_in_future("registered_at", now))
    incident: dt.date | None = None
    if occurred is not None:
        value, _date_only = occurred
        if isinstance(value, dt.datetime):
            incident = value.date()
            future = value > now + CLOCK_SKEW
            late = registered_at is not None and value > registered_at
        else:
            incident = value
            future = value > today
            late = registered_at is not None and value > registered_at.date()
        if future and isinstance(value, dt.datetime):
            errors.append(_in_future("occurred_at", now))
        elif future:
            errors.append(
                FieldError.of(
                    "occurred_at",
                    gettext_noop("lies in the future: it cannot be later than today (%(bound)s)"),
                    bound=today.isoformat(),
                )
            )
        elif late:
            errors.append(
                FieldError.of(
                    "occurred_at", gettext_noop("lies after the time of registration (registered_at)")
                )
            )
        else:
            # The day of the registration where it was registered (its own offset), as the incident's day
            # is the incident's: an incident's summer time (+02:00) moved a registration at 23:30 in winter
            # (+01:00) to the next day, and the bound named with it.
            registered_day = now.date() if registered_at is None else registered_at.date()
            early = _too_early(data, incident, registered_day, max_years, unborn)
            if early is not None:
                errors.append(early)
    elif registered_at is not None:
        incident = registered_at.date()
    if incident is None:
        return errors
    for i, birth, _ref in _birth_dates(data):
        if i not in unborn and _born_after(birth, incident):
            errors.append(
                FieldError.of(f"persons[{i}].birth_date", gettext_noop("lies after the date of the incident"))
            )
    return errors


def check_rules(
    data: dict[str, Any],
    codes: KnownCodes,
    *,
    now: dt.datetime | None = None,
    occurred_max_years: int = OCCURRED_MAX_YEARS,
) -> list[FieldError]:
    """Rules across fields and against the reference data. Works on the raw object, so that these
    errors are reported together with the schema's own. `now` is the clock times are checked against;
    `occurred_max_years` how many years before its registration an incident may have happened."""
    errors: list[FieldError] = [*_nul_characters(data, ""), *_extra_keys(data)]
    errors += _check_reference(data, codes)
    errors += _check_times(data, now or dt.datetime.now(dt.UTC), occurred_max_years)
    persons, relations = _list(data.get("persons")), _list(data.get("relations"))
    refs: set[str] = set()
    for i, person in enumerate(persons):
        if not isinstance(person, dict):
            continue
        ref = _text(person.get("ref"))
        if ref and ref in refs:
            errors.append(
                FieldError.of(
                    f"persons[{i}].ref", gettext_noop("'%(ref)s' is used twice in this registration"), ref=ref
                )
            )
        refs.add(ref)
        address = person.get("address")
        municipality = _text(address.get("municipality")) if isinstance(address, dict) else ""
        if re.fullmatch(r"GM\d{4}", municipality) and municipality not in codes.municipalities:
            errors.append(
                FieldError.of(
                    f"persons[{i}].address.municipality",
                    gettext_noop("unknown municipality %(code)s"),
                    code=municipality,
                )
            )
    for i, relation in enumerate(relations):
        if not isinstance(relation, dict):
            continue
        ends = {name: _text(relation.get(name)) for name in ("from", "to")}
        for name, ref in ends.items():
            if ref and ref not in refs:
                errors.append(
                    FieldError.of(
                        f"relations[{i}].{name}", gettext_noop("no person with ref '%(ref)s'"), ref=ref
                    )
                )
        if ends["from"] and ends["from"] == ends["to"]:
            errors.append(
                FieldError.of(f"relations[{i}].to", gettext_noop("a person cannot be related to themselves"))
            )
    unit = _text(data.get("unit"))
    if data.get("source") == "politie" and not unit:
        errors.append(FieldError.of("unit", gettext_noop("is required for source politie")))
    if unit and unit not in codes.units:
        errors.append(FieldError.of("unit", gettext_noop("unknown police unit '%(code)s'"), code=unit))
    municipality = _text(data.get("municipality"))
    if re.fullmatch(r"GM\d{4}", municipality) and municipality not in codes.municipalities:
        errors.append(
            FieldError.of("municipality", gettext_noop("unknown municipality %(code)s"), code=municipality)
        )
    for i, article in enumerate(_list(data.get("offences"))):
        code = normalise_article(_text(article))
        if code and code not in codes.offences:
            errors.append(
                FieldError.of(
                    f"offences[{i}]", gettext_noop("unknown offence (article) '%(code)s'"), code=code
                )
            )
    return errors


def parse_registration(
    data: Any,
    codes: KnownCodes,
    *,
    now: dt.datetime | None = None,
    occurred_max_years: int = OCCURRED_MAX_YEARS,
) -> tuple[RegistrationIn | None, list[FieldError]]:
    if not isinstance(data, dict):
        return None, [FieldError.of("(registration)", gettext_noop("must be a JSON object"))]
    errors: list[FieldError] = []
    reg: RegistrationIn | None = None
    try:
        reg = RegistrationIn.model_validate(data)
    except ValidationError as exc:
        errors = [_field_error(e) for e in exc.errors()]
    errors += [
        e for e in check_rules(data, codes, now=now, occurred_max_years=occurred_max_years) if e not in errors
    ]
    return (None, errors) if errors else (reg, [])
