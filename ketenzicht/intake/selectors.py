"""Reads of the intake: the registration a form was stored as, and what its registrar may be told of what
the pipeline did with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ketenzicht.dossiers.selectors import may_search_persons
from ketenzicht.linking.models import LinkMethod
from ketenzicht.linking.online import LinkOutcome
from ketenzicht.organisations.models import User
from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.ui.formats import person_number

from .models import FormSubmission


def form_registration_for_user(*, user: User, token: str) -> Registration | None:
    """The registration `user` stored with the form of `token`, or None while it is not stored."""
    submission = (
        FormSubmission.objects.filter(user=user, token=token, registration__isnull=False)
        .select_related("registration")
        .first()
    )
    return submission.registration if submission is not None else None


@dataclass(frozen=True)
class MentionLinked:
    """What linking did with one person of a registration just stored: `ref` as the form numbers its
    persons (p1, p2, ...), the name as typed, the person it is now (its number), whether that person was
    known before, and whether a reviewer still looks at it."""

    ref: str
    name: str
    person: str
    known: bool
    review: bool


def mentions_linked_for_user(
    *, user: User, registration: Registration, links: Iterable[LinkOutcome]
) -> list[MentionLinked]:
    """Per person of `registration` (which `user` just stored), in the form's order, what linking did; empty
    for a user who may not search persons (Veilig Thuis asks the police whether a person is known: "known",
    a person number or a review would tell it)."""
    outcomes = list(links)
    if not outcomes or not may_search_persons(user):
        return []
    # A person made new in this registration (a second mention of them here is linked to it) was not known.
    new = {o.person_id for o in outcomes if o.method == LinkMethod.NEW}
    mentions = PersonMention.objects.filter(
        registration=registration, pk__in=[o.mention_id for o in outcomes]
    ).in_bulk()
    rows = [
        MentionLinked(
            ref=mentions[o.mention_id].ref,
            name=mentions[o.mention_id].display_name,
            person=person_number(o.person_id),
            known=o.method == LinkMethod.ONLINE and o.person_id not in new,
            review=o.reviews > 0,
        )
        for o in outcomes
        if o.mention_id in mentions
    ]
    return sorted(rows, key=lambda row: (len(row.ref), row.ref))
