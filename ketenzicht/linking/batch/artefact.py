"""The model artefact on disk: the shipped model (`DEFAULT_MODEL_PATH`, version `MODEL_VERSION`), and
`save_model` / `load_model` for the JSON that `training.train` returns (Splink's model under "splink",
the name-frequency table under "name_frequencies").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MODEL_VERSION = "4"
DATA_DIR = Path(__file__).parent.parent / "data"
DEFAULT_MODEL_PATH = DATA_DIR / f"person-model-v{MODEL_VERSION}.json"


def save_model(model_json: Mapping[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(model_json, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data
