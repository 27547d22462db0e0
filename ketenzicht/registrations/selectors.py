"""Reads of the register, always scoped to the user. Missing and forbidden look the same."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ketenzicht.organisations.models import User

from .models import MentionRelation, PersonMention, Registration
from .sharing import visibility_filter


def registration_list_for_user(*, user: User) -> QuerySet[Registration]:
    condition = visibility_filter(user)
    if condition is None:
        return Registration.objects.none()
    return (
        Registration.objects.filter(condition)
        .select_related("unit", "municipality")
        .prefetch_related("offences", Prefetch("mentions", queryset=PersonMention.objects.order_by("id")))
    )


def registration_get_for_user(*, user: User, pk: int) -> Registration:
    """Raises Registration.DoesNotExist both when it does not exist and when the user may not see it."""
    return (
        registration_list_for_user(user=user)
        .prefetch_related(
            Prefetch(
                "relations",
                queryset=MentionRelation.objects.select_related("from_mention", "to_mention"),
            )
        )
        .get(pk=pk)
    )
