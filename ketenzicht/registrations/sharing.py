"""Sharing rules as data: which organisation and role sees, or may register, which registrations."""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from django.db.models import Exists, OuterRef, Q
from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from ketenzicht.organisations.models import Municipality, Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role

from .models import Disclosure, Source

RULES_PATH = Path(__file__).resolve().parent / "data" / "sharing_rules.yaml"

Scope = Literal["own_unit", "own_vt_region", "own_district_office", "national", "disclosed"]


class SharingRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    organisation_kind: OrganisationKind
    roles: list[Role] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    scope: Scope
    # Only for a look-up under a stated purpose (a search, a dossier, a case, a registration opened from
    # one of those): `visibility_filter(user, purposed=True)`.
    needs_purpose: StrictBool = False
    # Only with scope `disclosed`: the disclosures the rule honours, by their purpose (a ZSM file, a breach
    # of a protective measure); without it, every disclosure to the organisation.
    disclosure_purposes: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _disclosure_purposes_need_the_disclosed_scope(self) -> SharingRule:
        if self.disclosure_purposes is not None and self.scope != "disclosed":
            raise ValueError(f"{self.name}: disclosure_purposes go with scope disclosed only")
        return self

    def applies_to(self, user: User, *, purposed: bool = False) -> bool:
        org = user.organisation
        return (
            user.is_active
            and org is not None
            and self.applies_to_readers(org.kind, user.role_codes, purposed=purposed)
        )

    def applies_to_readers(self, kind: str, roles: Collection[str], *, purposed: bool = False) -> bool:
        """Whether the rule grants users of an organisation of `kind` holding one of `roles`."""
        if self.needs_purpose and not purposed:
            return False
        return kind == self.organisation_kind and bool(set(self.roles).intersection(roles))

    def q(self, user: User) -> Q:
        org = user.organisation
        assert org is not None
        return self.q_for(org)

    def q_for(self, org: Organisation) -> Q:
        """The registrations the rule grants the users of `org` it applies to."""
        sources = Q(source__in=[s.value for s in self.sources])
        if self.scope == "own_unit":
            return sources & Q(unit=org)
        if self.scope == "own_vt_region":
            return sources & Q(municipality__vt_region=org)
        if self.scope == "own_district_office":
            return sources & Q(municipality__district_office=org)
        if self.scope == "disclosed":
            standing = Disclosure.objects.filter(
                registration_id=OuterRef("pk"), organisation_id=org.pk, ended_at__isnull=True
            )
            if self.disclosure_purposes is not None:
                standing = standing.filter(purpose__in=self.disclosure_purposes)
            return sources & Q(Exists(standing))
        return sources

    def permits(self, user: User, source: str, unit_code: str, municipality_code: str = "") -> bool:
        """For registering: may this user register for this source, unit and municipality? A Veilig Thuis
        organisation registers for the municipalities it serves (so its registrations name one)."""
        org = user.organisation
        if org is None or source not in self.sources:
            return False
        if self.scope == "own_unit":
            return unit_code == org.code
        if self.scope == "own_vt_region":
            return Municipality.objects.filter(code=municipality_code, vt_region=org).exists()
        return self.scope == "national"


class CountRule(BaseModel):
    """Of the registrations a user of `organisation_kind` may not see, those of `sources` are counted
    (hit / no-hit, never named); any other is not mentioned at all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organisation_kind: OrganisationKind
    sources: list[Source] = Field(min_length=1)


class SharingRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: Literal["sharing_rules"]
    version: str
    counted: list[CountRule] = Field(default_factory=list)
    see: list[SharingRule]
    create: list[SharingRule]
    content_hash: str = ""

    @model_validator(mode="after")
    def _registering_needs_no_purpose(self) -> SharingRules:
        wrong = [rule.name for rule in self.create if rule.needs_purpose]
        if wrong:
            raise ValueError(f"create rules take no needs_purpose: {', '.join(wrong)}")
        return self


@functools.cache
def sharing_rules(path: Path = RULES_PATH) -> SharingRules:
    raw = path.read_bytes()
    rules = SharingRules.model_validate(yaml.safe_load(raw))
    return rules.model_copy(update={"content_hash": hashlib.sha256(raw).hexdigest()})


def _any_of(grants: list[Q]) -> Q | None:
    """The registrations any of `grants` lets see, as one filter (None: no grant)."""
    return functools.reduce(operator.or_, grants) if grants else None


def visibility_filter(user: User, *, purposed: bool = False) -> Q | None:
    """The registrations `user` may see, as one filter; None when the user may see none. `purposed`: the
    look-up happens under a stated purpose (logged with it), so the rules that need one apply too."""
    grants = [rule.q(user) for rule in sharing_rules().see if rule.applies_to(user, purposed=purposed)]
    return _any_of(grants)


def readers_visibility_filter(organisation: Organisation, roles: Collection[str]) -> Q | None:
    """The registrations every user of `organisation` holding one of `roles` may see without a stated
    purpose, as one filter (None: none). For what a desk computes once for all its readers (the triage of
    a ZSM file, read by the prosecutors of its district office); a user's own look-up reads
    `visibility_filter`."""
    grants = [
        rule.q_for(organisation)
        for rule in sharing_rules().see
        if rule.applies_to_readers(organisation.kind, roles)
    ]
    return _any_of(grants)


def counted_sources(user: User) -> frozenset[str]:
    """The sources whose registrations `user` may not see are still counted for them (the rules'
    `counted`); a hidden registration of any other source is not mentioned to them, not even as a number."""
    org = user.organisation
    if not user.is_active or org is None:
        return frozenset()
    return counted_sources_of(org.kind)


def counted_sources_of(kind: str) -> frozenset[str]:
    """The sources counted for the users of an organisation of `kind` (the rules' `counted`)."""
    return frozenset(
        source.value
        for rule in sharing_rules().counted
        if rule.organisation_kind == kind
        for source in rule.sources
    )


@dataclass(frozen=True)
class KindSight:
    """Which registrations the users of one organisation kind holding some roles may see or are counted, as
    far as a registration's source and police unit decide it: the ground an instrument of that kind (the
    police's pattern signals) may rest on. `anywhere`: every registration of these sources (the rules'
    `counted`, or a `see` rule of scope national, with or without a purpose); `own_unit`: those of these
    sources made for a unit of this kind (scope own_unit: some user's own unit, e.g. Veilig Thuis's report
    to the police). `left_out`: the names of the kind's `see` rules whose scope depends on more than that
    (a region, a district office, a disclosure); what only they open is left out, never let in."""

    kind: str
    anywhere: frozenset[str]
    own_unit: frozenset[str]
    left_out: tuple[str, ...]

    def admits(self, source: str, unit_kind: str | None) -> bool:
        """Whether a registration of `source`, made for a unit of `unit_kind` (None: no unit), is in sight."""
        return source in self.anywhere or (source in self.own_unit and unit_kind == self.kind)


def kind_sight(kind: str, roles: Iterable[str]) -> KindSight:
    """The registrations users of `kind` holding one of `roles` may see (under any rule of `see`, with a
    purpose too) or are counted (`counted`), per source and unit: see `KindSight`."""
    wanted = set(roles)
    rules = sharing_rules()
    anywhere = {s.value for rule in rules.counted if rule.organisation_kind == kind for s in rule.sources}
    own_unit: set[str] = set()
    left_out: list[str] = []
    for rule in rules.see:
        if rule.organisation_kind != kind or not wanted & {role.value for role in rule.roles}:
            continue
        sources = {source.value for source in rule.sources}
        if rule.scope == "national":
            anywhere |= sources
        elif rule.scope == "own_unit":
            own_unit |= sources
        else:
            left_out.append(rule.name)
    return KindSight(kind, frozenset(anywhere), frozenset(own_unit - anywhere), tuple(left_out))


def may_see_registrations(user: User, *, purposed: bool = False) -> bool:
    return visibility_filter(user, purposed=purposed) is not None


def may_register(
    user: User, *, source: str | None = None, unit_code: str | None = None, municipality_code: str = ""
) -> bool:
    """With no source given: may this user register anything at all."""
    rules = [rule for rule in sharing_rules().create if rule.applies_to(user)]
    if source is None:
        return bool(rules)
    return any(rule.permits(user, source, unit_code or "", municipality_code) for rule in rules)
