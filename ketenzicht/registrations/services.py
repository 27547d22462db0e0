"""Writes to the register. `registration_create` is the only way a registration is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from pydantic import BaseModel, Field

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import Municipality, Organisation
from ketenzicht.organisations.refdata import content_hash, record_version
from ketenzicht.organisations.roles import OrganisationKind

from .exchange import FieldError, KnownCodes, RegistrationIn, parse_registration
from .models import MentionRelation, Offence, PersonMention, Registration

DATA_DIR = Path(__file__).resolve().parent / "data"


class RegistrationInvalid(Exception):
    """The input breaks a rule of exchange format v1; nothing was stored."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass
class ReferenceCodes:
    """Reference data looked up once and reused for many registrations (the bulk import)."""

    units: dict[str, Organisation]
    municipalities: dict[str, Municipality]
    offences: dict[str, Offence]

    @classmethod
    def load(cls) -> ReferenceCodes:
        return cls(
            units={o.code: o for o in Organisation.objects.filter(kind=OrganisationKind.POLITIE)},
            municipalities={m.code: m for m in Municipality.objects.all()},
            offences={o.article: o for o in Offence.objects.all()},
        )

    def known(self) -> KnownCodes:
        return KnownCodes(frozenset(self.units), frozenset(self.municipalities), frozenset(self.offences))


@dataclass(frozen=True)
class CreateResult:
    registration: Registration
    created: bool
    # True when the source + reference was known but this input differs from what was stored then.
    conflict: bool = False


def canonical_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def registration_validate(data: Any, codes: ReferenceCodes) -> RegistrationIn:
    reg, errors = parse_registration(data, codes.known())
    if errors:
        raise RegistrationInvalid(errors)
    assert reg is not None
    return reg


def _aware(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))


def registration_create(
    *,
    actor: Any,
    data: Any,
    channel: str,
    origin: str = "",
    codes: ReferenceCodes | None = None,
) -> CreateResult:
    """Validate one exchange-format registration and store it, all or nothing.

    Idempotent on `source` + `reference`: a known pair returns the stored registration unchanged.
    Raises `RegistrationInvalid` naming every bad field. The create is written to the access log in the
    same transaction.
    """
    codes = codes or ReferenceCodes.load()
    reg = registration_validate(data, codes)
    digest = canonical_hash(data)
    existing = Registration.objects.filter(source=reg.source, reference=reg.reference).first()
    if existing is not None:
        return CreateResult(existing, created=False, conflict=existing.content_hash != digest)
    try:
        with transaction.atomic():
            registration = _store(reg, digest=digest, actor=actor, channel=channel, codes=codes)
            access_log_record(
                actor=actor,
                action=Action.CREATE,
                object_type="registration",
                object_id=registration.pk,
                result=Result.STORED,
                origin=origin or channel,
                detail={"source": reg.source, "reference": reg.reference},
            )
    except IntegrityError:
        # Another process stored the same source + reference a moment ago.
        existing = Registration.objects.filter(source=reg.source, reference=reg.reference).first()
        if existing is None:
            raise
        return CreateResult(existing, created=False, conflict=existing.content_hash != digest)
    return CreateResult(registration, created=True)


def _store(
    reg: RegistrationIn, *, digest: str, actor: Any, channel: str, codes: ReferenceCodes
) -> Registration:
    occurred, date_only = reg.occurred()
    registration = Registration.objects.create(
        source=reg.source,
        reference=reg.reference,
        kind=reg.kind,
        occurred_at=_aware(occurred) if occurred is not None else None,
        occurred_date_only=date_only,
        registered_at=reg.registered(),
        unit=codes.units.get(reg.unit) if reg.unit else None,
        municipality=codes.municipalities.get(reg.municipality) if reg.municipality else None,
        summary=reg.summary,
        extra=dict(reg.model_extra or {}),
        content_hash=digest,
        channel=channel,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if reg.offences:
        through = Registration.offences.through
        through.objects.bulk_create(
            [through(registration_id=registration.pk, offence_id=codes.offences[a].pk) for a in reg.offences]
        )
    mentions = []
    for person in reg.persons:
        birth = person.birth()
        address = person.address
        mentions.append(
            PersonMention(
                registration=registration,
                ref=person.ref,
                role=person.role,
                given_names=person.given_names,
                surname_prefix=person.surname_prefix,
                surname=person.surname,
                birth_date_raw=person.birth_date,
                birth_year=birth.year if birth else None,
                birth_month=birth.month if birth else None,
                birth_day=birth.day if birth else None,
                sex=person.sex,
                bsn=person.bsn,
                bsn_valid=person.bsn_passes_check(),
                street=address.street if address else "",
                house_number=address.house_number if address else "",
                house_number_suffix=address.house_number_suffix if address else "",
                postcode=address.postcode if address else "",
                city=address.city if address else "",
                address_municipality=address.municipality if address else "",
                phone=person.phone,
                extra={
                    **(person.model_extra or {}),
                    **({"address": address.model_extra} if address and address.model_extra else {}),
                },
            )
        )
    PersonMention.objects.bulk_create(mentions)
    by_ref = {m.ref: m for m in mentions}
    if reg.relations:
        MentionRelation.objects.bulk_create(
            [
                MentionRelation(
                    registration=registration,
                    from_mention=by_ref[r.from_],
                    to_mention=by_ref[r.to],
                    kind=r.kind,
                )
                for r in reg.relations
            ]
        )
    return registration


class _OffenceRow(BaseModel):
    article: str = Field(pattern=r"^\d+[a-z]{0,2}$")
    label_nl: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    severity_rank: int = Field(ge=1, le=10)
    violence: bool = False
    measure_breach: bool = False


class _OffenceFile(BaseModel):
    dataset: str
    version: str
    offences: list[_OffenceRow]


@transaction.atomic
def reference_data_load_offences(*, path: Path = DATA_DIR / "offences.yaml") -> tuple[str, int, bool]:
    """Load the offences reference data; returns (version, count, changed)."""
    parsed = _OffenceFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    for row in parsed.offences:
        Offence.objects.update_or_create(article=row.article, defaults=row.model_dump(exclude={"article"}))
    changed = record_version("offences", parsed.version, content_hash(path))
    return parsed.version, len(parsed.offences), changed


def registration_open(*, user: Any, pk: int, origin: str) -> Registration:
    """One registration for `user`, with the look-up in the access log (shown or refused).

    Raises Registration.DoesNotExist for missing and forbidden alike.
    """
    from .selectors import registration_get_for_user

    try:
        registration = registration_get_for_user(user=user, pk=pk)
    except Registration.DoesNotExist:
        with transaction.atomic():
            access_log_record(
                actor=user,
                action=Action.VIEW,
                object_type="registration",
                object_id=pk,
                result=Result.REFUSED,
                origin=origin,
            )
        raise
    with transaction.atomic():
        access_log_record(
            actor=user,
            action=Action.VIEW,
            object_type="registration",
            object_id=pk,
            result=Result.SHOWN,
            origin=origin,
        )
    return registration


def registration_list_logged(
    *, user: Any, origin: str, detail: dict[str, Any], refused: bool = False
) -> None:
    """Record that `user` was shown a list of registrations (or refused one: no sharing rule grants any)."""
    with transaction.atomic():
        access_log_record(
            actor=user,
            action=Action.LIST,
            object_type="registration",
            result=Result.REFUSED if refused else Result.SHOWN,
            origin=origin,
            detail=detail,
        )
