"""The read side of the insight desk: who may see the figures, the choice of area and period, and the
figures of that choice, published (ui/disclosure.py) before anything leaves this module. One query for
the chosen area, one for the comparison of areas; both read only the counted cells (services.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.organisations.selectors import holds_post
from ketenzicht.registrations.models import Registration
from ketenzicht.ui.disclosure import Shown, median_shown, published, share

from .engine.counting import MEDIAN
from .engine.periods import PeriodKind, period_end, period_start
from .labels import SECTIONS, Section
from .models import Cell, Refresh, StaleDay

STATISTICS_ROLES = (Role.NATIONAL_ANALYST, Role.TEAM_LEAD)
STATISTICS_POSTS = ("national_portfolio", "zsm_coordinator")
KIND_OF_AREA = {
    "police_unit": OrganisationKind.POLITIE,
    "vt_region": OrganisationKind.VEILIG_THUIS,
    "district_office": OrganisationKind.OM,
}
AREA_OF_KIND: dict[str, str] = {kind.value: area for area, kind in KIND_OF_AREA.items()}
DUE = ("in_time", "late", "overdue_now")  # the statuses whose term has passed: a share in time is of these
SHARE_IN_TIME = _("share in time")
# The comparison's columns of shares (in percent, published by `share`); the others hold counts.
COMPARE_SHARES = (_("screened in time"), _("assessed in time"), _("settled at the ZSM table"))


def may_see_insights(user: User) -> bool:
    """National analysts, team leads and the prosecution's coordinators and portfolio holders: counts only,
    published with small counts suppressed."""
    return bool(
        user.is_authenticated
        and user.organisation_id
        and (user.has_role(*STATISTICS_ROLES) or holds_post(user, *STATISTICS_POSTS))
    )


def may_recount(user: User) -> bool:
    """Functional administrators only: they may have the figures counted again from their page (the
    same count as `manage.py insights_refresh`); they need not see the figures themselves."""
    return bool(user.is_authenticated and user.has_role(Role.FUNCTIONAL_ADMIN))


@dataclass(frozen=True)
class CountState:
    """What the functional administrator's page tells before a count: the last run (when, which years, how
    long) and the days marked since, which the next count answers."""

    finished_at: object  # None before the first count
    years: list[int]
    seconds: float | None
    stale_days: int
    stale_from: date | None
    stale_to: date | None


def count_state() -> CountState:
    last = Refresh.objects.order_by("-finished_at").first()
    stale = StaleDay.objects.aggregate(n=Count("pk"), first=Min("day"), last=Max("day"))
    return CountState(
        last.finished_at if last else None,
        list(last.years) if last else [],
        (last.finished_at - last.started_at).total_seconds() if last else None,
        stale["n"],
        stale["first"],
        stale["last"],
    )


# --- the choice ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    area_kind: str = "national"
    area_code: str = "nl"
    year: int | None = None  # None: every year
    by: str = "month"
    compare: str = "police_unit"

    def as_query(self) -> dict[str, str]:
        return {
            "gebied": f"{self.area_kind}:{self.area_code}",
            "jaar": str(self.year or ""),
            "per": self.by,
            "vergelijk": self.compare,
        }


def areas() -> dict[str, list[tuple[str, str]]]:
    """Per area kind the areas a user may choose: (code, name), by name."""
    found: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KIND_OF_AREA}
    for code, name, kind in (
        Organisation.objects.filter(kind__in=list(KIND_OF_AREA.values()), active=True)
        .order_by("name")
        .values_list("code", "name", "kind")
    ):
        found[AREA_OF_KIND[kind]].append((code, name))
    return found


def years() -> list[int]:
    """The years counted so far, newest first: from the register's first year (every count covers it,
    `services.register_years`, and a year without a DV or stalking registration leaves no cell: it still
    shows, with its zeros) to the last year with cells."""
    span = Cell.objects.filter(period_kind="year", area_kind="national").aggregate(
        first=Min("period_start"), last=Max("period_start")
    )
    if span["first"] is None:
        return []
    first = span["first"].year
    registered = Registration.objects.aggregate(first=Min("registered_at"))["first"]
    if registered is not None:
        first = min(first, timezone.localtime(registered).year)
    return list(range(span["last"].year, first - 1, -1))


def choice_for(user: User, query: Mapping[str, str], *, known_years: list[int]) -> tuple[Choice, list[str]]:
    """The choice a query asks for, with the user's own area (the country for national analysts and the
    national portfolio) and the latest year as defaults; what was asked and is not known is named in the
    returned errors (and the default taken). A series per week over every year is shown per month."""
    errors: list[str] = []
    organisation = getattr(user, "organisation", None)
    national = user.has_role(Role.NATIONAL_ANALYST) or holds_post(user, "national_portfolio")
    own_kind = AREA_OF_KIND.get(organisation.kind) if organisation is not None and not national else None
    kind, code = (
        (own_kind, organisation.code) if own_kind and organisation is not None else ("national", "nl")
    )
    asked = query.get("gebied", "")
    if asked:
        asked_kind, _, asked_code = asked.partition(":")
        if asked_kind == "national":
            kind, code = "national", "nl"
        elif asked_kind in KIND_OF_AREA and any(c == asked_code for c, _ in areas()[asked_kind]):
            kind, code = asked_kind, asked_code
        else:
            errors.append("gebied")
    year: int | None = known_years[0] if known_years else None
    asked_year = query.get("jaar")
    if asked_year is not None:
        if asked_year == "":
            year = None
        elif asked_year.isdigit() and int(asked_year) in known_years:
            year = int(asked_year)
        else:
            errors.append("jaar")
    by = query.get("per", "month" if year else "year")
    if by not in {k.value for k in PeriodKind}:
        errors.append("per")
        by = "month"
    if by == "week" and year is None:
        errors.append("week_every_year")
        by = "month"
    compare = query.get("vergelijk", kind if kind in KIND_OF_AREA else "police_unit")
    if compare not in KIND_OF_AREA:
        errors.append("vergelijk")
        compare = "police_unit"
    return Choice(kind, code, year, by, compare), errors


# --- the figures -----------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    tick: str
    values: dict[str, Shown]
    total: Shown | None
    median: float | None = None

    @property
    def cells(self) -> list[Shown]:
        """The values in the order of the section's parts."""
        return list(self.values.values())


@dataclass
class SectionView:
    section: Section
    rows: list[Row]
    totals: dict[str, Shown]
    total: Shown | None
    median: float | None
    extra: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)  # title, head, rows

    @property
    def parts(self) -> tuple[tuple[str, Promise], ...]:
        return self.section.parts

    @property
    def empty(self) -> bool:
        """Nothing at all in the chosen area and period, not even a suppressed count."""
        shown = [cell.value for row in self.rows for cell in row.cells] + [
            t.value for t in self.totals.values()
        ]
        return all(value == 0 for value in shown)

    @property
    def total_cells(self) -> list[str]:
        """The range's totals in the order of the section's parts ("—" where they do not add up)."""
        return [self.totals[code].text if code in self.totals else "—" for code, _ in self.section.parts]


@dataclass
class CompareRow:
    code: str
    name: str
    cells: list[str]


# The areas compared, a table per theme, so that a laptop's screen shows each whole: (key, title, the
# columns of the comparison it holds, by index). The CSV keeps every column in one list.
COMPARE_THEMES: tuple[tuple[str, Promise, tuple[int, ...]], ...] = (
    ("police", _("Police: registrations, signals and screening"), (0, 1, 2, 3, 4)),
    ("veiligthuis", _("Veilig Thuis"), (5, 6)),
    ("zsm", _("ZSM table"), (7, 8)),
    ("measures", _("Measures, breaches and persons"), (9, 10, 11)),
)


@dataclass
class CompareTable:
    key: str
    title: Promise
    head: list[Promise]
    rows: list[CompareRow]


@dataclass
class Figures:
    choice: Choice
    area_name: str
    sections: list[SectionView]
    compare_head: list[Promise]
    compare_rows: list[CompareRow]
    counted_at: object  # the last refresh's end, or None
    stale_days: int  # days whose figures changed since (not counted again yet), the first and the last
    stale_from: date | None
    stale_to: date | None
    areas: dict[str, list[tuple[str, str]]]  # every area a user may choose, per kind (read once)

    @property
    def compare_tables(self) -> list[CompareTable]:
        """The areas compared, split per theme (COMPARE_THEMES): every column in exactly one table."""
        return [
            CompareTable(
                key,
                title,
                [self.compare_head[i] for i in columns],
                [
                    CompareRow(row.code, row.name, [row.cells[i] for i in columns])
                    for row in self.compare_rows
                ],
            )
            for key, title, columns in COMPARE_THEMES
        ]


Exact = dict[str, dict[tuple[str, str], float]]  # period start (iso) -> (figure, part) -> value


def _periods(by: str, first: date, last: date) -> list[date]:
    found, start = [], period_start(by, first)
    while start <= last:
        found.append(start)
        start = period_end(by, start) + timedelta(days=1)
    return found


def _label(by: str, start: date) -> tuple[str, str]:
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"week {week} {year}", str(week)
    if by == "month":
        return date_format(start, "F Y"), date_format(start, "b")
    return str(start.year), str(start.year)


def _range(choice: Choice, known_years: list[int]) -> tuple[date, date]:
    if choice.year is not None:
        return date(choice.year, 1, 1), date(choice.year, 12, 31)
    if not known_years:
        return date.today(), date.today()
    return date(min(known_years), 1, 1), date(max(known_years), 12, 31)


def _values(section: Section, cells: Mapping[tuple[str, str], float]) -> dict[str, float]:
    """Exact values per part of a section from one period's (or the range's) cells."""
    if section.groups is not None:  # "group:part": summed over the groups
        summed: dict[str, float] = {code: 0.0 for code, _ in section.parts}
        for (figure, part), value in cells.items():
            if figure == section.key:
                code = part.partition(":")[2]
                summed[code] = summed.get(code, 0.0) + value
        return summed
    if section.key == "persons":
        return {code: cells.get((code, "persons"), 0) for code, _ in section.parts}
    return {code: cells.get((section.key, code), 0) for code, _ in section.parts}


def _median(section: Section, cells: Mapping[tuple[str, str], float]) -> float | None:
    if section.median is None:
        return None
    part = section.median[0]
    found = cells.get((section.key + MEDIAN, part))
    return median_shown(found, int(cells.get((section.key, part), 0)))


def _per_group(
    section: Section, whole: Mapping[tuple[str, str], float]
) -> tuple[str, list[str], list[list[str]]]:
    """The table of a grouped section over the chosen range: per group its parts, the total and the share
    done in time (of those whose term passed: in time, late, overdue now), all published; the share from
    the exact counts (ketenzicht/ui/disclosure.py)."""
    assert section.groups is not None
    caption, head, groups = section.groups
    codes = [code for code, _ in section.parts]
    lines = []
    for group, label in groups:
        exact = {code: whole.get((section.key, f"{group}:{code}"), 0) for code in codes}
        due = int(sum(exact.get(s, 0) for s in DUE))
        in_time = share(int(exact.get("in_time", 0)), due)
        lines.append(
            [
                str(label),
                published(int(sum(exact.values()))).text,
                *(published(int(exact[code])).text for code in codes),
                _percent(in_time),
            ]
        )
    return (
        str(caption),
        [str(head), str(_("total")), *(str(label) for _, label in section.parts), str(SHARE_IN_TIME)],
        lines,
    )


def _section(
    section: Section,
    choice: Choice,
    series: Exact,
    whole: Mapping[tuple[str, str], float] | None,
    periods: list[date],
) -> SectionView:
    rows = []
    for start in periods:
        cells = series.get(start.isoformat(), {})
        exact = _values(section, cells)
        label, tick = _label(choice.by, start)
        rows.append(
            Row(
                label,
                tick,
                {code: published(int(exact.get(code, 0))) for code, _ in section.parts},
                published(int(sum(exact.values()))) if section.stacked else None,
                _median(section, cells),
            )
        )
    if whole is not None and not section.stacked and choice.year is None:
        whole = None  # persons are counted once per year: they do not add up over years
    exact_whole = _values(section, whole) if whole is not None else {}
    view = SectionView(
        section,
        rows,
        {code: published(int(exact_whole[code])) for code in exact_whole} if whole is not None else {},
        published(int(sum(exact_whole.values()))) if section.stacked and whole is not None else None,
        _median(section, whole) if whole is not None else None,
    )
    if whole is not None and section.groups is not None:
        view.extra.append(_per_group(section, whole))
    return view


NOT_ADDITIVE = ("repeat_victims", "serial_suspects")


def _summed_years(rows: list[tuple[str, str, float]], single: bool) -> dict[tuple[str, str], float]:
    """Year cells summed over the chosen years; persons and medians only for a single year (they do not
    add up)."""
    found: dict[tuple[str, str], float] = defaultdict(float)
    for figure, part, value in rows:
        if not single and (figure in NOT_ADDITIVE or figure.endswith(MEDIAN)):
            continue
        found[(figure, part)] += value
    return dict(found)


def _compare(
    choice: Choice, first: date, last: date, known: dict[str, list[tuple[str, str]]]
) -> tuple[list[Promise], list[CompareRow]]:
    single = choice.year is not None
    names = dict(known[choice.compare])
    per_area: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for area_kind, code, figure, part, value in Cell.objects.filter(
        period_kind="year",
        period_start__gte=date(first.year, 1, 1),
        period_start__lte=last,
        area_kind__in=[choice.compare, "national"],
    ).values_list("area_kind", "area_code", "figure", "part", "value"):
        per_area["" if area_kind == "national" else code].append((figure, part, value))
    head: list[Promise] = [
        _("DV and stalking registrations"),
        _("of which stalking"),
        _("stalking signals before or without art. 285b"),
        _("screening cases opened"),
        COMPARE_SHARES[0],
        _("Veilig Thuis notifications"),
        COMPARE_SHARES[1],
        _("ZSM decisions"),
        COMPARE_SHARES[2],
        _("measures imposed"),
        _("breaches"),
        _("repeat victims"),
    ]
    rows = []
    for code, name in [*names.items(), ("", str(_("the Netherlands")))]:
        whole = _summed_years(per_area.get(code, []), single)

        decided = _exact(whole, "zsm_decided", "all")
        cells: list[Shown | str] = [
            _total(whole, "registrations"),
            _total(whole, "registrations", "stalking"),
            _total(whole, "stalking_signals", "before", "without"),
            _total(whole, "screening_timeliness"),
            _in_time(whole, "screening_timeliness"),
            _total(whole, "vt_notifications"),
            _in_time(whole, "vt_notifications"),
            published(decided),
            _percent(share(_exact(whole, "zsm_decided", "zsm"), decided)),
            _total(whole, "measures"),
            _total(whole, "breaches"),
            _total(whole, "repeat_victims") if single else "—",
        ]
        rows.append(CompareRow(code, name, [c.text if isinstance(c, Shown) else c for c in cells]))
    return head, rows


def _exact(whole: Mapping[tuple[str, str], float], figure: str, *parts: str) -> int:
    """A figure summed over its parts (or the parts named), exact: to be published before it is shown."""
    return int(sum(v for (f, p), v in whole.items() if f == figure and (not parts or p in parts)))


def _total(whole: Mapping[tuple[str, str], float], figure: str, *parts: str) -> Shown:
    """A figure summed over its parts (or the parts named), published."""
    return published(_exact(whole, figure, *parts))


def _status(whole: Mapping[tuple[str, str], float], figure: str, status: str) -> int:
    """A grouped figure's count of one status over its groups (exact)."""
    return int(sum(v for (f, p), v in whole.items() if f == figure and p.endswith(":" + status)))


def _in_time(whole: Mapping[tuple[str, str], float], figure: str) -> str:
    """The published share done in time of a grouped figure's cases whose term passed, from the exact
    counts."""
    return _percent(share(_status(whole, figure, "in_time"), sum(_status(whole, figure, s) for s in DUE)))


def _percent(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def is_share_column(heading: str) -> bool:
    """Whether a column of an extra table or of the comparison (its heading, as shown) holds shares in
    percent: the CSV names the unit of a share that cannot be shown too."""
    return heading in {str(SHARE_IN_TIME), *(str(h) for h in COMPARE_SHARES)}


def figures_for(choice: Choice, *, known_years: list[int]) -> Figures:
    """The published figures of one choice: per section the series, the range's totals and extra tables,
    and the comparison of the areas of one kind."""
    first, last = _range(choice, known_years)
    periods = _periods(choice.by, first, last)
    low = periods[0] if periods else first
    series: Exact = defaultdict(dict)
    year_rows: list[tuple[str, str, float]] = []
    for kind, start, figure, part, value in Cell.objects.filter(
        area_kind=choice.area_kind,
        area_code=choice.area_code,
        period_kind__in=sorted({choice.by, "year"}),
        period_start__gte=min(low, date(first.year, 1, 1)),
        period_start__lte=last,
    ).values_list("period_kind", "period_start", "figure", "part", "value"):
        if kind == choice.by and start >= low:
            series[start.isoformat()][(figure, part)] = value
        if kind == "year":
            year_rows.append((figure, part, value))
    whole = _summed_years(year_rows, choice.year is not None)
    sections = [_section(section, choice, series, whole, periods) for section in SECTIONS]
    known = areas()
    if choice.area_kind == "national":
        area_name = str(_("the Netherlands"))
    else:
        area_name = dict(known[choice.area_kind]).get(choice.area_code, choice.area_code)
    head, compare_rows = _compare(choice, first, last, known)
    refreshed = Refresh.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
    stale = StaleDay.objects.aggregate(n=Count("pk"), first=Min("day"), last=Max("day"))
    return Figures(
        choice,
        area_name,
        sections,
        head,
        compare_rows,
        refreshed,
        stale["n"],
        stale["first"],
        stale["last"],
        known,
    )
