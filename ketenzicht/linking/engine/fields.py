"""A mention's other fields as written, each with one memoised normalisation: the date of birth with its
unknown parts (`normalise_birth_date`), the BSN and whether it passes the 11-check (`normalise_bsn`), a
personal phone number in E.164 (`normalise_phone`), postcode and house number (`normalise_address`), a
street or city name as one key (`normalise_place_name`), and sex (`normalise_sex`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from stdnum.nl import bsn as stdnum_bsn

from ketenzicht.linking.engine.names import _NAME_CACHE, fold, unify_ij

_DIGITS = re.compile(r"\d+")
_POSTCODE = re.compile(r"^(\d{4})\s*([A-Za-z]{2})?$")


@dataclass(frozen=True)
class BirthDate:
    year: int | None
    month: int | None
    day: int | None

    @property
    def complete(self) -> str | None:
        if self.year is None or self.month is None or self.day is None:
            return None
        return f"{self.year:04d}{self.month:02d}{self.day:02d}"


@lru_cache(maxsize=_NAME_CACHE)
def normalise_birth_date(value: str | None) -> BirthDate:
    """`YYYY-MM-DD`; `00` is an unknown month or day (and an unknown month makes the day unknown)."""
    if not value:
        return BirthDate(None, None, None)
    numbers = [int(n) for n in _DIGITS.findall(value)]
    if len(numbers) != 3 or not 1800 <= numbers[0] <= 2200:
        return BirthDate(None, None, None)
    year, month, day = numbers
    if not 1 <= month <= 12:
        return BirthDate(year, None, None)
    if not 1 <= day <= 31:
        return BirthDate(year, month, None)
    return BirthDate(year, month, day)


@lru_cache(maxsize=_NAME_CACHE)
def normalise_bsn(value: str | None) -> tuple[str | None, str | None]:
    """(the BSN when it passes the 11-check, else None; the digits as written, or None)."""
    if not value:
        return None, None
    digits = value if value.isdigit() else "".join(ch for ch in value if ch.isdigit())
    if not digits:
        return None, None
    if len(digits) < 9:
        digits = digits.zfill(9)
    if len(digits) != 9:
        return None, digits
    if digits.isascii():  # nine digits as stdnum's `validate` leaves them: its own check of them alone
        valid = digits != "000000000" and stdnum_bsn.checksum(digits) == 0
    else:
        valid = stdnum_bsn.is_valid(digits)
    return digits if valid else None, digits


# A Dutch mobile number as people write it: 06, +31 6 or 0031 6 and eight digits, with spaces, dashes, dots
# or "(0)" between. The common case, read without the phonenumbers library (a million mentions in the batch).
_DUTCH_MOBILE = re.compile(r"^(?:\+31|0031|0)6(\d{8})$")
_PHONE_SEPARATORS = re.compile(r"[\s\-./]|\(0\)")
_PERSONAL_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


@lru_cache(maxsize=_NAME_CACHE)
def normalise_phone(value: str | None) -> tuple[str | None]:
    """(a personal phone number in E.164, "+31612345678", or None). Personal: a Dutch number in the 06
    range (the mobile range of the Dutch numbering plan), or a mobile number of another country as the
    phonenumbers library knows its ranges. A landline, a service number, or what is no phone number at all
    says nothing of one person (a household shares its landline) and gives None."""
    if not value:
        return (None,)
    text = _PHONE_SEPARATORS.sub("", value.strip())
    if match := _DUTCH_MOBILE.match(text):
        return (f"+316{match[1]}",)
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return (None,)
    if not phonenumbers.is_possible_number(number):
        return (None,)
    if number.country_code == 31:
        national = str(number.national_number)
        return (f"+31{national}",) if len(national) == 9 and national.startswith("6") else (None,)
    if phonenumbers.number_type(number) in _PERSONAL_TYPES:
        return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),)
    return (None,)


@lru_cache(maxsize=_NAME_CACHE)
def normalise_address(
    postcode: str | None, house_number: str | None
) -> tuple[str | None, str | None, str | None]:
    """(PC6 `1234AB`, PC4 `1234`, house number digits) or None where unknown."""
    pc6 = pc4 = None
    if postcode:
        match = _POSTCODE.match(postcode.strip())
        if match:
            pc4 = match.group(1)
            if match.group(2):
                pc6 = pc4 + match.group(2).upper()
    number = None
    if house_number:
        found = _DIGITS.search(house_number)
        if found:
            number = str(int(found.group(0)))
    return pc6, pc4, number


@lru_cache(maxsize=_NAME_CACHE)
def normalise_place_name(value: str | None) -> str | None:
    """A street or city name as one key: folded, ij -> y, letters and digits only ("'s-Hertogenbosch" ->
    "shertogenbosch", "Van Goghstraat" -> "vangoghstraat")."""
    if not value:
        return None
    key = unify_ij(re.sub(r"[^a-z0-9]", "", fold(value)))
    return key or None


def normalise_sex(value: str | None) -> str | None:
    return value if value in ("M", "F") else None
