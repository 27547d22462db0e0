"""How a person is written down: one clean person, many spellings.

`PersonWriter.write(person, ref, role, rng, notification=...)` turns the true person into a mention of
exchange format v1, applying each kind of variation at its rate from `params.noise`. Steps, in order (each
only where it can apply; docs/generator.md gives the rates):

1. given names: full, only the first, initials (`J.P.`), or missing;
2. surname: for a person with a partner's name, own / partner's / double in either order;
3. prefix (`van der`): apart, inside the surname, inverted (`Berg, van der`), abbreviated (`v.d. Berg`, only
   prefixes starting with `van`; others draw again), glued (`Vanderberg`), or dropped;
4. `ij` <-> `y` in the surname;
5. diacritics lost (all names of the mention);
6. one typo in the surname, one in the given names (full names only);
7. given names and surname swapped;
then birth date, sex, BSN, address and phone each on their own.
"""

from __future__ import annotations

import random
import unicodedata
from typing import Any

from .params import GeneratorParams
from .population import Address, Person
from .rng import Weighted

ABBREVIATIONS = {"van der": "v.d.", "van den": "v.d.", "van de": "v.d.", "van": "v."}
SPECIAL = str.maketrans({"ı": "i", "İ": "I", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d"})
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS: dict[str, str] = {}
for _row_index, _row in enumerate(KEYBOARD_ROWS):
    for _i, _ch in enumerate(_row):
        near = _row[max(0, _i - 1) : _i] + _row[_i + 1 : _i + 2]
        NEIGHBOURS[_ch] = near
PHONETIC = (("ij", "ei"), ("ei", "ij"), ("ou", "au"), ("au", "ou"), ("dt", "d"), ("ck", "k"), ("c", "k"),
            ("ph", "f"), ("th", "t"), ("ch", "g"), ("ss", "s"), ("z", "s"), ("ie", "i"), ("ee", "e"),
            ("oo", "o"), ("uu", "u"), ("aa", "a"))  # fmt: skip

_ascii_cache: dict[str, str] = {}


def strip_diacritics(text: str) -> str:
    found = _ascii_cache.get(text)
    if found is None:
        decomposed = unicodedata.normalize("NFKD", text.translate(SPECIAL))
        found = "".join(c for c in decomposed if not unicodedata.combining(c))
        if len(_ascii_cache) < 200_000:
            _ascii_cache[text] = found
    return found


def swap_ij_y(text: str) -> str:
    if "ij" in text or "IJ" in text:
        return text.replace("ij", "y").replace("IJ", "Y")
    return text.replace("y", "ij")


def can_swap_ij_y(text: str) -> bool:
    return "ij" in text or "IJ" in text or "y" in text


def typo(text: str, rng: random.Random) -> str:
    """One slip of the keyboard or the ear: a neighbouring key, a letter lost, doubled or swapped with the
    next, or a spelling that sounds the same. Never the first letter; always a different string."""
    if len(text) < 3:
        return text + text[-1]
    for _ in range(8):
        kind = rng.random()
        pos = 1 + int(rng.random() * (len(text) - 1))
        ch = text[pos]
        if kind < 0.25:
            near = NEIGHBOURS.get(ch.lower(), "")
            if not near:
                continue
            out = text[:pos] + near[int(rng.random() * len(near))] + text[pos + 1 :]
        elif kind < 0.45:
            if ch == " " or text[pos - 1] == " ":
                continue
            out = text[:pos] + text[pos + 1 :]
        elif kind < 0.6:
            out = text[:pos] + ch + text[pos:]
        elif kind < 0.8:
            if pos >= len(text) - 1 or " " in (ch, text[pos + 1]):
                continue
            out = text[:pos] + text[pos + 1] + ch + text[pos + 2 :]
        else:
            lower = text.lower()
            options = [(a, b) for a, b in PHONETIC if a in lower[1:]]
            if not options:
                continue
            a, b = options[int(rng.random() * len(options))]
            at = lower.index(a, 1)
            out = text[:at] + b + text[at + len(a) :]
        if out != text and out.strip() and "  " not in out:
            return out
    return text[:-1] if len(text) > 3 else text + text[-1]


def written_date(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}"


def _valid(y: int, m: int, d: int) -> bool:
    if y < 1900 or not 1 <= m <= 12 or d < 1:
        return False
    days = 29 if m == 2 and (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else (28 if m == 2 else 31)
    if m in (4, 6, 9, 11):
        days = 30
    return d <= days


def _after(written: str, day: str) -> bool:
    """Whether a written birth date (00 for an unknown month or day) certainly lies after `day`."""
    y, m, d = (int(part) for part in written.split("-"))
    return (y, m, d) > tuple(int(part) for part in day.split("-"))


def one_digit_wrong(birth: tuple[int, int, int], rng: random.Random, latest_year: int) -> str | None:
    text = written_date(*birth).replace("-", "")
    for _ in range(12):
        pos = int(rng.random() * 8)
        if pos < 2:
            continue  # 19xx / 20xx: the century is not where the slip happens
        digit = str(int(rng.random() * 10))
        if digit == text[pos]:
            continue
        changed = text[:pos] + digit + text[pos + 1 :]
        y, m, d = int(changed[:4]), int(changed[4:6]), int(changed[6:])
        if _valid(y, m, d) and y <= latest_year:
            return written_date(y, m, d)
    return None


def mistype_bsn(bsn: str, rng: random.Random) -> str:
    """Nine digits that fail the 11-check: one digit changed, or two neighbours swapped (both always fail)."""
    if rng.random() < 0.4:
        pairs = [i for i in range(8) if bsn[i] != bsn[i + 1]]
        if pairs:
            i = pairs[int(rng.random() * len(pairs))]
            return bsn[:i] + bsn[i + 1] + bsn[i] + bsn[i + 2 :]
    pos = int(rng.random() * 9)
    digit = str((int(bsn[pos]) + 1 + int(rng.random() * 9)) % 10)
    return bsn[:pos] + digit + bsn[pos + 1 :]


def glue(prefix: str, surname: str) -> str:
    return (prefix.replace(" ", "") + surname).capitalize()


def address_json(address: Address) -> dict[str, str]:
    out = {"street": address.street, "house_number": address.house_number}
    if address.suffix:
        out["house_number_suffix"] = address.suffix
    out["postcode"] = address.postcode
    out["city"] = address.city
    out["municipality"] = address.municipality
    return out


def phone_written(mobile: str, style: str) -> str:
    if style == "+31612345678":
        return "+31" + mobile
    if style == "0612345678":
        return "0" + mobile
    if style == "06-12345678":
        return "0" + mobile[0] + "-" + mobile[1:]
    return "0" + mobile[0] + " " + mobile[1:5] + " " + mobile[5:]


class PersonWriter:
    def __init__(self, params: GeneratorParams):
        n = params.noise
        self.n = n
        self.given = Weighted.of(n.given_names)
        self.prefix = Weighted.of(n.prefix_style)
        self.married = Weighted.of(n.married_name)
        self.birth = Weighted.of(n.birth_date)
        self.address = Weighted.of(n.address)
        self.phones = Weighted.of(n.phone_styles)
        self.latest_year = params.window.end_date.year

    def write(
        self,
        person: Person,
        ref: str,
        role: str,
        rng: random.Random,
        *,
        notification: bool = False,
        born_by: str = "",
    ) -> dict[str, Any]:
        """The person as written down. `born_by` (YYYY-MM-DD) is the day of the incident: a slip that would
        put the birth after it is not written (the format refuses such a line), the true date is."""
        n = self.n
        rnd = rng.random
        given = person.given
        out: dict[str, Any] = {"ref": ref, "role": role}

        # 1. given names
        form = self.given.draw(rng)
        if form == "full":
            given_text = " ".join(given)
        elif form == "first_only":
            given_text = given[0]
        elif form == "initials":
            given_text = "".join(g[0] + "." for g in given)
        else:
            given_text = ""

        # 2. married name
        prefix, surname = person.prefix, person.surname
        if person.partner_name is not None:
            usage = self.married.draw(rng)
            p_prefix, p_surname = person.partner_name
            if usage == "partner":
                prefix, surname = p_prefix, p_surname
            elif usage == "partner_own":
                own = f"{prefix} {surname}" if prefix else surname
                prefix, surname = p_prefix, f"{p_surname}-{own}"
            elif usage == "own_partner":
                other = f"{p_prefix} {p_surname}" if p_prefix else p_surname
                surname = f"{surname}-{other}"

        # 3. prefix
        if prefix:
            style = self.prefix.draw(rng)
            while style == "abbreviated" and prefix not in ABBREVIATIONS:
                style = self.prefix.draw(rng)
            if style == "inside":
                prefix, surname = "", f"{prefix} {surname}"
            elif style == "inverted":
                prefix, surname = "", f"{surname}, {prefix}"
            elif style == "abbreviated":
                prefix, surname = "", f"{ABBREVIATIONS[prefix]} {surname}"
            elif style == "glued":
                prefix, surname = "", glue(prefix, surname)
            elif style == "dropped":
                prefix = ""

        # 4. ij / y
        if rnd() < n.ij_y and can_swap_ij_y(surname):
            surname = swap_ij_y(surname)

        # 5. diacritics
        if rnd() < n.diacritics_lost:
            if not given_text.isascii():
                given_text = strip_diacritics(given_text)
            if not surname.isascii():
                surname = strip_diacritics(surname)

        # 6. typos
        if rnd() < n.typo_surname:
            surname = typo(surname, rng)
        if rnd() < n.typo_given_names and form in ("full", "first_only"):
            given_text = typo(given_text, rng)

        # 7. swapped
        if rnd() < n.swapped and given_text:
            first = given_text.split(" ")[0]
            given_text, surname = (f"{prefix} {surname}" if prefix else surname), first
            prefix = ""

        if given_text:
            out["given_names"] = given_text
        if prefix:
            out["surname_prefix"] = prefix
        out["surname"] = surname

        y, m, d = person.birth
        birth = self.birth.draw(rng)
        text: str | None
        if birth == "exact":
            text = written_date(y, m, d)
        elif birth == "missing":
            text = None
        elif birth == "digit":
            text = one_digit_wrong(person.birth, rng, self.latest_year) or written_date(y, m, d)
        elif birth == "day_month_swapped":
            text = written_date(y, d, m) if d <= 12 and d != m else written_date(y, m, d)
        elif birth == "unknown_day":
            text = f"{y:04d}-{m:02d}-00"
        else:
            text = f"{y:04d}-00-00"
        if text is not None and born_by and _after(text, born_by):
            text = written_date(y, m, d)
        if text is not None:
            out["birth_date"] = text

        if rnd() >= n.sex_missing:
            out["sex"] = person.sex

        present = n.bsn_present[role] * (n.bsn_notification_factor if notification else 1.0)
        if rnd() < present:
            out["bsn"] = mistype_bsn(person.bsn, rng) if rnd() < n.bsn_mistyped else person.bsn

        where = self.address.draw(rng)
        if where == "current":
            out["address"] = address_json(person.address)
        elif where == "moved":
            out["address"] = address_json(person.previous_address)

        if person.mobile and rnd() < n.phone_present:
            out["phone"] = phone_written(person.mobile, self.phones.draw(rng))
        return out
