"""The import reports bad lines in the order of the file, whatever made them bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketenzicht.intake.bulk import import_file
from tests.conftest import exchange_registration

pytestmark = pytest.mark.django_db


def test_errors_come_in_line_order(tmp_path: Path) -> None:
    lines = [
        json.dumps(exchange_registration(reference="PL0600-A", kind="proces-verbaal")),  # 1: invalid field
        "{not json",  # 2: no JSON
        json.dumps(exchange_registration(reference="PL0600-B")),  # 3: good
        json.dumps(exchange_registration(reference="C", unit="nowhere")),  # 4: invalid field
        "[]",  # 5: not an object
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_file(path, batch_size=10)
    assert [e.line for e in summary.errors] == [1, 2, 4, 5]
    assert (summary.stored, summary.rejected) == (1, 4)
