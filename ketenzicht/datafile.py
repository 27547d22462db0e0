"""Versioned data files (work processes, instruments, case rules): read a YAML mapping, fingerprint it, and
validate it with pydantic, every problem named with where it is. Pure: no Django."""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class DataFileError(ValueError):
    """A data file that cannot be used, with every problem found in it."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_mapping(raw: bytes, source: str, error: type[DataFileError] = DataFileError) -> dict[str, Any]:
    """The file's YAML mapping, with its content hash under `content_hash`."""
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as problem:
        raise error(source, [f"not valid YAML: {problem}"]) from problem
    if not isinstance(document, dict):
        raise error(source, ["the file must hold a mapping"])
    return {**document, "content_hash": content_hash(raw)}


def validated(
    model: type[Model], document: dict[str, Any], source: str, error: type[DataFileError] = DataFileError
) -> Model:
    """`document` as `model`; `error` lists each problem as "<field path>: <message>"."""
    try:
        return model.model_validate(document)
    except ValidationError as invalid:
        problems: list[str] = []
        for item in invalid.errors():
            where = ".".join(str(part) for part in item["loc"])
            message = item["msg"].removeprefix("Value error, ")
            problems += [f"{where}: {message}"] if where else message.split("\n")
        raise error(source, problems) from invalid
