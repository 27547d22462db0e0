"""Reads of the access log, for privacy officers and functional administrators."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat, Trim
from django.utils.translation import gettext

from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import SYSTEM_ACTOR, organisation_names, people_names

from .labels import ACTION_LABELS, NAME_SAYS_KIND
from .models import AccessLogEntry, AccessLogPerson, Action
from .naming import object_ids_named, object_names

AUDIT_READER_ROLES = (Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN)


def access_log_for_object(*, user: User, object_type: str, object_id: str) -> QuerySet[AccessLogEntry]:
    if not user.has_role(*AUDIT_READER_ROLES):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.filter(object_type=object_type, object_id=object_id)


def access_log_list_for_user(*, user: User) -> QuerySet[AccessLogEntry]:
    if not user.has_role(*AUDIT_READER_ROLES):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.all()


def access_log_for_persons(*, user: User, person_ids: Iterable[int]) -> QuerySet[AccessLogEntry]:
    """Every entry that concerned one of these persons: dossier views and search hits, and the signals,
    registrations and review items that showed them. Pass a person with the ids merged into it."""
    if not user.has_role(*AUDIT_READER_ROLES):
        return AccessLogEntry.objects.none()
    concerned = AccessLogPerson.objects.filter(person_id__in=list(person_ids)).values("entry_id")
    return AccessLogEntry.objects.filter(pk__in=concerned)


def access_log_last_id() -> int:
    """The id of the log's newest entry (0 for an empty log): where the log stood before an entry to come."""
    return AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def access_log_person_counts(person_ids: Iterable[int], *, upto: int | None = None) -> dict[int, int]:
    """How many entries concern each of these persons (their rows in the log), for the candidates of the
    log's person filter; with `upto`, only the entries up to that id (the log as it stood before the search
    that found them: the search's own entry concerns each of them, and is not counted)."""
    concerning = AccessLogPerson.objects.filter(person_id__in=list(person_ids))
    if upto is not None:
        concerning = concerning.filter(entry_id__lte=upto)
    rows = (
        concerning.values("person_id")
        .annotate(n=Count("entry_id", distinct=True))
        .values_list("person_id", "n")
    )
    return dict(rows)


def access_log_by_actor(entries: QuerySet[AccessLogEntry], text: str) -> QuerySet[AccessLogEntry]:
    """The entries of the user `text` names, as a privacy officer knows them: by username, first name, last
    name or full name, case-insensitive, however many spaces were typed; "Ketenzicht" names the system (the
    page shows it so). A user is found by the names they have now, the log keeps the username of its time."""
    wanted = " ".join(text.split())
    if not wanted:
        return entries
    full_name = Trim(Concat("first_name", Value(" "), "last_name"))
    named = User.objects.annotate(full_name=full_name).filter(
        Q(username__iexact=wanted)
        | Q(first_name__iexact=wanted)
        | Q(last_name__iexact=wanted)
        | Q(full_name__iexact=wanted)
    )
    usernames = list(named.values_list("username", flat=True))
    if wanted.casefold() == gettext("Ketenzicht").casefold():
        usernames.append(SYSTEM_ACTOR)
    return entries.filter(
        Q(actor_username__iexact=wanted)
        | Q(actor_username__in=usernames)
        | Q(actor_id__in=named.values("pk"))
    )


def access_log_by_object(
    entries: QuerySet[AccessLogEntry], text: str, object_type: str = ""
) -> QuerySet[AccessLogEntry]:
    """The entries of the object `text` names: by the id the log stores, or by the name the page shows
    for it (a registration's reference, `naming.py`); `object_type`: of that type only."""
    if object_type:
        entries = entries.filter(object_type=object_type)
    wanted = text.strip()
    if not wanted:
        return entries
    condition = Q(object_id=wanted)
    for named_type, ids in object_ids_named(wanted, object_type).items():
        condition |= Q(object_type=named_type, object_id__in=ids)
    return entries.filter(condition)


def access_log_named(entries: Iterable[AccessLogEntry]) -> list[AccessLogEntry]:
    """The entries, each with `actor_name`, `organisation_name` and `object_name` for a page: the log
    stores the username, the organisation's code and the object's id as they were, a page names the
    people, the organisations and the objects (a registration by its reference, `naming.py`; an object
    without a name by its id)."""
    rows = list(entries)
    users = people_names({e.actor_username for e in rows})
    organisations = organisation_names({e.organisation_code for e in rows})
    objects = object_names((e.object_type, e.object_id) for e in rows)
    for e in rows:
        e.actor_name = users.get(e.actor_username, e.actor_username)  # type: ignore[attr-defined]
        e.organisation_name = organisations.get(e.organisation_code, e.organisation_code)  # type: ignore[attr-defined]
        e.object_name = objects.get((e.object_type, e.object_id), e.object_id)  # type: ignore[attr-defined]
        # A name that says its kind itself ("Beoordeling PL… ↔ PL…") is shown without the kind's word.
        e.name_says_kind = e.object_type in NAME_SAYS_KIND and (e.object_type, e.object_id) in objects  # type: ignore[attr-defined]
    return rows


def action_choices() -> list[tuple[str, str]]:
    """Every action an entry can have, for the log's filter: the model's choices, then the desks' own."""
    extra = [(code, str(label)) for code, label in ACTION_LABELS.items() if code not in Action.values]
    return [(code, str(label)) for code, label in Action.choices] + sorted(extra, key=lambda c: c[1])
