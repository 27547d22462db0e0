"""Generated data sets shared by the generator's tests (generated once per session, in a temp folder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ketenzicht.demo.generator import REGISTRATIONS_FILE, TRUTH_FILE, generate


@dataclass
class DataSet:
    folder: Path
    registrations: list[dict[str, Any]]
    truth: list[dict[str, Any]]

    def person_of(self) -> dict[tuple[str, str, str], str]:
        return {tuple(t["mention"]): t["person"] for t in self.truth if "mention" in t}

    def facts(self, key: str) -> list[dict[str, Any]]:
        return [t[key] for t in self.truth if key in t]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def load(folder: Path) -> DataSet:
    return DataSet(
        folder, list(read_jsonl(folder / REGISTRATIONS_FILE)), list(read_jsonl(folder / TRUTH_FILE))
    )


@pytest.fixture(scope="session")
def demo_set(tmp_path_factory: pytest.TempPathFactory) -> DataSet:
    """20,000 registrations with the storylines, seed 11."""
    folder = tmp_path_factory.mktemp("chain-20k")
    generate(20_000, 11, folder, storylines=True)
    return load(folder)
