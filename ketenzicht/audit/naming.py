"""What a logged object is called on the access log's pages. An entry stores its object by type and id (a
registration by its primary key, as it was when written); a privacy officer knows a registration by its
reference ("PL0600-2026-000012"). The app that owns a kind of object registers how to name it, in its
AppConfig.ready: audit sits at the bottom of the layers and imports none of the apps above it, and the
append-only entries stay as they were written (old entries are named the same way, no migration).

An object that cannot be named (gone, never there: a refused look-up of a made-up id, or a type nobody
names) keeps its id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

# The ids of one object type, as the log stores them (text) -> the name of each that has one.
Namer = Callable[[Collection[str]], Mapping[str, str]]
# A name as typed into the log's filter -> the ids of the objects of that type so named.
Finder = Callable[[str], Collection[str]]

_NAMERS: dict[str, Namer] = {}
_FINDERS: dict[str, Finder] = {}


def object_naming_register(object_type: str, namer: Namer, finder: Finder | None = None) -> None:
    """Name the logged objects of `object_type` with `namer` (one call per page, all its ids at once);
    `finder`: find them by that name too, in the log's filter on the object."""
    _NAMERS[object_type] = namer
    if finder is not None:
        _FINDERS[object_type] = finder


def object_names(objects: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The names of these (object type, id) pairs, one call per type; those without a name left out."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for object_type, object_id in objects:
        if object_id and object_type in _NAMERS:
            wanted[object_type].add(object_id)
    return {
        (object_type, object_id): name
        for object_type, ids in wanted.items()
        for object_id, name in _NAMERS[object_type](ids).items()
    }


def object_ids_named(text: str, object_type: str = "") -> dict[str, list[str]]:
    """Per object type (only `object_type` when given), the ids of the objects named `text`."""
    types = [object_type] if object_type else list(_FINDERS)
    found = {t: sorted(_FINDERS[t](text)) for t in types if t in _FINDERS}
    return {t: ids for t, ids in found.items() if ids}


def by_field(model: Any, field: str) -> tuple[Namer, Finder]:
    """A namer and a finder for objects logged by their primary key and known by one field of `model` (a
    case by its reference "Z2026-000080", a measure by "MR2026-000001"). For an app's AppConfig.ready."""

    def namer(ids: Collection[str]) -> dict[str, str]:
        numbers = [int(i) for i in ids if i.isdigit()]
        return {
            str(pk): str(name) for pk, name in model.objects.filter(pk__in=numbers).values_list("pk", field)
        }

    def finder(text: str) -> list[str]:
        return [str(pk) for pk in model.objects.filter(**{field: text.strip()}).values_list("pk", flat=True)]

    return namer, finder


def finder_of_names(namer: Namer, candidates: Callable[[], Iterable[Any]]) -> Finder:
    """A finder for a kind with few objects (posts, users, tokens): the ids whose name, as `namer` gives
    it, is the text typed (case and spaces aside). `candidates`: every id of the kind."""

    def finder(text: str) -> list[str]:
        wanted = " ".join(text.split()).casefold()
        if not wanted:
            return []
        names = namer([str(i) for i in candidates()])
        return [i for i, name in names.items() if " ".join(name.split()).casefold() == wanted]

    return finder


# The persons a name (and a date of birth) typed into the log's person filter names, for the user reading the
# log: (person id, name, year of birth or None) each, best first. Raises ValueError with a message for the
# field when the text is no search. Registered by the app that searches persons (dossiers); it logs the
# search itself, with its purpose.
PersonFinder = Callable[[Any, str, str], list[tuple[int, str, int | None]]]
_PERSON_FINDER: list[PersonFinder] = []


def person_finder_register(finder: PersonFinder) -> None:
    """Find persons by name for the log's person filter with `finder` (one, the person search's)."""
    _PERSON_FINDER[:] = [finder]


def persons_named(user: Any, text: str, origin: str) -> list[tuple[int, str, int | None]]:
    """The persons `text` names for `user`, as the registered person search finds them ([] without one)."""
    return _PERSON_FINDER[0](user, text, origin) if _PERSON_FINDER else []
