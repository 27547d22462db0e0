"""`manage.py import_registrations` on a 1,000-line file with 50 bad lines (every kind of bad line): every
bad line reported with its number and field, the good lines stored exactly once and completely, a second run
storing nothing, and a run killed half-way that a re-run completes without storing anything twice. Speed
and memory at volume are measured by bench/import.py."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.registrations.models import MentionRelation, PersonMention, Registration

from .importfile import BAD_KINDS, ImportFile, write_import_file

LINES, BAD = 1_000, 50
GOOD = LINES - BAD
REJECTED = re.compile(r"^rejected line (\d+): (\S+): (.+)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> ImportFile:
    return write_import_file(tmp_path_factory.mktemp("import") / "registrations.jsonl", lines=LINES, bad=BAD)


def import_registrations(path: Path, *options: str) -> tuple[int, str]:
    """Run the command in this process: (exit status, stdout). Its error lines go to sys.stderr (capsys)."""
    out = io.StringIO()
    try:
        call_command("import_registrations", str(path), "--no-progress", *options, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def errors_file(path: Path) -> dict[int, set[str]]:
    """--errors-out: one JSON object {"line", "field", "reason"} per error; the fields per line."""
    reported: dict[int, set[str]] = defaultdict(set)
    for text in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(text)
        assert set(record) == {"line", "field", "reason"}, record
        assert isinstance(record["reason"], str) and record["reason"], record
        reported[record["line"]].add(record["field"])
    return dict(reported)


def errors_printed(stderr: str) -> dict[int, set[str]]:
    """The `rejected line N: field: reason` lines on stderr; the fields per line. Nothing else is printed."""
    reported: dict[int, set[str]] = defaultdict(set)
    for text in ANSI.sub("", stderr).splitlines():
        if not text.strip():
            continue
        match = REJECTED.match(text)
        assert match, f"unexpected output on stderr: {text!r}"
        reported[int(match[1])].add(match[2])
    return dict(reported)


def expected_errors(file: ImportFile) -> dict[int, set[str]]:
    return {line: set(fields) for line, fields in file.bad_fields().items()}


def assert_stored_completely(file: ImportFile, *, all_lines: bool = True) -> int:
    """Every stored registration is a good line of the file, stored once, with all its mentions, relations,
    offences, BSN flags and extra keys; with `all_lines`, every good line is stored. Returns the count."""
    expected = file.good_by_key()
    registrations = {
        pk: ((source, reference), extra)
        for pk, source, reference, extra in Registration.objects.values_list(
            "pk", "source", "reference", "extra"
        )
    }
    keys = [key for key, _ in registrations.values()]
    assert len(keys) == len(set(keys)), "a registration was stored twice"
    unknown = set(keys) - set(expected)
    assert not unknown, f"stored registrations that are not good lines of the file: {sorted(unknown)[:10]}"
    if all_lines:
        missing = set(expected) - set(keys)
        assert not missing, f"{len(missing)} good lines not stored, e.g. {sorted(missing)[:10]}"

    mentions: Counter[int] = Counter()
    failing: Counter[int] = Counter()
    passing: Counter[int] = Counter()
    mention_extra: set[int] = set()
    for registration_id, bsn_valid, extra in PersonMention.objects.values_list(
        "registration_id", "bsn_valid", "extra"
    ):
        mentions[registration_id] += 1
        failing[registration_id] += bsn_valid is False
        passing[registration_id] += bsn_valid is True
        if extra:
            mention_extra.add(registration_id)
    relations = Counter(MentionRelation.objects.values_list("registration_id", flat=True))
    through = Registration.offences.through
    offences = Counter(through.objects.values_list("registration_id", flat=True))
    assert set(mentions) <= set(registrations) and set(relations) <= set(registrations)

    wrong = []
    for pk, (key, extra) in registrations.items():
        line = expected[key]
        # (mentions, relations, offences, BSNs failing the 11-check, BSNs passing it, extra keys kept)
        stored = (
            mentions[pk],
            relations[pk],
            offences[pk],
            failing[pk],
            passing[pk],
            bool(extra) or pk in mention_extra,
        )
        wanted = (
            line.persons,
            line.relations,
            line.offences,
            line.bsns_failing_check,
            line.bsns_passing_check,
            line.extra,
        )
        if stored != wanted:
            wrong.append((line.line, key, "stored", stored, "file", wanted))
    assert not wrong, f"{len(wrong)} registrations stored incompletely or wrongly, e.g. {wrong[:5]}"
    stored_lines = [expected[key] for key in keys]
    assert PersonMention.objects.count() == sum(g.persons for g in stored_lines)
    assert MentionRelation.objects.count() == sum(g.relations for g in stored_lines)
    return len(keys)


@pytest.mark.slow
@pytest.mark.django_db
def test_a_big_file_stores_every_good_line_and_reports_every_bad_one(
    big_file: ImportFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert big_file.lines == LINES and len(big_file.bad) == BAD
    assert {b.kind for b in big_file.bad} == set(BAD_KINDS)
    assert sum(g.bsns_failing_check for g in big_file.good) > 20  # good lines all the same
    assert sum(g.extra for g in big_file.good) > 20
    assert {g.persons for g in big_file.good} == {1, 2, 3, 4}
    assert len({g.source for g in big_file.good}) == 5
    errors_out = tmp_path / "errors.jsonl"

    status, stdout = import_registrations(big_file.path, "--errors-out", str(errors_out))

    assert stdout.strip() == f"read {LINES}, stored {GOOD}, already present 0, rejected {BAD}"
    assert status != 0
    expected = expected_errors(big_file)
    assert errors_file(errors_out) == expected
    assert errors_printed(capsys.readouterr().err) == expected
    assert Registration.objects.count() == GOOD
    assert assert_stored_completely(big_file) == GOOD
    assert Registration.objects.filter(reference__startswith="BAD-").count() == 0
    assert PersonMention.objects.filter(bsn_valid=False).count() == sum(
        g.bsns_failing_check for g in big_file.good
    )
    assert AccessLogEntry.objects.filter(object_type="registration", action="create").count() == GOOD


@pytest.mark.slow
@pytest.mark.django_db
def test_a_second_run_of_the_same_file_stores_nothing(
    big_file: ImportFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stdout = import_registrations(big_file.path)
    assert (status, stdout.strip()) == (1, f"read {LINES}, stored {GOOD}, already present 0, rejected {BAD}")
    capsys.readouterr()
    counts = (
        Registration.objects.count(),
        PersonMention.objects.count(),
        MentionRelation.objects.count(),
        Registration.offences.through.objects.count(),
        AccessLogEntry.objects.count(),
    )
    errors_out = tmp_path / "errors-again.jsonl"

    status, stdout = import_registrations(big_file.path, "--errors-out", str(errors_out))

    assert stdout.strip() == f"read {LINES}, stored 0, already present {GOOD}, rejected {BAD}"
    assert status != 0
    assert errors_file(errors_out) == expected_errors(big_file)
    assert errors_printed(capsys.readouterr().err) == expected_errors(big_file)
    assert (
        Registration.objects.count(),
        PersonMention.objects.count(),
        MentionRelation.objects.count(),
        Registration.offences.through.objects.count(),
        AccessLogEntry.objects.count(),
    ) == counts
    assert assert_stored_completely(big_file) == GOOD


# --- a run killed half-way ----------------------------------------------------------------------------------


def subprocess_database_url() -> str:
    """A DATABASE_URL for a subprocess that reaches the database this test uses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert name and ":memory:" not in name and "mode=memory" not in name, (
            "a subprocess cannot see this test db"
        )
        return f"sqlite:///{Path(name).resolve()}"
    assert connection.vendor == "postgresql", connection.vendor
    user = quote(str(db["USER"] or ""), safe="")
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    return (
        f"postgres://{credentials}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(str(db['NAME']))}"
    )


def start_import(path: Path, out_dir: Path, name: str, *options: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "manage.py", "import_registrations", str(path), "--no-progress", *options]
    with (out_dir / f"{name}.out").open("wb") as out, (out_dir / f"{name}.err").open("wb") as err:
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=err)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_import_killed_half_way_is_completed_by_a_rerun_storing_nothing_twice(
    big_file: ImportFile, tmp_path: Path
) -> None:
    assert Registration.objects.count() == 0
    killed = start_import(big_file.path, tmp_path, "killed", "--batch-size", "20")
    try:
        deadline = time.monotonic() + 600
        while (stored := Registration.objects.count()) < 400:  # about half-way: kill it there
            assert killed.poll() is None, (
                f"the import ended (status {killed.returncode}) before it was killed"
            )
            assert time.monotonic() < deadline, f"the import stored only {stored} registrations in 10 minutes"
            time.sleep(0.02)
        os.kill(killed.pid, signal.SIGKILL)
    finally:
        if killed.poll() is None:
            killed.kill()
        killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert "read " not in (tmp_path / "killed.out").read_text()  # it did not finish

    after_kill = Registration.objects.count()
    assert 400 <= after_kill <= 700, f"killed at {after_kill} stored registrations, not half-way"
    # Only whole batches were committed: every registration stored so far is complete.
    assert assert_stored_completely(big_file, all_lines=False) == after_kill

    rerun = start_import(big_file.path, tmp_path, "rerun", "--errors-out", str(tmp_path / "errors.jsonl"))
    assert rerun.wait(timeout=900) == 1, (tmp_path / "rerun.err").read_text()[-3000:]
    summary = (tmp_path / "rerun.out").read_text().strip()
    assert (
        summary == f"read {LINES}, stored {GOOD - after_kill}, already present {after_kill}, rejected {BAD}"
    )
    assert errors_file(tmp_path / "errors.jsonl") == expected_errors(big_file)
    assert errors_printed((tmp_path / "rerun.err").read_text()) == expected_errors(big_file)
    assert Registration.objects.count() == GOOD
    assert assert_stored_completely(big_file) == GOOD
