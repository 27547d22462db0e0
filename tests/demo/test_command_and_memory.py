"""The command needs no database; memory stays bounded as N grows (at volume: bench/generate_memory.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]

PEAK = """
import resource, sys, tempfile
from ketenzicht.demo.generator import generate
with tempfile.TemporaryDirectory() as out:
    generate(int(sys.argv[1]), 1, out)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_command_writes_both_files_without_touching_the_database(tmp_path: Path) -> None:
    # No django_db mark: any query would fail the test ("Database access not allowed").
    call_command(
        "generate_chain_data", "--registrations", "1500", "--seed", "4", "--out", str(tmp_path),
        "--storylines", "--no-progress",
    )  # fmt: skip
    lines = (tmp_path / "registrations.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1500
    assert all(json.loads(line)["persons"] for line in lines)
    assert '"storyline":"ex-partner-den-bosch"' in (tmp_path / "truth.jsonl").read_text(encoding="utf-8")


def peak_kib(n: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(n)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


@pytest.mark.slow
def test_memory_is_bounded_as_n_grows() -> None:
    """From about 10,000 registrations on, the peak is flat (below that the working set still fills up);
    were the registrations kept in memory, 10,000 more would add some 40 MiB."""
    small, large = peak_kib(10_000), peak_kib(20_000)
    assert large - small < 10 * 1024, (
        f"peak RSS grew from {small} KiB to {large} KiB for 2x the registrations"
    )


@pytest.mark.django_db
def test_the_demo_users_print_in_columns_whatever_their_names_length(settings: Any) -> None:
    """`officier-vervanger` and `portefeuillehouder` are longer than the others: the organisation and the
    roles still start in one column, so the list reads as a table."""
    import io

    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", "--users-only", stdout=out)
    rows = [line for line in out.getvalue().splitlines() if line.startswith("  ")]
    names = {line.split()[0]: line for line in rows}
    assert {"officier-vervanger", "portefeuillehouder", "privacy"} <= set(names)
    starts = {line.index(line.split()[1], len(line.split()[0]) + 2) for line in rows}
    assert len(starts) == 1
