"""A person's dossier, scoped to what the user may see under the sharing rules: the queries here, the
counting in the pure `engine/dossier.py`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from ketenzicht.audit.access import refuse
from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.selectors import AUDIT_READER_ROLES, access_log_for_persons, access_log_named
from ketenzicht.linking.models import ReviewItem, ReviewStatus
from ketenzicht.linking.selectors import review_items_for_user
from ketenzicht.organisations.models import User
from ketenzicht.persons.models import Person
from ketenzicht.persons.selectors import person_list_names_for_user, persons_merged_from
from ketenzicht.registrations.models import (
    MentionRelation,
    MentionRole,
    Offence,
    PersonMention,
    Registration,
    RelationKind,
)
from ketenzicht.registrations.selectors import HiddenGroup, registration_sight_for_user
from ketenzicht.registrations.sharing import visibility_filter

from .engine.dossier import Companion, CountRow, DossierLine, Labels, dossier_facts
from .models import BreakGlassAccess
from .selectors import (
    PERSON_OBJECT,
    break_glass_active,
    may_open_dossier,
    may_search_persons,
    person_resolve,
)

_SOURCE_LABELS = dict(Registration._meta.get_field("source").choices or [])


@dataclass
class Dossier:
    person: Person
    lines: list[DossierLine]
    name: str  # the list name (registrations.names): the heading's
    names: list[str]
    birth_dates: list[str]
    totals: CountRow
    last_12_months: CountRow
    by_offence: list[CountRow]
    by_year: list[CountRow]
    by_source: list[CountRow]
    companions: list[Companion]
    access: list[AccessLogEntry]
    may_read_access: bool
    # Registrations of this person the user may not see: counted per organisation kind and police unit
    # (hit / no-hit), never named. Empty for the audit readers, who open a dossier for its access list.
    hidden: list[HiddenGroup] = field(default_factory=list)
    # A break-the-glass access that holds: every registration of the person is shown, none hidden.
    break_glass: BreakGlassAccess | None = None

    @property
    def hidden_total(self) -> int:
        return sum(group.count for group in self.hidden)


_LINE_FIELDS = (
    "id",
    "role",
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date_raw",
    "registration_id",
    "registration__source",
    "registration__reference",
    "registration__kind",
    "registration__occurred_at",
    "registration__registered_at",
    "link__probability",
    "link__method",
)


def _visible(user: User, *, purposed: bool, everything: bool = False) -> QuerySet[Registration]:
    if everything:  # break-the-glass: outside the sharing rules, logged as such by the caller
        return Registration.objects.all()
    condition = visibility_filter(user, purposed=purposed)
    if condition is None:
        return Registration.objects.none()
    return Registration.objects.filter(condition)


def _reviews(user: User, person: Person, visible_ids: QuerySet[Registration, Any]) -> dict[int, int | None]:
    """The person's mentions in the dossier whose link waits for a reviewer (an open review item), each
    with the most consequential of its items the user may open in the review queue (None: none, and the
    dossier links to none: the queue's own rules decide, `review_items_for_user`)."""
    waiting = list(
        ReviewItem.objects.filter(status=ReviewStatus.OPEN, mention__link__person=person)
        .filter(mention__registration__in=visible_ids)
        .exclude(mention__link__person_id=F("candidate__link__person_id"))  # answered: one person now
        .order_by("-priority", "pk")
        .values_list("mention_id", "pk")
    )
    if not waiting:
        return {}
    openable = set(
        review_items_for_user(user=user).filter(pk__in=[pk for _, pk in waiting]).values_list("pk", flat=True)
    )
    reviews: dict[int, int | None] = {}
    for mention_id, pk in waiting:
        if reviews.get(mention_id) is None:
            reviews[mention_id] = pk if pk in openable else None
    return reviews


def dossier_get_for_user(*, user: User, person_id: int, origin: str = "", purpose: str = "") -> Dossier:
    """The dossier of the person under this id (following merges) as `user` may see it. Raises NotVisible
    (logged as refused) alike when there is no such person, when the user's role opens no dossiers and
    when the user may see nothing of them. While the user's break-the-glass access to the person holds
    (and only under a purpose), every registration of the person is in it; `dossier.break_glass` says so."""
    dossier = None
    if may_open_dossier(user):
        try:
            person = person_resolve(person_id)
        except Person.DoesNotExist:
            person = None
        if person is not None:
            grant = break_glass_active(user=user, person_id=person.pk) if purpose else None
            dossier = dossier_for_user(user=user, person=person, purposed=bool(purpose), break_glass=grant)
    if dossier is None:
        raise refuse(
            actor=user, object_type=PERSON_OBJECT, object_id=person_id, origin=origin, purpose=purpose
        )
    return dossier


def dossier_for_user(
    *,
    user: User,
    person: Person,
    now: dt.datetime | None = None,
    purposed: bool = False,
    break_glass: BreakGlassAccess | None = None,
) -> Dossier | None:
    """Everything `user` may see of `person`, in a fixed number of queries however long the history.
    None when the user may see nothing of them (and reads no access log): `dossier_get_for_user` is the
    road that answers NotVisible then. `purposed`: opened under a stated purpose, logged with it (the
    sharing rules that need one apply: a police screener sees every unit's police registrations).
    `break_glass`: an access that holds, checked by the caller: every registration of the person."""
    may_read_access = user.has_role(*AUDIT_READER_ROLES)
    if not may_open_dossier(user):
        return None
    now = now or timezone.now()
    visible_ids = (
        _visible(user, purposed=purposed, everything=break_glass is not None)
        .filter(mentions__link__person=person)
        .values("pk")
    )
    # Values, not model instances: a long history is hundreds of rows, and instances cost most of the time.
    mentions = list(
        PersonMention.objects.filter(link__person=person, registration__in=visible_ids)
        .order_by("registration__occurred_at", "registration__registered_at", "id")
        .values_list(*_LINE_FIELDS)
    )
    if not mentions and not may_read_access:
        return None
    offences: dict[int, list[Offence]] = defaultdict(list)
    through = Registration.offences.through.objects.filter(registration_id__in=visible_ids)
    pairs = list(through.values_list("registration_id", "offence_id"))
    offence_of = Offence.objects.in_bulk({offence_id for _r, offence_id in pairs})
    for registration_id, offence_id in pairs:
        offences[registration_id].append(offence_of[offence_id])
    reviews = _reviews(user, person, visible_ids)
    others = list(
        PersonMention.objects.filter(registration__in=visible_ids)
        .exclude(link__person=person)
        .values_list(
            "pk", "registration_id", "role", "given_names", "surname_prefix", "surname", "link__person_id"
        )
    )
    relations = list(
        MentionRelation.objects.filter(registration__in=visible_ids).values_list(
            "from_mention_id", "to_mention_id", "kind"
        )
    )
    person_names = person_list_names_for_user(
        user=user,
        person_ids={o[6] for o in others if o[6] is not None},
        purposed=purposed,
        break_glass_person=person.pk if break_glass is not None else None,
    )
    facts = dossier_facts(
        person_names=person_names,
        mentions=mentions,
        offences=offences,
        reviews=reviews,
        others=others,
        relations=relations,
        labels=Labels(
            roles=dict(MentionRole.choices),
            relations=dict(RelationKind.choices),
            sources=_SOURCE_LABELS,
        ),
        now=now,
    )
    access = (
        access_log_named(access_log_for_persons(user=user, person_ids=persons_merged_from({person.pk}))[:200])
        if may_read_access
        else []
    )
    hidden: list[HiddenGroup] = []
    if may_search_persons(user) and break_glass is None:
        everything = Registration.objects.filter(mentions__link__person=person).values("pk")
        hidden = registration_sight_for_user(user=user, ids=everything, purposed=purposed).hidden_groups()
    return Dossier(
        person=person,
        lines=facts.lines,
        name=facts.name,
        names=facts.names,
        birth_dates=facts.birth_dates,
        totals=facts.totals,
        last_12_months=facts.last_12_months,
        by_offence=facts.by_offence,
        by_year=facts.by_year,
        by_source=facts.by_source,
        companions=facts.companions,
        access=access,
        may_read_access=may_read_access,
        hidden=hidden,
        break_glass=break_glass,
    )
