"""Fixtures shared by the whole suite: reference data in every database test, users per role."""

from __future__ import annotations

import csv
import functools
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


# Each test file's time in seconds (setup, call and teardown of its tests summed) as one run measured it;
# `make test PYTEST_ARGS=--record-durations` refreshes the files that run (commit the result).
DURATIONS_FILE = Path(__file__).with_name("durations.json")
SECONDS_PER_TEST = 0.3  # a file not measured yet: about the suite's mean per test


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-durations",
        action="store_true",
        help=f"write each test file's time to {DURATIONS_FILE.name} (orders the files of later runs)",
    )


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files go first, by their time in durations.json. `make test` hands whole files to its
    two workers in this order (--dist loadfile --no-loadscope-reorder), so the run ends on short files
    rather than with one worker on a long file while the other has run out of work. A file not measured
    yet counts SECONDS_PER_TEST per test, or goes first when it holds a test marked `slow`."""
    try:
        measured: dict[str, float] = json.loads(DURATIONS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        measured = {}
    tests = Counter(_file_of(item.nodeid) for item in items)
    slow_files = {_file_of(item.nodeid) for item in items if item.get_closest_marker("slow")}

    def expected(name: str) -> float:
        if name in measured:
            return measured[name]
        return math.inf if name in slow_files else SECONDS_PER_TEST * tests[name]

    items.sort(key=lambda item: -expected(_file_of(item.nodeid)))  # stable: a file's tests stay together


_recorded: defaultdict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _recorded[_file_of(report.nodeid)] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With --record-durations, in the process that sees every report (the xdist controller, or the only
    one): the files of this run get their new time, the others keep theirs."""
    if not session.config.getoption("record_durations") or hasattr(session.config, "workerinput"):
        return
    try:
        durations: dict[str, float] = json.loads(DURATIONS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        durations = {}
    durations |= {name: round(seconds, 1) for name, seconds in _recorded.items()}
    DURATIONS_FILE.write_text(json.dumps(dict(sorted(durations.items())), indent=1) + "\n", encoding="utf-8")


def _reference_data_ensure() -> None:
    """Organisations, municipalities, offences, work processes and screening instruments, loaded from the
    shipped data files where missing."""
    from ketenzicht.organisations.models import Municipality
    from ketenzicht.organisations.services import reference_data_load_organisations
    from ketenzicht.registrations.models import Offence
    from ketenzicht.registrations.services import reference_data_load_offences
    from ketenzicht.screening.instruments import instruments_load
    from ketenzicht.screening.models import InstrumentVersion
    from ketenzicht.workprocesses.definitions import default_rollouts_ensure, definitions_load
    from ketenzicht.workprocesses.models import ProcessVersion

    if not Municipality.objects.exists():
        reference_data_load_organisations()
    if not Offence.objects.exists():
        reference_data_load_offences()
    if not ProcessVersion.objects.exists():
        definitions_load()
        default_rollouts_ensure()
    if not InstrumentVersion.objects.exists():
        instruments_load()


@pytest.fixture(scope="session")
def _test_database_template(django_db_modify_db_settings: None) -> Generator[None, None, None]:
    """The test databases are copies of a migrated template (tests/database_template.py): set up before
    pytest-django's django_db_setup creates them, after its settings gave each worker its own name."""
    from django.conf import settings

    from tests.database_template import created_from_template

    with created_from_template(Path(settings.BASE_DIR) / "var"):
        yield


@pytest.fixture(scope="session")
def django_db_setup(_test_database_template: None, django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database, migrated from a template, gets the reference data once, committed, so that a test
    in a transaction finds it there instead of loading it again (about a quarter of a second per test)."""
    with django_db_blocker.unblock():
        _reference_data_ensure()


@pytest.fixture
def reference_data(django_db_setup: None, django_db_blocker: Any) -> None:
    """The reference data, loaded again where a test took it away (a test that deletes instruments, say);
    a transactional test's emptied tables are filled again after it (pytest_runtest_teardown)."""
    with django_db_blocker.unblock():
        _reference_data_ensure()


@pytest.fixture(autouse=True)
def _installation_language() -> Generator[None, None, None]:
    """Every test starts in the installation's language, as a process's first request does: a page fetched in
    English by an earlier test in the same worker (the locale middleware leaves its language active) must not
    turn the next test's alert texts and messages English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _reference_data_for_db_tests(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("django_db") or DB_FIXTURES & set(request.fixturenames):
        request.getfixturevalue("reference_data")


_set_up = pytest.StashKey[bool]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Notes that the test's fixtures are set up: this runs after the skip marks are read (those run first
    and skip the test without any set-up) and before the fixtures."""
    item.stash[_set_up] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    """After a transactional test Django empties every table; the append-only access log refuses that.
    Around that teardown only, the log's triggers are lifted, then put back on the same test database. A
    transactional test skipped by a mark (`skipif`, PostgreSQL only) set nothing up: nothing was emptied,
    and the test database may not even exist yet, so nothing is done."""
    marker = item.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())) or (
        marker is not None and bool(marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if not transactional or not item.stash.get(_set_up, False):
        return (yield)
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    from ketenzicht.audit.append_only import history_off, history_on
    from ketenzicht.audit.triggers import append_only_off, append_only_on

    blocker = item.config.stash[blocking_manager_key]
    with blocker.unblock():
        database = connection.settings_dict["NAME"]
        append_only_off(connection)
        history_off(connection)
    try:
        return (yield)
    finally:
        with blocker.unblock():
            # After the last test the test database is gone; the real one was never touched.
            if connection.settings_dict["NAME"] == database:
                append_only_on(connection)
                history_on(connection)
                _reference_data_ensure()  # committed again, for the tests in a transaction after this one
                connection.close()  # none may linger when the test database is dropped


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """make_user("police_registrar", organisation="oost-brabant") -> a user with that role."""
    from ketenzicht.organisations.models import Organisation
    from ketenzicht.organisations.services import user_create

    counter = iter(range(1, 10_000))

    def make(
        *roles: str, organisation: str = "oost-brabant", username: str | None = None, password: str = ""
    ) -> Any:
        return user_create(
            username=username or f"{'-'.join(roles) or 'user'}-{organisation}-{next(counter)}",
            password=password or None,
            organisation=Organisation.objects.get(code=organisation),
            roles=list(roles),
        )

    return make


@pytest.fixture
def registrar(make_user: Callable[..., Any]) -> Any:
    return make_user("police_registrar", organisation="oost-brabant")


class MovedClock:
    """The clock of what expires in a session (ketenzicht.ui.clock), moved by the test, not waited for."""

    def __init__(self, now: float) -> None:
        self.now = now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def moved_clock(monkeypatch: pytest.MonkeyPatch) -> MovedClock:
    from ketenzicht.ui import clock

    moved = MovedClock(1_800_000_000.0)
    monkeypatch.setattr(clock, "now", lambda: moved.now)
    return moved


@functools.cache
def _prefixes() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Reference prefixes from the shipped reference data: per organisation code, and per municipality the
    prefixes of the organisations serving it by source."""
    data = Path(__file__).resolve().parents[1] / "ketenzicht" / "organisations" / "data"
    with (data / "organisations.csv").open(encoding="utf-8") as handle:
        by_code = {row["code"]: row["reference_prefix"] for row in csv.DictReader(handle)}
    with (data / "municipalities.csv").open(encoding="utf-8") as handle:
        serving = {
            row["code"]: {
                "politie": by_code[row["police_unit"]],
                "veilig_thuis": by_code[row["vt_region"]],
                "om": by_code[row["district_office"]],
            }
            for row in csv.DictReader(handle)
        }
    return by_code, serving


def reference_of(
    tail: str,
    *,
    source: str = "politie",
    unit: str | None = "oost-brabant",
    municipality: str | None = "GM0796",
) -> str:
    """A reference in the numbering of the organisation a registration belongs to: `PL0600-<tail>` for a
    police registration of unit oost-brabant, `VT21-<tail>` for Veilig Thuis in GM0796, `RN-<tail>`..."""
    by_code, serving = _prefixes()
    if source == "politie":
        prefix = by_code[unit or ""]
    elif source in ("veilig_thuis", "om") and municipality:
        prefix = serving[municipality][source]
    else:
        prefix = {"slachtofferhulp": "SH", "reclassering": "RN", "veilig_thuis": "VT21", "om": "OM0600"}[
            source
        ]
    return f"{prefix}-{tail}"


def in_numbering(
    reference: str,
    *,
    source: str = "politie",
    unit: str | None = "oost-brabant",
    municipality: str | None = "GM0796",
) -> str:
    """`reference` as it is when it already has its organisation's prefix, else that prefix put before it:
    test helpers name registrations shortly ("R1") and still register them validly."""
    wanted = reference_of("", source=source, unit=unit, municipality=municipality)
    return reference if reference.startswith(wanted) else f"{wanted}{reference}"


def exchange_registration(**overrides: Any) -> dict[str, Any]:
    """A valid exchange-format v1 registration (the example of the format's documentation)."""
    base: dict[str, Any] = {
        "source": "politie",
        "reference": "PL0600-2024-000123",
        "kind": "aangifte",
        "occurred_at": "2024-03-05T21:40:00+01:00",
        "registered_at": "2024-03-06T09:12:00+01:00",
        "unit": "oost-brabant",
        "municipality": "GM0796",
        "offences": ["285", "350"],
        "summary": "Ex-partner stond weer voor de deur en dreigde; ruit ingegooid.",
        "persons": [
            {
                "ref": "p1",
                "role": "suspect",
                "given_names": "Johannes Petrus",
                "surname_prefix": "van der",
                "surname": "Berg",
                "birth_date": "1985-04-12",
                "sex": "M",
                "bsn": "123456782",
                "address": {
                    "street": "Stratumsedijk",
                    "house_number": "12",
                    "house_number_suffix": "a",
                    "postcode": "5611 NB",
                    "city": "Eindhoven",
                },
                "phone": "+31612345678",
            },
            {
                "ref": "p2",
                "role": "victim",
                "given_names": "Anna",
                "surname": "Jansen",
                "birth_date": "1987-11-02",
            },
        ],
        "relations": [{"from": "p1", "to": "p2", "kind": "ex_partner"}],
    }
    base.update(overrides)
    return base
