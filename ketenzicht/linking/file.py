"""Link a CSV file of person mentions on its own: the evaluation entry point behind `manage.py link_file`.

The file has a header line with `mention_id`, the person fields of exchange format v1 (`given_names`,
`surname_prefix`, `surname`, `birth_date`, `sex`, `bsn`, `phone`) and the address fields flattened (`street`,
`house_number`, `house_number_suffix`, `postcode`, `city`), in any order; other columns are ignored, an empty
cell is a missing value. UTF-8 with or without a byte-order mark; `,` or `;` between cells (read from the
header line); cells may be quoted. The result is `mention_id,person_id`, one line per input row in input
order, `person_id` being `P` and the number of the person in order of first appearance (`P000001`, ...).

Optional, what a registration says (exchange format v1's registrations flattened, one row per person):

- `registration_id`: the rows with one value stand in one registration (e.g. `politie/PL0300-2021-000001`);
  empty: the row stands alone. Two mentions of one registration are never one person; mentions of one
  registration with one home (postcode and house number) are each other's household.
- `role`: exchange format v1's role (`suspect`, `victim`, `reporter`, `witness`, `involved`).
- `related_to` and `relation`: the row's relation to other mentions of its registration, `relation` one of
  exchange format v1's kinds (`partner`, `ex_partner`, `family`, `child`, `acquaintance`, `colleague`,
  `neighbour`, `stranger`, `unknown`). `related_to` names the other mention by its `mention_id`; several
  with `|` between them, and then one relation for all or one per mention in the same order
  (`partner|child`). Without `related_to` the relation is to the registration's suspects (by `role`), or,
  when it has none, to its one other mention: the victim's row saying "ex_partner" is the police's
  "relation to the suspect". Codes in any case, `-` or a space for `_` (`Ex-partner`), and the Dutch
  labels the application shows (`verdachte`, `slachtoffer`, `familielid`, `kind`, ...) are read.
  Either column needs `registration_id`; a `role` column alone is ignored, and so are the columns when
  no row has a `registration_id` (their values still checked): the file is linked as one without them.

A bad value in these columns is refused with the line and the column, like a repeated `mention_id`, and
nothing is written: an unknown role or relation, a relation on a row without a registration, a
`related_to` that names no mention of the file, the row itself or a mention of another registration, a
`related_to` without a relation, a relation whose other party cannot be told. A relation read wrongly
would move evidence between people silently; a data owner can fix the file, and an empty cell is allowed.

Linking is the batch linker's (`ketenzicht.linking.batch`): train on the file itself (seeded), predict,
cluster at a match weight, never joining two different valid BSNs. When the file is too small to train on,
or training fails (Splink's u sampling and EM need pairs), the shipped model is used and a note says so.
With `registration_id`, as `link_persons --rebuild` links the register: a second pass adds the relation term
(`engine.context`) between the first pass's persons and clusters again; the term is estimated on the file's
first pass when the model was trained on the file (as `--rebuild --retrain`), else it is the one given.
No Django and no database here: the command passes the shipped model's and term's paths in.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd

from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH, load_model
from ketenzicht.linking.batch.clustering import DEFAULT_THRESHOLD_MATCH_WEIGHT, cluster_rows, guard_columns
from ketenzicht.linking.batch.mentions import MENTION_FIELDS, mentions_to_features
from ketenzicht.linking.batch.prediction import predict
from ketenzicht.linking.batch.training import train
from ketenzicht.linking.engine import context as relation_context
from ketenzicht.linking.engine.columns import FeatureColumns
from ketenzicht.linking.engine.context import ContextModel, Home
from ketenzicht.linking.engine.model import MODEL_FORMAT, LinkModel
from ketenzicht.registrations.exchange import RelationCode, RoleCode

ID_COLUMN = "mention_id"
PERSON_COLUMNS = ("given_names", "surname_prefix", "surname", "birth_date", "sex", "bsn", "phone")
ADDRESS_COLUMNS = ("street", "house_number", "house_number_suffix", "postcode", "city")
FIELD_COLUMNS = PERSON_COLUMNS + ADDRESS_COLUMNS
# The columns the engine compares (`batch.mentions.MENTION_FIELDS`); the others are accepted and not kept in
# memory (`house_number_suffix`: the engine compares the house number's digits only).
READ_COLUMNS = tuple(c for c in FIELD_COLUMNS if c in MENTION_FIELDS)
# Optional: which mentions stand in one registration, and how they relate (exchange format v1's `role` and
# relation `kind`); with them the file is linked in two passes, the second with the relation term.
REGISTRATION_COLUMN = "registration_id"
ROLE_COLUMN = "role"
RELATED_COLUMN = "related_to"
RELATION_COLUMN = "relation"
CONTEXT_COLUMNS = (REGISTRATION_COLUMN, ROLE_COLUMN, RELATED_COLUMN, RELATION_COLUMN)
KNOWN_COLUMNS = (ID_COLUMN, *FIELD_COLUMNS, *CONTEXT_COLUMNS)
ROLES: tuple[str, ...] = get_args(RoleCode)
RELATIONS: tuple[str, ...] = get_args(RelationCode)
# Other spellings a data owner writes (besides the codes in any case, with `-` or a space for `_`): the
# labels the application shows in Dutch.
ROLE_SPELLINGS = {
    "verdachte": "suspect",
    "slachtoffer": "victim",
    "melder": "reporter",
    "getuige": "witness",
    "betrokkene": "involved",
}
RELATION_SPELLINGS = {
    "expartner": "ex_partner",
    "familielid": "family",
    "familie": "family",
    "kind": "child",
    "kennis": "acquaintance",
    "collega": "colleague",
    "buur": "neighbour",
    "neighbor": "neighbour",
    "vreemde": "stranger",
    "onbekend": "unknown",
}
SUSPECT = "suspect"
SEPARATOR = "|"  # between the mentions of `related_to` (and their relations) when a row names several
DELIMITERS = (",", ";")
# Below this many rows the file is not trained on: u by random sampling and m by EM need many pairs, and
# on a few hundred mentions Splink's EM may fail outright (an m that underflows to 0).
MIN_TRAIN_ROWS = 200
MAX_PROBLEMS_SHOWN = 10

Note = Callable[[str], None]


class LinkFileError(ValueError):
    """The input cannot be linked as it is (the message names the line), or the output cannot be written."""


@dataclass(frozen=True)
class Registrations:
    """What the optional columns say: the registration of each row (its number, -1 for none) and the
    relations between rows of one registration (row, row, exchange format v1's kind)."""

    of_row: np.ndarray  # int64, one per row
    relations: list[tuple[int, int, str]]

    def related(self, features: pd.DataFrame) -> relation_context.Related:
        """Per registration the homes of its mentions (the normalised postcode and house number of
        `features`, the file's rows in order) and its relations, the mentions named by their unique ids
        (the row numbers as text), as `engine.context.ties_of` takes them."""
        ids = [str(uid) for uid in features["unique_id"]]
        homes: dict[int, dict[str, Home | None]] = {}
        for row, (registration, postcode, number) in enumerate(
            zip(self.of_row.tolist(), features["pc6"], features["house_number"], strict=True)
        ):
            if registration >= 0:
                has_home = isinstance(postcode, str) and isinstance(number, str) and postcode and number
                homes.setdefault(registration, {})[ids[row]] = (postcode, number) if has_home else None
        kinds: dict[int, list[tuple[str, str, str]]] = {r: [] for r in homes}
        for left, right, kind in self.relations:
            kinds[int(self.of_row[left])].append((ids[left], ids[right], kind))
        return [(homes[r], kinds[r]) for r in homes]


@dataclass(frozen=True)
class Mentions:
    """The rows of an input file: their ids in input order and the compared columns (None = missing)."""

    ids: list[str]
    frame: pd.DataFrame  # READ_COLUMNS that the file has, RangeIndex in input order
    delimiter: str
    registrations: Registrations | None = None  # with a registration_id column


@dataclass(frozen=True)
class LinkFileSummary:
    rows: int
    persons: int
    seconds: float
    model: str  # "trained on the file, seed 1", "the shipped model NAME" or "the model PATH"
    threshold: float

    def line(self) -> str:
        return (
            f"link_file: {self.rows:,} rows -> {self.persons:,} persons in {self.seconds:.1f} s "
            f"({self.model}; threshold match weight {self.threshold:g})"
        )


def _header_names(line: str, delimiter: str) -> list[str]:
    return [name.strip().lower() for name in next(csv.reader([line], delimiter=delimiter), [])]


def sniff_delimiter(header: str, sample: str) -> str:
    """`,` or `;`: the one that splits the header line into the most known column names; on a tie (a file
    with one column) Python's sniffer on the first lines decides, else `,`."""
    known = set(KNOWN_COLUMNS)
    counts = {d: len(known.intersection(_header_names(header, d))) for d in DELIMITERS}
    best = max(counts.values())
    winners = [d for d in DELIMITERS if counts[d] == best]
    if len(winners) == 1:
        return winners[0]
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return DELIMITERS[0]
    return found if found in DELIMITERS else DELIMITERS[0]


def _first_bad_line(path: Path) -> int:
    """The number of the first line that is not UTF-8 (for the error message)."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def _records(handle: io.TextIOBase, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(the line a record starts on, its cells); blank lines are skipped."""
    reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LinkFileError(f"line {start}: cannot read the cells ({exc})") from None
        if cells and any(cell.strip() for cell in cells):
            yield start, cells
        start = reader.line_num + 1


def read_mentions(path: str | Path) -> Mentions:
    """Read and check an input file. Raises `LinkFileError` naming the line(s) of: a missing `mention_id`
    column, a column named twice, an empty or a repeated `mention_id`, a row with more cells than the
    header, text that is not UTF-8."""
    path = Path(path)
    try:
        return _read(path)
    except UnicodeDecodeError:
        raise LinkFileError(
            f"line {_first_bad_line(path)}: the file is not UTF-8 text (save it as UTF-8 CSV)"
        ) from None
    except OSError as exc:
        raise LinkFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read(path: Path) -> Mentions:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        header_line = next((line for line in sample.splitlines() if line.strip()), "")
        if not header_line:
            raise LinkFileError("line 1: no header line (the file is empty)")
        delimiter = sniff_delimiter(header_line, sample)
        records = _records(handle, delimiter)
        first = next(records, None)
        if first is None:
            raise LinkFileError("line 1: no header line (the file is empty)")
        header_at, header = first
        names = [name.strip().lower() for name in header]
        position: dict[str, int] = {}
        for index, name in enumerate(names):
            if name in KNOWN_COLUMNS:
                if name in position:
                    raise LinkFileError(f"line {header_at}: the column {name} appears twice")
                position[name] = index
        if ID_COLUMN not in position:
            shown = ", ".join(n for n in names if n) or "none"
            raise LinkFileError(
                f"line {header_at}: no {ID_COLUMN} column (the header has: {shown}; "
                f"cells separated by {delimiter!r})"
            )
        _check_context_header(position, header_at)
        id_at = position[ID_COLUMN]
        context = [(name, position[name]) for name in CONTEXT_COLUMNS if name in position]
        if REGISTRATION_COLUMN not in position:
            context = []  # a role column alone says nothing: ignored as before
        cells_of: dict[str, list[str]] = {name: [] for name, _ in context}
        lines: list[int] = []
        wanted = [(name, position[name]) for name in READ_COLUMNS if name in position]
        columns: dict[str, list[str | None]] = {name: [] for name, _ in wanted}
        # One string object per distinct value and column: names, dates and places repeat a lot.
        shared: dict[str, dict[str, str]] = {name: {} for name, _ in wanted}
        shared_context: dict[str, str] = {}
        ids: list[str] = []
        first_line: dict[str, int] = {}
        problems: list[str] = []
        width = len(header)
        for line, cells in records:
            if len(cells) > width:
                problems.append(
                    f"line {line}: {len(cells)} cells, the header has {width} (a {delimiter!r} in a cell "
                    "that is not quoted?)"
                )
                continue
            mention_id = cells[id_at] if id_at < len(cells) else ""
            if not mention_id.strip():
                problems.append(f"line {line}: empty {ID_COLUMN}")
            elif mention_id in first_line:
                problems.append(
                    f"line {line}: {ID_COLUMN} {mention_id!r} also on line {first_line[mention_id]}"
                )
            else:
                first_line[mention_id] = line
            ids.append(mention_id)
            if context:
                lines.append(line)
                for name, index in context:
                    value = cells[index].strip() if index < len(cells) else ""
                    cells_of[name].append(shared_context.setdefault(value, value))
            for name, index in wanted:
                value = cells[index].strip() if index < len(cells) else ""
                columns[name].append(shared[name].setdefault(value, value) if value else None)
        del first_line, shared, shared_context
    _refuse(problems)
    registrations = _registrations(ids, lines, cells_of) if context else None
    if registrations is not None and not (registrations.of_row >= 0).any():
        registrations = None  # no row stands in a registration: as a file without the column, one pass
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(ids)), dtype=object)
    return Mentions(ids=ids, frame=frame, delimiter=delimiter, registrations=registrations)


def _refuse(problems: list[str]) -> None:
    if problems:
        more = len(problems) - MAX_PROBLEMS_SHOWN
        listed = problems[:MAX_PROBLEMS_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
        raise LinkFileError("; ".join(listed))


def _check_context_header(position: dict[str, int], line: int) -> None:
    """A relation names another mention of the same registration: without registration_id it has none."""
    named = [name for name in (RELATED_COLUMN, RELATION_COLUMN) if name in position]
    if named and REGISTRATION_COLUMN not in position:
        columns = (
            f"the columns {' and '.join(named)} need" if len(named) > 1 else f"the column {named[0]} needs"
        )
        raise LinkFileError(
            f"line {line}: {columns} a {REGISTRATION_COLUMN} column (which mentions stand in one "
            "registration)"
        )


def _code(value: str, codes: tuple[str, ...], spellings: dict[str, str]) -> str | None:
    """The exchange format's code a cell means (any case, `-` or a space for `_`, or a Dutch label), or
    None."""
    folded = " ".join(value.lower().split())
    code = folded.replace("-", "_").replace(" ", "_")
    if code in codes:
        return code
    return spellings.get(folded.replace(" ", "").replace("-", ""))


def _registrations(ids: list[str], lines: list[int], cells: dict[str, list[str]]) -> Registrations:
    """The registrations and relations of the optional columns, checked. Raises `LinkFileError` naming the
    line and column of: a role or relation that is not one of exchange format v1's, a relation or
    related_to on a row without registration_id, a related_to that names no mention of the file, the row
    itself or a mention of another registration, a related_to without a relation (or with another
    number of them), a relation without related_to whose other party cannot be told (no other suspect
    in the registration, and not exactly one other mention)."""
    count = len(ids)
    empty = [""] * count
    registration_cells = cells[REGISTRATION_COLUMN]
    role_cells, related_cells = cells.get(ROLE_COLUMN), cells.get(RELATED_COLUMN, empty)
    relation_cells = cells.get(RELATION_COLUMN, empty)
    number: dict[str, int] = {}
    of_row = np.array(
        [number.setdefault(cell, len(number)) if cell else -1 for cell in registration_cells], dtype=np.int64
    )
    members: dict[int, list[int]] = {}
    for row, registration in enumerate(of_row.tolist()):
        if registration >= 0:
            members.setdefault(registration, []).append(row)
    row_of: dict[str, int] = {}
    for row, mention_id in enumerate(ids):
        row_of.setdefault(mention_id, row)
        row_of.setdefault(mention_id.strip(), row)
    problems: list[str] = []
    roles: list[str | None] = [None] * count
    if role_cells is not None:
        for row, cell in enumerate(role_cells):
            if cell:
                roles[row] = _code(cell, ROLES, ROLE_SPELLINGS)
                if roles[row] is None:
                    problems.append(
                        f"line {lines[row]}, column {ROLE_COLUMN}: {cell!r} is not a role "
                        f"({', '.join(ROLES)})"
                    )
    relations: list[tuple[int, int, str]] = []
    for row in range(count):
        related, relation = related_cells[row], relation_cells[row]
        if not related and not relation:
            continue
        at = f"line {lines[row]}"
        registration = int(of_row[row])
        if registration < 0:
            problems.append(
                f"{at}, column {REGISTRATION_COLUMN}: empty, but the row names a relation "
                f"({RELATED_COLUMN} {related!r}, {RELATION_COLUMN} {relation!r})"
            )
            continue
        kinds = [part.strip() for part in relation.split(SEPARATOR)] if relation else []
        codes = [_code(kind, RELATIONS, RELATION_SPELLINGS) for kind in kinds]
        bad = [kind for kind, code in zip(kinds, codes, strict=True) if code is None]
        if bad:
            problems.append(
                f"{at}, column {RELATION_COLUMN}: {bad[0]!r} is not a relation ({', '.join(RELATIONS)})"
            )
            continue
        if related:
            others = [related] if related in row_of else [p.strip() for p in related.split(SEPARATOR)]
            if not codes:
                problems.append(
                    f"{at}, column {RELATION_COLUMN}: empty, but {RELATED_COLUMN} names {related!r} (say how "
                    "they relate; 'unknown' if it is not known)"
                )
                continue
            if len(codes) not in (1, len(others)):
                problems.append(
                    f"{at}, column {RELATION_COLUMN}: {len(codes)} relations for {len(others)} mentions in "
                    f"{RELATED_COLUMN} (give one for all, or one per mention)"
                )
                continue
            for other, code in zip(others, codes * len(others) if len(codes) == 1 else codes, strict=True):
                found = row_of.get(other)
                if found is None:
                    problems.append(f"{at}, column {RELATED_COLUMN}: no mention {other!r} in the file")
                elif found == row:
                    problems.append(f"{at}, column {RELATED_COLUMN}: {other!r} is this row's own mention")
                elif int(of_row[found]) != registration:
                    problems.append(
                        f"{at}, column {RELATED_COLUMN}: {other!r} (line {lines[found]}) stands in another "
                        f"registration ({registration_cells[found]!r}, this row {registration_cells[row]!r})"
                    )
                else:
                    relations.append((row, found, str(code)))
            continue
        # A relation without related_to: to the registration's suspects (`role`), or else to its one
        # other mention.
        if len(codes) != 1:
            problems.append(
                f"{at}, column {RELATION_COLUMN}: {len(codes)} relations and no {RELATED_COLUMN} (name the "
                "mentions they are to)"
            )
            continue
        rows = [r for r in members[registration] if r != row]
        suspects = [r for r in rows if roles[r] == SUSPECT]
        if suspects:
            relations += [(row, other, str(codes[0])) for other in suspects]
        elif len(rows) == 1:
            relations.append((row, rows[0], str(codes[0])))
        else:
            problems.append(
                f"{at}, column {RELATED_COLUMN}: empty, and registration {registration_cells[row]!r} has "
                f"no other mention with {ROLE_COLUMN} suspect and not exactly one other mention (name the "
                "mention the relation is to)"
            )
    _refuse(problems)
    return Registrations(of_row=of_row, relations=relations)


def load_link_model(path: str | Path) -> dict[str, Any]:
    """A model artefact of `batch.training.train` (what `save_model` writes), checked against the
    comparison spec."""
    try:
        model = load_model(path)
    except (OSError, ValueError) as exc:
        raise LinkFileError(f"cannot read the model {path}: {exc}") from None
    if not isinstance(model, dict) or model.get("format") != MODEL_FORMAT:
        raise LinkFileError(f"{path} is not a person model (format {MODEL_FORMAT}, as batch.train saves)")
    try:
        LinkModel(model)
    except (ValueError, KeyError) as exc:
        raise LinkFileError(f"the model {path} does not fit the comparison spec: {exc}") from None
    return model


def load_context(path: str | Path) -> ContextModel:
    """A relation term's file (`engine.context.ContextModel`, as `context.save` writes it)."""
    try:
        return ContextModel.from_file(path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LinkFileError(f"cannot read the relation term {path}: {exc}") from None


def _model_for(
    features: pd.DataFrame, seed: int, fallback_path: str | Path, note: Note
) -> tuple[dict[str, Any], str]:
    """Train on the features; the shipped model (with a note saying why) when that is impossible."""
    shipped = f"the shipped model {Path(fallback_path).name}"
    rows = len(features)
    if rows < MIN_TRAIN_ROWS:
        counted = "1 row is" if rows == 1 else f"{rows:,} rows are"
        note(f"link_file: {counted} too few to train on (at least {MIN_TRAIN_ROWS}): using {shipped}")
        return load_link_model(fallback_path), shipped
    try:
        model = train(features, seed)
        LinkModel(model)
    except MemoryError:
        raise
    except Exception as exc:  # Splink's EM and sampling fail in several ways on data with too few pairs
        reason = (str(exc).strip().splitlines() or [""])[0][:200]
        note(f"link_file: training on the file failed ({type(exc).__name__}: {reason}): using {shipped}")
        return load_link_model(fallback_path), shipped
    taken = model.get("training", {}).get("m_from_shipped_model") or []
    if taken:
        skipped = "; ".join(model["training"].get("em_skipped", []))
        note(f"link_file: EM refused ({skipped}): m of {', '.join(taken)} taken from {shipped}")
        return model, f"trained on the file, seed {seed}, m of {', '.join(taken)} from {shipped}"
    return model, f"trained on the file, seed {seed}"


def person_ids(clusters: Sequence[Any]) -> list[str]:
    """One person id per row, given each row's cluster (any value naming it): `P` + the cluster's number
    in order of first appearance, zero-padded to one width (P000001)."""
    number: dict[Any, int] = {}
    numbers = [number.setdefault(found, len(number) + 1) for found in clusters]
    width = max(6, len(str(len(number))))
    return [f"P{n:0{width}d}" for n in numbers]


def link_features(
    features: pd.DataFrame,
    *,
    seed: int,
    threshold: float,
    fallback_model: str | Path,
    model: dict[str, Any] | None = None,
    note: Note = lambda text: None,
    registrations: Registrations | None = None,
    context: ContextModel | None = None,
    estimate_context: bool = True,
) -> tuple[list[str], str]:
    """One person id per row of `features` (`batch.mentions.mentions_to_features`), and which model linked
    them: `model` if given, else one trained on the features, else the shipped `fallback_model`.

    With `registrations` (the file's optional columns) linked as the rebuild links the register: two
    mentions of one registration are never one person, and a second pass adds the relation term between
    the first pass's persons (`engine.context.second_pass_of`) and clusters again. The term is estimated
    on the file's first pass (`engine.context.estimate_on_first_pass`, as `link_persons --rebuild
    --retrain`) when the model was trained on the file and `estimate_context` holds, else `context` is
    used (the application's term, as a rebuild that does not retrain); with neither there is one pass."""
    used = "the given model"
    trained = False
    if model is None:
        model, used = _model_for(features, seed, fallback_model, note)
        trained = used.startswith("trained on the file")
    unique_ids = [str(uid) for uid in features["unique_id"]]
    if len(unique_ids) < 2:  # no pair to score
        return person_ids(unique_ids), used
    estimating = trained and estimate_context
    terms = None if estimating else context
    second = registrations is not None and (estimating or terms is not None)
    if registrations is not None and not second:
        note("link_file: no relation term (switched off): the relations are not used, one pass")
    elif second and terms is not None:
        note(f"link_file: second pass with the given relation term: {_weights(terms)}")
    # With the term, also the pairs it could lift over the threshold (not estimated yet: the most it can).
    lift = 0.0
    if second:
        lift = relation_context.ESTIMATED_MAX_WEIGHT if terms is None else max(terms.max_weight, 0.0)
    pairs = predict(features, model, threshold_match_weight=threshold - lift, explained=False)
    guards = guard_columns(features)
    if registrations is not None:  # two mentions of one registration are two people
        of_row = registrations.of_row
        left = of_row[pairs["unique_id_l"].astype(np.int64).to_numpy()]
        right = of_row[pairs["unique_id_r"].astype(np.int64).to_numpy()]
        pairs = pairs[(left < 0) | (left != right)].reset_index(drop=True)
    roots = cluster_rows(unique_ids, pairs, threshold, *guards)
    if not second or registrations is None:
        return person_ids(roots.tolist()), used
    roots = _second_pass(features, pairs, roots, registrations, model, terms, threshold, guards, note)
    return person_ids(roots.tolist()), used


def _weights(terms: ContextModel) -> str:
    shown = (relation_context.SAME_INTIMATE, relation_context.SAME_FAMILY, relation_context.NO_SHARED)
    return "; ".join(f"{name} {terms.weight(name):+.2f}" for name in shown)


def _second_pass(
    features: pd.DataFrame,
    pairs: pd.DataFrame,
    roots: np.ndarray,
    registrations: Registrations,
    model: dict[str, Any],
    terms: ContextModel | None,
    threshold: float,
    guards: tuple[np.ndarray, np.ndarray],
    note: Note,
) -> np.ndarray:
    """The rebuild's second pass on the first pass's persons (`roots`): the term estimated on them when
    `terms` is None, added to every pair between two of them, and the pairs clustered again."""
    unique_ids = [str(uid) for uid in features["unique_id"]]
    cluster_of = dict(zip(unique_ids, [unique_ids[root] for root in roots.tolist()], strict=True))
    related = registrations.related(features)
    if terms is None:
        surname_of = dict(zip(unique_ids, features["surname_first"], strict=True))
        estimated = relation_context.estimate_on_first_pass(
            related, cluster_of, surname_of, source=f"link_file of {len(unique_ids)} rows, its first pass"
        )
        del surname_of
        terms = ContextModel(estimated)
        note(f"link_file: second pass with the relation term estimated on the file: {_weights(terms)}")
    weighted = zip(
        pairs["unique_id_l"].astype(str), pairs["unique_id_r"].astype(str), pairs["match_weight"], strict=True
    )
    passed = relation_context.second_pass_of(
        weighted, cluster_of, related, terms, LinkModel(model), FeatureColumns.of_frame(features)
    )
    weights = np.fromiter((weight for weight, _ in passed), dtype=np.float64, count=len(pairs))
    del cluster_of, related
    lifted = pairs.assign(match_weight=weights)
    return cluster_rows(unique_ids, lifted, threshold, *guards)


def write_links(path: str | Path, mention_ids: list[str], person_ids: list[str]) -> None:
    """`mention_id,person_id` with a header, written to a temporary file beside `path` and renamed onto it,
    so that `path` is either the whole result or untouched."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([ID_COLUMN, "person_id"])
            writer.writerows(zip(mention_ids, person_ids, strict=True))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; the result is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check_output(source: Path, out: Path) -> None:
    directory = out.parent if str(out.parent) else Path(".")
    if not directory.is_dir():
        raise LinkFileError(f"cannot write {out}: the folder {directory} does not exist")
    if out.is_dir():
        raise LinkFileError(f"cannot write {out}: it is a folder")
    if not os.access(directory, os.W_OK):
        raise LinkFileError(f"cannot write {out}: the folder {directory} is not writable")
    if out.exists() and source.exists() and out.resolve() == source.resolve():
        raise LinkFileError(f"--out {out} is the input file")


def link_file(
    source: str | Path,
    out: str | Path,
    *,
    seed: int = 1,
    threshold: float = DEFAULT_THRESHOLD_MATCH_WEIGHT,
    model_path: str | Path | None = None,
    fallback_model: str | Path = DEFAULT_MODEL_PATH,
    context_path: str | Path | None = None,
    estimate_context: bool = True,
    note: Note = lambda text: None,
) -> LinkFileSummary:
    """Read `source`, link its rows, write `out`. Nothing is written when the input has an error.
    `context_path`: the relation term used when the file has relations and it is not estimated on the file
    (`estimate_context` false, or the model not trained on the file); None or "": none."""
    began = time.perf_counter()
    source, out = Path(source), Path(out)
    _check_output(source, out)
    model = load_link_model(model_path) if model_path is not None else None
    context = load_context(context_path) if context_path else None
    mentions = read_mentions(source)
    ids, registrations = mentions.ids, mentions.registrations
    # unique_id: the row number; the keys are built in DuckDB (`batch.prediction.predict`)
    features = mentions_to_features(mentions.frame, with_keys=False)
    del mentions  # the file's cells are not needed any more: only the features go on
    persons, used = link_features(
        features,
        seed=seed,
        threshold=threshold,
        fallback_model=fallback_model,
        model=model,
        note=note,
        registrations=registrations,
        context=context,
        estimate_context=estimate_context,
    )
    del features
    if model_path is not None:
        used = f"the model {model_path}"
    try:
        write_links(out, ids, persons)
    except OSError as exc:
        raise LinkFileError(f"cannot write {out}: {exc.strerror or exc}") from None
    return LinkFileSummary(
        rows=len(ids),
        persons=len(set(persons)),
        seconds=time.perf_counter() - began,
        model=used,
        threshold=threshold,
    )
