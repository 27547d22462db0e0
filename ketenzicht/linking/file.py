"""Link a CSV file of person mentions on its own: the evaluation entry point behind `manage.py link_file`.

The file has a header line with `mention_id`, the person fields of exchange format v1 (`given_names`,
`surname_prefix`, `surname`, `birth_date`, `sex`, `bsn`, `phone`) and the address fields flattened (`street`,
`house_number`, `house_number_suffix`, `postcode`, `city`), in any order; other columns are ignored, an empty
cell is a missing value. UTF-8 with or without a byte-order mark; `,` or `;` between cells (read from the
header line); cells may be quoted. The result is `mention_id,person_id`, one line per input row in input
order, `person_id` being `P` and the number of the person in order of first appearance (`P000001`, ...).

Linking is the batch linker's (`ketenzicht.linking.batch`): train on the file itself (seeded), predict,
cluster at a match weight, never joining two different valid BSNs. When the file is too small to train on,
or training fails (Splink's u sampling and EM need pairs), the shipped model is used and a note says so.
No Django and no database here: the command passes the shipped model's path in.
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
from typing import Any

import pandas as pd

from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH, load_model
from ketenzicht.linking.batch.clustering import DEFAULT_THRESHOLD_MATCH_WEIGHT, cluster_rows, guard_columns
from ketenzicht.linking.batch.mentions import MENTION_FIELDS, mentions_to_features
from ketenzicht.linking.batch.prediction import predict
from ketenzicht.linking.batch.training import train
from ketenzicht.linking.engine.model import MODEL_FORMAT, LinkModel

ID_COLUMN = "mention_id"
PERSON_COLUMNS = ("given_names", "surname_prefix", "surname", "birth_date", "sex", "bsn", "phone")
ADDRESS_COLUMNS = ("street", "house_number", "house_number_suffix", "postcode", "city")
FIELD_COLUMNS = PERSON_COLUMNS + ADDRESS_COLUMNS
# The columns the engine compares (`batch.mentions.MENTION_FIELDS`); the others are accepted and not kept in
# memory (`house_number_suffix`: the engine compares the house number's digits only).
READ_COLUMNS = tuple(c for c in FIELD_COLUMNS if c in MENTION_FIELDS)
DELIMITERS = (",", ";")
# Below this many rows the file is not trained on: u by random sampling and m by EM need many pairs, and
# on a few hundred mentions Splink's EM may fail outright (an m that underflows to 0).
MIN_TRAIN_ROWS = 200
MAX_PROBLEMS_SHOWN = 10

Note = Callable[[str], None]


class LinkFileError(ValueError):
    """The input cannot be linked as it is (the message names the line), or the output cannot be written."""


@dataclass(frozen=True)
class Mentions:
    """The rows of an input file: their ids in input order and the compared columns (None = missing)."""

    ids: list[str]
    frame: pd.DataFrame  # READ_COLUMNS that the file has, RangeIndex in input order
    delimiter: str


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
    known = {ID_COLUMN, *FIELD_COLUMNS}
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
            if name in (ID_COLUMN, *FIELD_COLUMNS):
                if name in position:
                    raise LinkFileError(f"line {header_at}: the column {name} appears twice")
                position[name] = index
        if ID_COLUMN not in position:
            shown = ", ".join(n for n in names if n) or "none"
            raise LinkFileError(
                f"line {header_at}: no {ID_COLUMN} column (the header has: {shown}; "
                f"cells separated by {delimiter!r})"
            )
        id_at = position[ID_COLUMN]
        wanted = [(name, position[name]) for name in READ_COLUMNS if name in position]
        columns: dict[str, list[str | None]] = {name: [] for name, _ in wanted}
        # One string object per distinct value and column: names, dates and places repeat a lot.
        shared: dict[str, dict[str, str]] = {name: {} for name, _ in wanted}
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
            for name, index in wanted:
                value = cells[index].strip() if index < len(cells) else ""
                columns[name].append(shared[name].setdefault(value, value) if value else None)
        del first_line, shared
    if problems:
        more = len(problems) - MAX_PROBLEMS_SHOWN
        listed = problems[:MAX_PROBLEMS_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
        raise LinkFileError("; ".join(listed))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(ids)), dtype=object)
    return Mentions(ids=ids, frame=frame, delimiter=delimiter)


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
) -> tuple[list[str], str]:
    """One person id per row of `features` (`batch.mentions.mentions_to_features`), and which model linked
    them: `model` if given, else one trained on the features, else the shipped `fallback_model`."""
    used = "the given model"
    if model is None:
        model, used = _model_for(features, seed, fallback_model, note)
    unique_ids = [str(uid) for uid in features["unique_id"]]
    if len(unique_ids) < 2:  # no pair to score
        return person_ids(unique_ids), used
    pairs = predict(features, model, threshold_match_weight=threshold, explained=False)
    roots = cluster_rows(unique_ids, pairs, threshold, *guard_columns(features))
    return person_ids(roots.tolist()), used


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
    note: Note = lambda text: None,
) -> LinkFileSummary:
    """Read `source`, link its rows, write `out`. Nothing is written when the input has an error."""
    began = time.perf_counter()
    source, out = Path(source), Path(out)
    _check_output(source, out)
    model = load_link_model(model_path) if model_path is not None else None
    mentions = read_mentions(source)
    ids = mentions.ids
    # unique_id: the row number; the keys are built in DuckDB (`batch.prediction.predict`)
    features = mentions_to_features(mentions.frame, with_keys=False)
    del mentions  # the file's cells are not needed any more: only the features go on
    persons, used = link_features(
        features, seed=seed, threshold=threshold, fallback_model=fallback_model, model=model, note=note
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
