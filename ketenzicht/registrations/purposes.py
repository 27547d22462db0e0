"""The purpose a link to a registration carries. A registration of another police unit is shown only under
a stated purpose (a sharing rule with `needs_purpose`): the dossier and the case page link to it with their
purpose in a query parameter (`?persoon=<id>` from a dossier, `?zaak=<id>` from a case), and the registration
page reads it under that purpose, logged with it.

The register sits at the bottom and knows neither dossiers nor cases: the app above that owns a parameter
registers how to read it in its AppConfig.ready() (`linked_purpose_register`). A parameter that does not
check out (a case the user may not open, a registration that is not the case's) carries no purpose: the
page then answers as without one, the one 404 for another unit's registration.

During a break-the-glass grant (dossiers) the purpose also carries `break_glass`: the person whose
registrations the grant opens outside the sharing rules. `registration_get_for_user` then reaches that
person's registrations too, and no other; the entry's detail says `break_glass: true` with the grant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class OutsideRules:
    """A break-the-glass grant that holds (checked by whoever made it): the registrations of `person_id`
    are read outside the sharing rules, read-only, under a banner."""

    person_id: int
    grant: int
    reason: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class LinkedPurpose:
    """A checked purpose for reading one registration."""

    log: str  # as the access log's purpose column holds it ("case PL0600-Z-000012", "screening: ...")
    detail: dict[str, Any] = field(default_factory=dict)  # added to the log entry's detail
    break_glass: OutsideRules | None = None


# (request, registration id, the parameter's value) -> the purpose, or None when it does not check out.
Resolver = Callable[[HttpRequest, int, str], LinkedPurpose | None]

_RESOLVERS: dict[str, Resolver] = {}
# The API's parameter for a registration read under the caller's break-the-glass grant (`?person=<id>`);
# the dossiers app registers its resolver.
BREAK_GLASS_PARAM = "person"


def linked_purpose_register(param: str, resolver: Resolver) -> None:
    """Read `?<param>=` on a registration page with `resolver`."""
    _RESOLVERS[param] = resolver


def linked_purpose(
    request: HttpRequest, registration_id: int, *, params: Iterable[str] | None = None
) -> LinkedPurpose | None:
    """The purpose the request's link carries for this registration, or None. `params`: read only these
    parameters (the API reads only the break-the-glass one)."""
    wanted = None if params is None else set(params)
    for param, resolver in _RESOLVERS.items():
        if wanted is not None and param not in wanted:
            continue
        value = request.GET.get(param)
        if value:
            return resolver(request, registration_id, value)
    return None
