"""Many mentions normalised at once, column by column (the batch, a rebuild): `normalise_columns` normalises
each distinct value as written once per group of `normalise._GROUPS` and gathers the columns with numpy,
the names in a forked second process for a large batch (`processes_for`); `FeatureColumns` holds the
result without an object per mention.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from itertools import pairwise
from multiprocessing.connection import Connection
from typing import Any, overload

import numpy as np

from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS, MentionFeatures
from ketenzicht.linking.engine.normalise import _GROUPS, _LIST_COLUMNS


def normalise_columns(
    unique_ids: Sequence[str],
    columns: Mapping[str, Sequence[str | None]],
    *,
    shared_lists: bool = False,
    arrays: bool = False,
    processes: int = 1,
) -> dict[str, Any]:
    """The features of many mentions as columns (`FEATURE_COLUMNS`, each a list in the order of
    `unique_ids`): for mention i, exactly the values `normalise_mention(unique_ids[i], **{name:
    columns[name][i]})` gives (tests/linking/test_normalise.py holds the two together). `columns` holds
    the keyword arguments of `normalise_mention` (a missing one is None throughout). Group by group
    (`_GROUPS`): each distinct value as written (a surname with its prefix, a postcode with its house
    number, a BSN, ...) is normalised once, and each column is gathered from the distinct values' results
    by numpy, so that a million mentions cost no normalisation and no object each (the batch). The
    memoisation of the normalisations alone held only the last 131,072 values of each kind, fewer than a
    register's distinct BSNs, addresses and phone numbers.
    `shared_lists`: the list columns (surname and given-name keys) hold the normalisation's cached tuple,
    one object for every mention of the same name, instead of a list of each mention's own (three lists
    per mention, some 300 MB at a million mentions); for a holder that makes lists as it hands out a
    mention (`FeatureColumns`).
    `arrays`: each column a numpy array of objects instead of a list (a frame takes the array as it is;
    from a list it would first copy every value into such an array).
    `processes`: 2 normalises the names in a second process (forked) while this one does the rest
    (`_IN_SECOND_PROCESS`); `processes_for` says when that pays."""
    count = len(unique_ids)

    def values(name: str) -> Sequence[str | None]:
        found = columns.get(name)
        if found is None:
            return [None] * count
        if len(found) != count:
            raise ValueError(f"column {name!r} has {len(found)} values for {count} mentions")
        return found

    result: dict[str, Any] = {"unique_id": _objects(unique_ids)}
    inputs = [[values(f) for f in fields] for _, fields, _ in _GROUPS]
    for (names, _, _), (codes, groups) in zip(_GROUPS, _normalised_groups(inputs, processes), strict=True):
        for index, name in enumerate(names):
            column = _gathered([group[index] for group in groups], codes)
            if name in _LIST_COLUMNS and not shared_lists:
                column = np.fromiter(map(list, column), dtype=object, count=count)
            result[name] = column
    for name in FEATURE_COLUMNS:
        result.setdefault(name, np.full(count, None, dtype=object))
    return {name: result[name] if arrays else result[name].tolist() for name in FEATURE_COLUMNS}


# Normalising a million mentions takes about 15 s in one process, half of it the names (surnames and given
# names, each distinct one by one in Python), the other half the BSNs, dates, addresses and phone numbers.
# With two processes the names go to the second (forked: it reads the columns without a copy, and sends
# back only each row's number and the distinct names' results) while the first does the rest.
_IN_SECOND_PROCESS = tuple(
    g for g, (names, _, _) in enumerate(_GROUPS) if names[0] in ("surname", "given_first")
)
_SECOND_PROCESS_FROM = 100_000  # mentions: below, the fork costs more than it saves


def _can_fork() -> bool:
    """Whether this process can fork a second: the machine has the fork start method, and this process
    may have children (a daemonic worker may not)."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def processes_for(count: int) -> int:
    """How many processes `normalise_columns` should use for `count` mentions: 2 for a large batch on a
    machine that has a second core, when this process can fork (`_can_fork`), else 1."""
    return 2 if count >= _SECOND_PROCESS_FROM and (os.cpu_count() or 1) > 1 and _can_fork() else 1


Normalised = tuple[np.ndarray, list[tuple[Any, ...]]]


def _normalised(group: int, columns: Sequence[Sequence[str | None]]) -> Normalised:
    """Group `group` of `_GROUPS` over the columns of its fields: each row's number, and the normalisation
    of each distinct row in the order of the numbers."""
    codes, distinct = _distinct(columns)
    normalise = _GROUPS[group][2]
    return codes, [normalise(*written) for written in distinct]


def _normalised_groups(inputs: list[list[Sequence[str | None]]], processes: int) -> list[Normalised]:
    """`_normalised` of every group (`inputs[g]`: the columns of group g's fields), in one process or, with
    `processes` 2 where this process can fork, the groups of `_IN_SECOND_PROCESS` in a second one. When
    the second process dies without an answer (killed, out of memory), its groups are done here; when
    this one fails, the second is stopped."""
    everything = range(len(_GROUPS))
    if processes < 2 or not _can_fork():
        return [_normalised(group, inputs[group]) for group in everything]
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    second = context.Process(target=_send_normalised, args=(sending, receiving, inputs), daemon=True)
    second.start()
    sending.close()
    try:
        done = {g: _normalised(g, inputs[g]) for g in everything if g not in _IN_SECOND_PROCESS}
        try:
            answer = receiving.recv()
        except EOFError:
            answer = [_normalised(g, inputs[g]) for g in _IN_SECOND_PROCESS]
    except BaseException:  # failed here (or interrupted): the second's answer is no longer wanted
        second.kill()
        raise
    finally:
        receiving.close()
        second.join()
    if isinstance(answer, str):
        raise RuntimeError(f"normalising the names in the second process failed:\n{answer}")
    done.update(zip(_IN_SECOND_PROCESS, answer, strict=True))
    return [done[group] for group in everything]


def _send_normalised(
    sending: Connection, receiving: Connection, inputs: list[list[Sequence[str | None]]]
) -> None:
    """The second process: the groups of `_IN_SECOND_PROCESS`, sent back (or the error, as text). It
    closes its copy of the receiving end first: else, with the first process failed and gone from the
    pipe, a large answer would wait for a reader forever."""
    receiving.close()
    try:
        answer: list[Normalised] | str = [_normalised(g, inputs[g]) for g in _IN_SECOND_PROCESS]
    except Exception:
        answer = traceback.format_exc()
    with suppress(BrokenPipeError):  # the first process failed in its own groups and no longer listens
        sending.send(answer)
    sending.close()


def _objects(values: Sequence[Any]) -> np.ndarray:
    """The values as a one-dimensional numpy array of objects (a tuple stays one item)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    return np.fromiter(values, dtype=object, count=len(values))


def _distinct(columns: Sequence[Sequence[str | None]]) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Each row's number (an array, in the order of the rows) and the distinct rows of the columns as
    tuples, in the order of their numbers (first seen first)."""
    numbers: dict[tuple[Any, ...], int] = {}
    codes = np.fromiter(
        (numbers.setdefault(row, len(numbers)) for row in zip(*columns, strict=True)),
        dtype=np.intp,
        count=len(columns[0]),
    )
    return codes, list(numbers)


def _gathered(distinct: list[Any], codes: np.ndarray) -> np.ndarray:
    """The column whose row i is `distinct[codes[i]]`: the very objects (a tuple too), gathered by numpy."""
    held = np.fromiter(distinct, dtype=object, count=len(distinct))  # a tuple stays one item
    gathered: np.ndarray = held[codes]
    return gathered


class FeatureColumns(Sequence[MentionFeatures]):
    """The features of many mentions held as the columns `normalise_columns` gives, in the order of the
    mentions: a MentionFeatures is made only for the mention read (by index, by its unique id with `of`,
    or one at a time when iterating), so that a rebuild of a million mentions holds no object per mention
    (`columns` also makes the batch's frame without one). The unique ids must be integers, ascending (a
    rebuild's mention ids), for `of`. A column is any sequence (a list, or a frame's array: `of_frame`);
    a list column may hold tuples (`normalise_columns(shared_lists=True)`): each mention read gets lists
    of its own, never the column's objects."""

    def __init__(self, columns: Mapping[str, Sequence[Any]]) -> None:
        self.columns = {name: columns[name] for name in FEATURE_COLUMNS}
        self._in_order = tuple(self.columns.values())
        self._lists = tuple(i for i, name in enumerate(FEATURE_COLUMNS) if name in _LIST_COLUMNS)
        # Number columns held as numpy numbers (a frame of `batch.mentions_to_features` without keys:
        # pandas makes an integer column int64, or float with a gap as NaN): read back as int and None.
        self._numeric = tuple(
            i
            for i, column in enumerate(self._in_order)
            if isinstance(column, np.ndarray) and column.dtype.kind in "fiu"
        )
        self._numbers = [int(u) for u in self.columns["unique_id"]]
        if any(a >= b for a, b in pairwise(self._numbers)):
            raise ValueError("the unique ids of FeatureColumns must be ascending integers")

    @classmethod
    def of_frame(cls, frame: Any) -> FeatureColumns:
        """The columns of a frame of the features (`batch.frame.columns_frame`, or
        `batch.mentions_to_features` without keys), its own arrays: no second copy of each column beside
        the frame."""
        return cls({name: frame[name].to_numpy() for name in FEATURE_COLUMNS})

    def _values(self, row: Iterable[Any]) -> list[Any]:
        """One mention's values in the order of FEATURE_COLUMNS, each list column a list of its own."""
        values = list(row)
        for index in self._lists:
            values[index] = list(values[index])
        for index in self._numeric:
            number = values[index]
            values[index] = None if number != number else int(number)  # NaN is not equal to itself
        return values

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> MentionFeatures: ...

    @overload
    def __getitem__(self, index: slice) -> list[MentionFeatures]: ...

    def __getitem__(self, index: int | slice) -> MentionFeatures | list[MentionFeatures]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return MentionFeatures(*self._values(column[index] for column in self._in_order))

    def __iter__(self) -> Iterator[MentionFeatures]:
        for row in zip(*self._in_order, strict=True):
            yield MentionFeatures(*self._values(row))

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each mention's features as a row, as its `MentionFeatures.as_row()` (lists of its own), in
        order, without making the MentionFeatures (a rebuild compares a million with what is stored)."""
        for row in zip(*self._in_order, strict=True):
            yield dict(zip(FEATURE_COLUMNS, self._values(row), strict=True))

    def of(self, unique_id: str) -> MentionFeatures:
        """The features of the mention with this unique id (KeyError when there is none)."""
        number = int(unique_id)
        index = bisect_left(self._numbers, number)
        if index == len(self._numbers) or self._numbers[index] != number:
            raise KeyError(unique_id)
        return self[index]
