"""The comparisons, defined once as data: each level has one condition that renders as SQL for Splink and
evaluates in Python for the online scorer, with the same three-valued (SQL NULL) logic.

A condition evaluates to True, False or None (SQL NULL). A level applies when its condition is True; the
first level that applies wins, as in Splink's `CASE WHEN`. The first level of every comparison is a null
level (weight 0) and the last is `ELSE`.

Only operations with identical results in Python and in DuckDB are used: equality, null tests, list
overlap of precomputed keys (`list_has_any`), prefix tests (`starts_with`), the first character
(`substr(x, 1, 1)`) and the integer Levenshtein distance (unit costs; rapidfuzz in Python).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from rapidfuzz.distance import Levenshtein as _Levenshtein

from ketenzicht.linking.engine.mention_features import COMMON, RARE, MentionFeatures

Side = Literal["l", "r"]
Value = str | int | list[str] | None


@dataclass(frozen=True)
class Col:
    """A feature column on one side of the pair."""

    name: str
    side: Side

    def sql(self) -> str:
        return f"{self.name}_{self.side}"

    def value(self, left: MentionFeatures, right: MentionFeatures) -> Value:
        row = left if self.side == "l" else right
        result: Value = getattr(row, self.name)
        return result


def L(name: str) -> Col:
    return Col(name, "l")


def R(name: str) -> Col:
    return Col(name, "r")


class Condition(Protocol):
    def sql(self) -> str: ...

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None: ...


@dataclass(frozen=True)
class IsNull:
    col: Col

    def sql(self) -> str:
        return f"{self.col.sql()} IS NULL"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        return self.col.value(left, right) is None


@dataclass(frozen=True)
class Equal:
    a: Col
    b: Col

    def sql(self) -> str:
        return f"{self.a.sql()} = {self.b.sql()}"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        x, y = self.a.value(left, right), self.b.value(left, right)
        if x is None or y is None:
            return None
        return x == y


@dataclass(frozen=True)
class NotEqual:
    a: Col
    b: Col

    def sql(self) -> str:
        return f"{self.a.sql()} <> {self.b.sql()}"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        x, y = self.a.value(left, right), self.b.value(left, right)
        if x is None or y is None:
            return None
        return x != y


@dataclass(frozen=True)
class LevenshteinAtMost:
    a: Col
    b: Col
    distance: int

    def sql(self) -> str:
        return f"levenshtein({self.a.sql()}, {self.b.sql()}) <= {self.distance}"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        x, y = self.a.value(left, right), self.b.value(left, right)
        if not isinstance(x, str) or not isinstance(y, str):
            return None
        return _Levenshtein.distance(x, y, score_cutoff=self.distance + 1) <= self.distance


@dataclass(frozen=True)
class HasAny:
    """The two key lists share an element (lists are never NULL, an empty list shares nothing)."""

    a: Col
    b: Col

    def sql(self) -> str:
        return f"list_has_any({self.a.sql()}, {self.b.sql()})"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        x, y = self.a.value(left, right), self.b.value(left, right)
        if not isinstance(x, list | tuple) or not isinstance(y, list | tuple):
            return None
        return not set(x).isdisjoint(y)


@dataclass(frozen=True)
class StartsWith:
    text: Col
    prefix: Col

    def sql(self) -> str:
        return f"starts_with({self.text.sql()}, {self.prefix.sql()})"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        x, y = self.text.value(left, right), self.prefix.value(left, right)
        if not isinstance(x, str) or not isinstance(y, str):
            return None
        return x.startswith(y)


@dataclass(frozen=True)
class FirstLetterEqual:
    a: Col
    b: Col

    def sql(self) -> str:
        return f"substr({self.a.sql()}, 1, 1) = substr({self.b.sql()}, 1, 1)"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        x, y = self.a.value(left, right), self.b.value(left, right)
        if not isinstance(x, str) or not isinstance(y, str):
            return None
        return x[:1] == y[:1]


@dataclass(frozen=True)
class ValueIs:
    """A column equals a constant (an integer, or a string of letters)."""

    col: Col
    value: int | str

    def sql(self) -> str:
        if isinstance(self.value, str):
            if not self.value.isalpha():
                raise ValueError("only letters in a string constant")
            return f"{self.col.sql()} = '{self.value}'"
        return f"{self.col.sql()} = {self.value}"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        x = self.col.value(left, right)
        if x is None:
            return None
        return x == self.value


@dataclass(frozen=True)
class And:
    parts: tuple[Condition, ...]

    def sql(self) -> str:
        return "(" + " AND ".join(f"({p.sql()})" for p in self.parts) + ")"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        unknown = False
        for part in self.parts:
            value = part.evaluate(left, right)
            if value is False:
                return False
            if value is None:
                unknown = True
        return None if unknown else True


@dataclass(frozen=True)
class Or:
    parts: tuple[Condition, ...]

    def sql(self) -> str:
        return "(" + " OR ".join(f"({p.sql()})" for p in self.parts) + ")"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        unknown = False
        for part in self.parts:
            value = part.evaluate(left, right)
            if value is True:
                return True
            if value is None:
                unknown = True
        return None if unknown else False


@dataclass(frozen=True)
class Else:
    def sql(self) -> str:
        return "ELSE"

    def evaluate(self, left: MentionFeatures, right: MentionFeatures) -> bool | None:
        return True


def both(name: str) -> tuple[Col, Col]:
    return L(name), R(name)


def eq(name: str) -> Equal:
    return Equal(*both(name))


def either_null(name: str) -> Or:
    return Or((IsNull(L(name)), IsNull(R(name))))


def lev(name: str, distance: int) -> LevenshteinAtMost:
    return LevenshteinAtMost(L(name), R(name), distance)


def overlap(name: str) -> HasAny:
    return HasAny(*both(name))


def all_of(*parts: Condition) -> And:
    return And(tuple(parts))


def any_of(*parts: Condition) -> Or:
    return Or(tuple(parts))


@dataclass(frozen=True)
class Level:
    label: str
    condition: Condition
    is_null: bool = False
    fixed_m: float | None = None  # m probability fixed by design (not estimated)
    fixed_u: float | None = None  # u probability fixed by design (not estimated)
    min_m: float | None = None  # after training, m is raised to at least this (never lowered)


@dataclass(frozen=True)
class Comparison:
    name: str  # Splink's output_column_name; gamma_<name>, mw_<name>
    description: str
    levels: tuple[Level, ...]
    # When set: u is estimated among pairs that satisfy this SQL condition and are certainly different
    # people (different valid BSNs), not among random pairs. For evidence that is not independent of the
    # names given a non-match: people with the same surname often share an address (a family).
    u_conditional_on: str | None = None
    # When set: m is counted among pairs with the same valid BSN (certainly one person) where the data has
    # enough of them, and held fixed while EM estimates the rest. For evidence that tells the members of one
    # household apart: EM counts a father and son of one name at one address as a match, and so learns that
    # a wholly different date of birth is common within one person (m 0.026 against 0.0013 counted).
    m_from_same_bsn: bool = False

    def level_index(self, left: MentionFeatures, right: MentionFeatures) -> int:
        """The index into `levels` of the first level whose condition is True."""
        for index, level in enumerate(self.levels):
            if level.condition.evaluate(left, right) is True:
                return index
        raise AssertionError(f"no level of {self.name} applies; the last must be ELSE")

    def gamma(self, index: int) -> int:
        """Splink's comparison vector value of a level: -1 for the null level, then counting down to 0."""
        if self.levels[index].is_null:
            return -1
        non_null = [i for i, level in enumerate(self.levels) if not level.is_null]
        return len(non_null) - 1 - non_null.index(index)


SWAPPED = all_of(
    HasAny(L("surname_keys"), R("given_keys")),
    HasAny(L("given_keys"), R("surname_keys")),
)
HALF_SWAPPED = any_of(
    HasAny(L("surname_keys"), R("given_keys")),
    HasAny(L("given_keys"), R("surname_keys")),
)
INITIALS_COMPATIBLE = any_of(
    StartsWith(L("initials"), R("initials")), StartsWith(R("initials"), L("initials"))
)
ONE_SIDE_INITIALS_ONLY = any_of(IsNull(L("given_first")), IsNull(R("given_first")))
# Two or more given names written out on a side (with equal initials, the other side has as many).
TWO_OR_MORE_WRITTEN_OUT = any_of(ValueIs(L("given_count"), 2), ValueIs(R("given_count"), 2))

# Fixed m for "two different valid BSNs": an 11-check-valid BSN is almost never a mistyped one (the check
# catches every single-digit change and every swap of neighbours), so this must be decisive, and
# estimating it from data with (nearly) no such matching pairs is unstable. Log2(1e-5 / ~1) is about -16.6.
DIFFERENT_VALID_BSN_M = 1e-5
# Floors for the m of disagreement levels that training data may not teach (the generator's noise never
# produces them, so EM drives m to 0 and the weight to -400): at least a plausible real-world error rate.
BSN_FAR_APART_M = 1e-3  # two written BSNs more than 2 edits apart, at least one invalid
BIRTH_DATE_DIFFERENT_M = 1e-3  # complete dates differ in more than one digit, not a day/month swap
BIRTH_DATE_SAME_YEAR_M = 3e-3  # same year, month or day differs beyond the levels above
SEX_DIFFERENT_M = 5e-3  # M against F: a recording error
INITIALS_CONFLICT_M = 2e-3  # first initial equal, further initials conflict
# One address written two ways (a street misspelt at the same house number and place, or the place missing
# and the postcode mistyped; the house number mistyped in the same street, or a PC6 letter at the same
# house number): rare, but a recording error, not a different address. The generator never writes it, so
# EM drives its m towards 0 (weight -120 at 300,000 mentions; at a million, below what a float holds, and
# Splink refused the EM step).
ADDRESS_VARIANT_M = 1e-4
# People change numbers and have more than one: one registration in five with another number of the same
# person is plausible (the generator's people keep one number, so EM alone would make "another number"
# decisive against).
PHONE_DIFFERENT_M = 0.2

BSN = Comparison(
    "bsn",
    "BSN: a valid BSN is an identifier; a mistyped one is evidence",
    (
        Level("null", either_null("bsn_written"), is_null=True),
        Level("same valid BSN", eq("bsn")),
        Level("different valid BSNs", NotEqual(*both("bsn")), fixed_m=DIFFERENT_VALID_BSN_M),
        Level("written BSNs within 2 edits", lev("bsn_written", 2)),
        Level("else", Else(), min_m=BSN_FAR_APART_M),
    ),
)

SURNAME = Comparison(
    "surname",
    "Surname parts without prefixes",
    (
        Level("null", either_null("surname"), is_null=True),
        Level("exact, rare name", all_of(eq("surname"), ValueIs(L("surname_freq"), RARE))),
        Level("exact, common name", all_of(eq("surname"), ValueIs(L("surname_freq"), COMMON))),
        Level("exact", eq("surname")),
        Level("a part in common", overlap("surname_keys")),
        Level("first part within 1 edit", lev("surname_first", 1)),
        Level("first part within 2 edits", lev("surname_first", 2)),
        Level("sounds alike", overlap("surname_phonetic")),
        Level("swapped with given names", SWAPPED),
        Level("one surname is the other's given name", HALF_SWAPPED),
        # Women often use a partner's name: a different surname is weaker evidence between two women.
        Level("different, both women", all_of(ValueIs(L("sex"), "F"), ValueIs(R("sex"), "F"))),
        Level("else", Else()),
    ),
)

GIVEN_NAMES = Comparison(
    "given_names",
    "Given names, initials",
    (
        Level("null", either_null("initials"), is_null=True),
        Level("all of two or more given names equal", all_of(eq("given_full"), ValueIs(L("given_count"), 2))),
        Level("the one given name equal", eq("given_full")),
        Level("first equal, initials agree", all_of(eq("given_first"), INITIALS_COMPATIBLE)),
        Level("first equal, other initials differ", eq("given_first")),
        Level("first within 1 edit", lev("given_first", 1)),
        Level("first within 2 edits", lev("given_first", 2)),
        # Initials against written-out names: "J.P." and "Johannes Petrus" (all initials equal, two or
        # more) are stronger evidence than "J." and "Johannes" (one initial equal), and both than "J." and
        # "Johannes Petrus" (initials that merely agree, one side has fewer).
        Level(
            "all initials equal, two or more (one side initials only)",
            all_of(ONE_SIDE_INITIALS_ONLY, eq("initials"), TWO_OR_MORE_WRITTEN_OUT),
        ),
        Level("initials equal (one side initials only)", all_of(ONE_SIDE_INITIALS_ONLY, eq("initials"))),
        Level("initials agree (one side initials only)", all_of(ONE_SIDE_INITIALS_ONLY, INITIALS_COMPATIBLE)),
        Level(
            "first initial equal (one side initials only)",
            all_of(ONE_SIDE_INITIALS_ONLY, FirstLetterEqual(*both("initials"))),
            min_m=INITIALS_CONFLICT_M,
        ),
        # The surname comparison's "swapped" levels already weigh the evidence of a swap (their u is the
        # chance that the cross-matches hold by accident); counting it twice would rate a swapped pair
        # above an exact one. So this level has weight 0 (m = u, both fixed).
        Level("swapped with surname (weighed by surname)", HALF_SWAPPED, fixed_m=0.01, fixed_u=0.01),
        Level("else", Else()),
    ),
)

MONTH_UNKNOWN = either_null("birth_month")
DAY_UNKNOWN = either_null("birth_day")

BIRTH_DATE = Comparison(
    "birth_date",
    "Date of birth; unknown day or month",
    (
        Level("null", either_null("birth_year"), is_null=True),
        Level("exact", eq("birth_date")),
        # A partial date ("1982-06-00") against a complete or partial one: the more is known and agrees,
        # the stronger (year and month against the year alone).
        Level("year and month agree, day unknown", all_of(eq("birth_year"), eq("birth_month"), DAY_UNKNOWN)),
        Level("year agrees, month unknown", all_of(eq("birth_year"), MONTH_UNKNOWN)),
        Level(
            "day and month swapped",
            all_of(
                eq("birth_year"),
                Equal(L("birth_month"), R("birth_day")),
                Equal(L("birth_day"), R("birth_month")),
            ),
        ),
        Level("one digit differs", lev("birth_date", 1)),
        Level("same year", eq("birth_year"), min_m=BIRTH_DATE_SAME_YEAR_M),
        Level("else", Else(), min_m=BIRTH_DATE_DIFFERENT_M),
    ),
    m_from_same_bsn=True,
)

SAME_PLACE = any_of(eq("pc4"), lev("city", 1))
NO_ADDRESS_L = all_of(IsNull(L("pc4")), IsNull(L("street")))
NO_ADDRESS_R = all_of(IsNull(R("pc4")), IsNull(R("street")))

ADDRESS = Comparison(
    "address",
    "Dutch postcode and house number; street, house number and place when the postcode differs or lacks",
    (
        Level("null", any_of(NO_ADDRESS_L, NO_ADDRESS_R), is_null=True),
        Level("same PC6 and house number", all_of(eq("pc6"), eq("house_number"))),
        Level("same street, house number and place", all_of(eq("street"), eq("house_number"), SAME_PLACE)),
        Level("same PC6", eq("pc6")),
        Level(
            "street within 2 edits, same house number and place",
            all_of(lev("street", 2), eq("house_number"), SAME_PLACE),
            min_m=ADDRESS_VARIANT_M,
        ),
        Level(
            "same street and house number, other place",
            all_of(eq("street"), eq("house_number")),
            min_m=ADDRESS_VARIANT_M,
        ),
        # Coarser agreement still says something, the more the better: the same street in the same place at
        # another (or no) house number (a mistyped number, a move within the street), the same house number
        # in the same postcode area (a mistyped PC6 letter), and postcode area and place together.
        Level(
            "street within 2 edits and place, other house number",
            all_of(lev("street", 2), SAME_PLACE),
            min_m=ADDRESS_VARIANT_M,
        ),
        Level("same house number and PC4", all_of(eq("house_number"), eq("pc4")), min_m=ADDRESS_VARIANT_M),
        Level("same PC4 and place", all_of(eq("pc4"), lev("city", 1))),
        Level("same PC4 or place", SAME_PLACE),
        Level("else", Else()),
    ),
    u_conditional_on="l.surname_first = r.surname_first",
)


SEX = Comparison(
    "sex",
    "Sex (M/F; X and U count as unknown)",
    (
        Level("null", either_null("sex"), is_null=True),
        Level("same", eq("sex")),
        Level("else", Else(), min_m=SEX_DIFFERENT_M),
    ),
)

PHONE = Comparison(
    "phone",
    "Personal (mobile) phone number",
    (
        Level("null", either_null("phone"), is_null=True),
        Level("same personal number", eq("phone")),
        Level("numbers one digit apart", lev("phone", 1)),
        Level("else", Else(), min_m=PHONE_DIFFERENT_M),
    ),
    # A family may give one number for several of its members (a parent's for a child): u among pairs of
    # one surname, as for the address.
    u_conditional_on="l.surname_first = r.surname_first",
)

COMPARISONS: tuple[Comparison, ...] = (BSN, SURNAME, GIVEN_NAMES, BIRTH_DATE, ADDRESS, SEX, PHONE)


def different_valid_bsns(left: MentionFeatures, right: MentionFeatures) -> bool:
    """The hard rule: two mentions with different valid BSNs are never joined automatically."""
    return left.bsn is not None and right.bsn is not None and left.bsn != right.bsn
