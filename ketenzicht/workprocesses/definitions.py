"""The definition files shipped in data/, loaded into ProcessVersion rows, and read back by version."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext_noop

from ketenzicht.organisations.roles import Role
from ketenzicht.ui.formats import in_installation_language

from .engine.definition import Definition, DefinitionError, load_definition
from .engine.machine import CASE_START, FUTURE, PAST, DateRule
from .models import ProcessVersion, Rollout

DATA_DIR = Path(__file__).resolve().parent / "data"


# What an entry of date_fields.yaml may say about its field.
_DATE_PROPERTIES = frozenset({"when", "from", "days_ahead"})


def _date_rule(name: Any, raw: Any) -> tuple[DateRule | None, list[str]]:
    """One entry of date_fields.yaml: a rule, or the problems with it (each naming the field)."""
    if isinstance(raw, str):
        raw = {"when": raw}
    if not isinstance(name, str) or not isinstance(raw, dict):
        return None, [f"{name!r}: a field name with past, future or a mapping of properties is expected"]
    problems: list[str] = []
    unknown = sorted(map(str, set(raw) - _DATE_PROPERTIES))
    if unknown:
        problems.append(f"{name}: unknown properties {', '.join(unknown)}")
    when, start, ahead = raw.get("when"), raw.get("from"), raw.get("days_ahead")
    if when not in (PAST, FUTURE):
        problems.append(f"{name}: when {when!r} is neither past nor future")
    if start is not None and start != CASE_START:
        problems.append(f"{name}: from {start!r} is not case_start")
    elif start is not None and when != PAST:
        problems.append(f"{name}: from case_start bounds a date in the past only")
    if ahead is not None and (isinstance(ahead, bool) or not isinstance(ahead, int) or ahead < 0):
        problems.append(f"{name}: days_ahead {ahead!r} is not a whole number of days of 0 or more")
    elif ahead is not None and when != FUTURE:
        problems.append(f"{name}: days_ahead bounds a date in the future only")
    if problems:
        return None, problems
    return DateRule(when=str(when), from_start=start == CASE_START, days_ahead=ahead), []


@lru_cache(maxsize=1)
def date_rules() -> dict[str, DateRule]:
    """Date field name -> what its value may be (data/date_fields.yaml): a date that happened (past), may be
    not before the case's start; one still to come (future), not more than so many days ahead. Raises
    DefinitionError listing every entry that is wrong."""
    rules = yaml.safe_load((DATA_DIR / "date_fields.yaml").read_text(encoding="utf-8")) or {}
    if not isinstance(rules, dict):
        raise DefinitionError("date_fields.yaml", ["a mapping of field names to their rules is expected"])
    found: dict[str, DateRule] = {}
    problems: list[str] = []
    for name, raw in rules.items():
        rule, wrong = _date_rule(name, raw)
        problems += wrong
        if rule is not None:
            found[name] = rule
    if problems:
        raise DefinitionError("date_fields.yaml", problems)
    return found


# What an entry of ranked_fields.yaml may say besides the field's name.
_RANKED_PROPERTIES = frozenset({"lowering_confirmed_by"})


@lru_cache(maxsize=1)
def _ranked() -> dict[str, dict[str, str]]:
    """data/ranked_fields.yaml: field name -> its properties ({} for a plain name)."""
    entries = yaml.safe_load((DATA_DIR / "ranked_fields.yaml").read_text(encoding="utf-8")) or []
    if not isinstance(entries, list):
        raise DefinitionError("ranked_fields.yaml", ["a list of field names is expected"])
    found: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            found[entry] = {}
            continue
        if not (isinstance(entry, dict) and len(entry) == 1):
            problems.append(f"{entry!r}: a field name, or one name with its properties, is expected")
            continue
        [(name, properties)] = entry.items()
        properties = properties or {}
        if not isinstance(name, str) or not isinstance(properties, dict):
            problems.append(f"{entry!r}: a field name with a mapping of properties is expected")
            continue
        unknown = sorted(set(properties) - _RANKED_PROPERTIES)
        if unknown:
            problems.append(f"{name}: unknown properties {', '.join(map(str, unknown))}")
        role = properties.get("lowering_confirmed_by")
        if role is not None and role not in Role.values:
            problems.append(f"{name}: lowering_confirmed_by names unknown role {role!r}")
        found[name] = {str(key): str(value) for key, value in properties.items()}
    if problems:
        raise DefinitionError("ranked_fields.yaml", problems)
    return found


def ranked_fields() -> frozenset[str]:
    """The choice fields whose choices are listed most serious first (data/ranked_fields.yaml), by name:
    what a case holds for one of them is the floor a step's lower choice must explain (`lowering_floor`)."""
    return frozenset(_ranked())


def lowering_confirmers() -> dict[str, str]:
    """Ranked field -> the role that confirms a step choosing less than its floor (its
    `lowering_confirmed_by` in data/ranked_fields.yaml): such a step waits for a user of that role in the
    case's organisation, never its proposer (`services.case_take`). The urgency: a team lead."""
    return {
        name: properties["lowering_confirmed_by"]
        for name, properties in _ranked().items()
        if properties.get("lowering_confirmed_by")
    }


def definition_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(data_dir.glob("*.v*.yaml"))


def definitions_load(data_dir: Path = DATA_DIR) -> list[tuple[Definition, bool]]:
    """Load every definition file; (definition, created) each. A version already loaded with other content
    is refused: a published version never changes (publish the change as the next version)."""
    loaded: list[tuple[Definition, bool]] = []
    with transaction.atomic():
        for path in definition_files(data_dir):
            definition = load_definition(path)
            definition.check_roles(Role.values)
            existing = ProcessVersion.objects.filter(
                process=definition.process, version=definition.version
            ).first()
            if existing is not None:
                if existing.content_hash != definition.content_hash:
                    raise DefinitionError(
                        str(path),
                        [
                            f"version {definition.version} of {definition.process} is already loaded "
                            "with other content; publish the change as a new version"
                        ],
                    )
                loaded.append((definition, False))
                continue
            ProcessVersion.objects.create(
                process=definition.process,
                version=definition.version,
                label=definition.label,
                content_hash=definition.content_hash,
                document=definition.model_dump(mode="json", by_alias=True),
            )
            loaded.append((definition, True))
    return loaded


@lru_cache(maxsize=128)
def _parsed(content_hash: str, process: str, version: int) -> Definition:
    """The definition from its shipped file when that is the loaded content (the same hash), else from the
    stored document. The file keeps the order of a choice field's choices (most serious first, which the
    forms show and `engine.machine` ranks by); PostgreSQL's jsonb, which holds the document, sorts keys."""
    shipped = DATA_DIR / f"{process}.v{version}.yaml"
    if shipped.exists():
        definition = load_definition(shipped)
        if definition.content_hash == content_hash:
            return definition
    document = ProcessVersion.objects.values_list("document", flat=True).get(process=process, version=version)
    return Definition.model_validate(document)


def definition_of(process_version: ProcessVersion) -> Definition:
    """The definition a case runs on (cached by content hash: a version never changes)."""
    return _parsed(process_version.content_hash, process_version.process, process_version.version)


# The note on a national default the reference data rolls out: written in the installation's language, shown
# in the reader's (`rollouts.rollout_note`).
DEFAULT_ROLLOUT_NOTE = gettext_noop("national default (reference data)")


def default_rollouts_ensure(data_dir: Path = DATA_DIR) -> int:
    """Create the national default roll-out of each process that has none yet; how many were created."""
    spec = yaml.safe_load((data_dir / "rollouts.yaml").read_text(encoding="utf-8"))
    created = 0
    for entry in spec["defaults"]:
        if Rollout.objects.filter(process=entry["process"], organisation__isnull=True).exists():
            continue
        Rollout.objects.create(
            process=entry["process"],
            process_version=ProcessVersion.objects.get(process=entry["process"], version=entry["version"]),
            organisation=None,
            valid_from=entry["valid_from"],
            note=in_installation_language(DEFAULT_ROLLOUT_NOTE),
        )
        created += 1
    return created
