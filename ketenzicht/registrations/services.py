"""Writes to the register. `registrations_create` (and `registration_create` for one) is the only way a
registration is stored; every channel reaches it through the intake pipeline (intake/pipeline.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.functions import Length
from pydantic import BaseModel, Field

from ketenzicht.audit.access import listed, read
from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record_many
from ketenzicht.db import ids_reserve, json_value, quoted_table, rows_insert
from ketenzicht.organisations.models import Municipality, Organisation, User
from ketenzicht.organisations.refdata import content_hash, record_version
from ketenzicht.organisations.roles import OrganisationKind

from .exchange import FieldError, KnownCodes, PersonIn, RegistrationIn, gettext_noop, parse_registration
from .models import MentionRelation, Offence, PersonMention, ReferenceCounter, Registration
from .purposes import LinkedPurpose
from .selectors import registration_get_for_user
from .sharing import visibility_filter

DATA_DIR = Path(__file__).resolve().parent / "data"


def reference_reserve(*, source: str, prefix: str, year: int) -> str:
    """A new reference in the register's numbering, "<prefix>-<year>-<number>" ("PL0600-2026-000012"),
    handed out once: its series' counter (`ReferenceCounter`) is raised in a transaction of its own, by one
    UPDATE that takes the row's lock and returns the number (`UPDATE ... RETURNING`), so two registrars
    asking at once wait for each other and get two numbers. A number no registration of `source` holds: a
    series starts above the highest number the register holds of it, and a number a feed or an import took
    meanwhile (one look-up by the register's key, source + reference) makes the series jump above the
    highest again. Searching the register's numbers only then keeps opening a form one look-up at a national
    register's size. A number not used (a form left) is a gap."""
    series = f"{prefix}-{year}-"
    with transaction.atomic():
        number = _counter_raise(series)
        created = number is None
        if number is None:
            # A new series: its counter, unless another registrar's opened it meanwhile; then raised alike.
            ReferenceCounter.objects.bulk_create([ReferenceCounter(series=series)], ignore_conflicts=True)
            number = _counter_raise(series)
            assert number is not None
        taken = Registration.objects.filter(source=source, reference=f"{series}{number:06d}").exists()
        if created or taken:
            highest = _highest_in_register(source, series)
            if highest >= number:
                number = highest + 1
                ReferenceCounter.objects.filter(series=series).update(last=number)
    return f"{series}{number:06d}"


def _counter_raise(series: str) -> int | None:
    """The series' counter raised by one, in one statement that locks its row: the number it now holds, or
    None when the series has no counter yet."""
    last, key = (connection.ops.quote_name(name) for name in ("last", "series"))
    table = quoted_table(ReferenceCounter)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE {key} = %s RETURNING {last}", [series])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _highest_in_register(source: str, series: str) -> int:
    """The highest number of `series` among the registrations of `source` in the register (six to nine
    digits after it), 0 when it holds none."""
    last = (
        Registration.objects.filter(
            source=source,
            reference__startswith=series,
            reference__regex=rf"^{re.escape(series)}[0-9]{{6,9}}$",
        )
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    return int(last[len(series) :]) if last else 0


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
    # organisation kind (= source) -> the reference prefixes of its organisations
    prefixes: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ReferenceCodes:
        prefixes: dict[str, set[str]] = {}
        for kind, prefix in Organisation.objects.exclude(reference_prefix="").values_list(
            "kind", "reference_prefix"
        ):
            prefixes.setdefault(kind, set()).add(prefix)
        return cls(
            units={o.code: o for o in Organisation.objects.filter(kind=OrganisationKind.POLITIE)},
            municipalities={
                m.code: m for m in Municipality.objects.select_related("vt_region", "district_office")
            },
            offences={o.article: o for o in Offence.objects.all()},
            prefixes={kind: frozenset(values) for kind, values in prefixes.items()},
        )

    def known(self) -> KnownCodes:
        return KnownCodes(
            units=frozenset(self.units),
            municipalities=frozenset(self.municipalities),
            offences=frozenset(self.offences),
            unit_prefixes={code: unit.reference_prefix for code, unit in self.units.items()},
            municipality_prefixes={
                code: {"veilig_thuis": m.vt_region.reference_prefix, "om": m.district_office.reference_prefix}
                for code, m in self.municipalities.items()
            },
            source_prefixes=self.prefixes,
        )


@dataclass(frozen=True)
class CreateResult:
    registration: Registration
    created: bool
    # True when the source + reference was known but this input differs from what was stored then.
    conflict: bool = False


def canonical_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _aware(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))


def registration_create(
    *,
    actor: User | None,
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
    outcome = registrations_create(actor=actor, items=[data], channel=channel, origin=origin, codes=codes)[0]
    if isinstance(outcome, RegistrationInvalid):
        raise outcome
    return outcome


def registrations_create(
    *,
    actor: User | None,
    items: Sequence[Any],
    channel: str,
    origin: str = "",
    codes: ReferenceCodes | None = None,
) -> list[CreateResult | RegistrationInvalid]:
    """`registration_create` for many registrations at once: one outcome per item, in order.

    Valid new registrations are written with a few bulk inserts in one transaction. Should the database
    refuse the batch (a value it cannot hold, or a concurrent import of the same reference), each item is
    stored on its own, so that one bad item costs only itself.
    """
    codes = codes or ReferenceCodes.load()
    known = codes.known()
    outcomes: list[CreateResult | RegistrationInvalid | None] = [None] * len(items)
    fresh: dict[tuple[str, str], _Pending] = {}
    repeats: list[tuple[int, tuple[str, str], str]] = []
    for index, data in enumerate(items):
        reg, errors = parse_registration(
            data, known, occurred_max_years=settings.KETENZICHT_OCCURRED_MAX_YEARS
        )
        if errors or reg is None:
            outcomes[index] = RegistrationInvalid(errors)
            continue
        key: tuple[str, str] = (reg.source, reg.reference)
        digest = canonical_hash(data)
        if key in fresh:
            repeats.append((index, key, digest))
        else:
            fresh[key] = _Pending(index, reg, digest)
    stored = _existing(list(fresh))
    hidden = _hidden_from(actor, stored)
    for key in list(fresh):
        if key in stored:
            pending = fresh.pop(key)
            outcomes[pending.index] = (
                _not_yours(pending.reg.reference)
                if key in hidden
                else CreateResult(stored[key], False, stored[key].content_hash != pending.digest)
            )
    if fresh:
        try:
            with transaction.atomic():
                created = _store_many(
                    list(fresh.values()), actor=actor, channel=channel, origin=origin, codes=codes
                )
        except DatabaseError:
            created = {}
            for pending in fresh.values():
                outcomes[pending.index] = _create_one(
                    pending, actor=actor, channel=channel, origin=origin, codes=codes
                )
        for pending in fresh.values():
            if pending.key in created:
                outcomes[pending.index] = CreateResult(created[pending.key], created=True)
    for index, key, digest in repeats:
        first = outcomes[fresh[key].index] if key in fresh else None
        registration = first.registration if isinstance(first, CreateResult) else stored.get(key)
        if key in hidden:
            outcomes[index] = _not_yours(key[1])
        elif registration is None:  # the first one could not be stored; this one fares the same
            outcomes[index] = first
        else:
            outcomes[index] = CreateResult(registration, False, registration.content_hash != digest)
    return [outcome for outcome in outcomes if outcome is not None]


@dataclass
class _Pending:
    index: int
    reg: RegistrationIn
    digest: str

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.reg.source), self.reg.reference)


def _existing(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Registration]:
    if not keys:
        return {}
    wanted = set(keys)
    rows = Registration.objects.filter(
        source__in={source for source, _ in keys}, reference__in={reference for _, reference in keys}
    )
    return {(r.source, r.reference): r for r in rows if (r.source, r.reference) in wanted}


def _create_one(
    pending: _Pending, *, actor: User | None, channel: str, origin: str, codes: ReferenceCodes
) -> CreateResult | RegistrationInvalid:
    """Store one registration in its own savepoint; a refusal of the database is this item's error."""
    try:
        with transaction.atomic():
            return CreateResult(
                _store_many([pending], actor=actor, channel=channel, origin=origin, codes=codes)[pending.key],
                created=True,
            )
    except IntegrityError:
        existing = _existing([pending.key]).get(pending.key)
        if existing is None:
            return _refused(pending)
        if _hidden_from(actor, {pending.key: existing}):
            return _not_yours(pending.reg.reference)
        return CreateResult(existing, created=False, conflict=existing.content_hash != pending.digest)
    except (DatabaseError, OverflowError):
        return _refused(pending)


def _hidden_from(actor: Any, stored: dict[tuple[str, str], Registration]) -> set[tuple[str, str]]:
    """The keys of stored registrations that `actor` may not see (the system, actor None, sees all)."""
    if actor is None or not stored:
        return set()
    grant = visibility_filter(actor)
    ids = {r.pk for r in stored.values()}
    visible = (
        set(Registration.objects.filter(grant, pk__in=ids).values_list("pk", flat=True)) if grant else set()
    )
    return {key for key, r in stored.items() if r.pk not in visible}


def _not_yours(reference: str) -> RegistrationInvalid:
    """A reference that is taken by a registration the actor may not see. Only a registration stored before
    references were checked against their unit can be one; the answer is a refusal like any bad reference."""
    return RegistrationInvalid(
        [
            FieldError.of(
                "reference",
                gettext_noop("'%(value)s' cannot be registered by your unit: ask functional management"),
                value=reference,
            )
        ]
    )


def _refused(pending: _Pending) -> RegistrationInvalid:
    return RegistrationInvalid(
        [FieldError.of("(registration)", gettext_noop("the database could not store this registration"))]
    )


def registration_of(
    reg: RegistrationIn,
    codes: ReferenceCodes,
    *,
    content_hash: str,
    channel: str,
    created_by: User | None = None,
) -> Registration:
    """The (unsaved) Registration of a validated exchange registration."""
    occurred, date_only = reg.occurred()
    return Registration(
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
        content_hash=content_hash,
        channel=channel,
        created_by=created_by,
    )


def _store_many(
    pending: list[_Pending], *, actor: User | None, channel: str, origin: str, codes: ReferenceCodes
) -> dict[tuple[str, str], Registration]:
    """Insert registrations with their offences, mentions, relations and access-log entries, in bulk."""
    created_by = actor if getattr(actor, "pk", None) else None
    registrations = []
    for item in pending:
        registrations.append(
            registration_of(item.reg, codes, content_hash=item.digest, channel=channel, created_by=created_by)
        )
    Registration.objects.bulk_create(registrations)
    # The offences, mentions and relations as plain rows (COPY on PostgreSQL for a bulk batch): no model
    # instance for each, and the mentions' keys taken first, so that the relations can name them.
    offence_rows: list[tuple[int, int]] = []
    mention_rows: list[tuple[Any, ...]] = []
    relation_rows: list[tuple[int, int, int, str]] = []
    mention_ids = iter(ids_reserve(PersonMention, sum(len(item.reg.persons) for item in pending)))
    for item, registration in zip(pending, registrations, strict=True):
        offence_rows += [(registration.pk, codes.offences[a].pk) for a in item.reg.offences]
        by_ref: dict[str, int] = {}
        for person in item.reg.persons:
            by_ref[person.ref] = next(mention_ids)
            mention_rows.append(_mention_row(by_ref[person.ref], registration.pk, person))
        relation_rows += [
            (registration.pk, by_ref[r.from_], by_ref[r.to], r.kind) for r in item.reg.relations
        ]
    rows_insert(quoted_table(Registration.offences.through), ("registration_id", "offence_id"), offence_rows)
    rows_insert(quoted_table(PersonMention), MENTION_COLUMNS, mention_rows)
    rows_insert(
        quoted_table(MentionRelation),
        ("registration_id", "from_mention_id", "to_mention_id", "kind"),
        relation_rows,
    )
    access_log_record_many(
        actor=actor,
        action=Action.CREATE,
        object_type="registration",
        result=Result.STORED,
        origin=origin or channel,
        objects=[(r.pk, {"source": r.source, "reference": r.reference}) for r in registrations],
    )
    return {(r.source, r.reference): r for r in registrations}


MENTION_COLUMNS = (
    "id",
    "registration_id",
    "ref",
    "role",
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date_raw",
    "birth_year",
    "birth_month",
    "birth_day",
    "sex",
    "bsn",
    "bsn_valid",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
    "address_municipality",
    "phone",
    "extra",
)


def _mention_row(pk: int, registration_id: int, person: PersonIn) -> tuple[Any, ...]:
    """A mention's row in MENTION_COLUMNS order, its JSON as the database at hand takes it."""
    birth = person.birth()
    address = person.address
    extra = {
        **(person.model_extra or {}),
        **({"address": address.model_extra} if address and address.model_extra else {}),
    }
    return (
        pk,
        registration_id,
        person.ref,
        person.role,
        person.given_names,
        person.surname_prefix,
        person.surname,
        person.birth_date,
        birth.year if birth else None,
        birth.month if birth else None,
        birth.day if birth else None,
        person.sex,
        person.bsn,
        person.bsn_passes_check(),
        address.street if address else "",
        address.house_number if address else "",
        address.house_number_suffix if address else "",
        address.postcode if address else "",
        address.city if address else "",
        address.municipality if address else "",
        person.phone,
        json_value(extra),
    )


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


def _persons_mentioned(registrations: Sequence[Registration]) -> list[int]:
    """The persons the registrations' mentions are linked to, for the access log (one query). Linking sits
    above the register, so this follows its link by name (`link`, MentionLink) rather than importing it."""
    if not registrations:
        return []
    linked = PersonMention.objects.filter(registration__in=[r.pk for r in registrations], link__isnull=False)
    return list(linked.values_list("link__person_id", flat=True).distinct())


def registration_open(
    *, user: User, pk: int, origin: str, purpose: LinkedPurpose | None = None
) -> Registration:
    """One registration for `user`, with the look-up in the access log (shown or refused). Under a
    `purpose` (checked by whoever made it: `registrations.purposes`) the sharing rules that need one apply
    too, and the log entry holds it. A purpose with `break_glass` (a grant that holds) reaches the
    registrations of that person outside the sharing rules; its detail flags the entry.

    Raises NotVisible for missing and forbidden alike.
    """
    stated = purpose.log if purpose else ""
    outside = purpose.break_glass if purpose else None
    registration = registration_get_for_user(
        user=user,
        pk=pk,
        origin=origin,
        purpose=stated,
        purposed=purpose is not None,
        break_glass_person=outside.person_id if outside else None,
    )
    with transaction.atomic():
        read(
            actor=user,
            object_type="registration",
            object_id=pk,
            origin=origin,
            purpose=stated,
            detail=dict(purpose.detail) if purpose else None,
            persons=_persons_mentioned([registration]),
        )
    return registration


def registration_list_logged(
    *,
    user: User,
    origin: str,
    detail: dict[str, Any],
    refused: bool = False,
    shown: Sequence[Registration] = (),
    purpose: str = "",
) -> None:
    """Record that `user` was shown a list of registrations (or refused one: no sharing rule grants any),
    with the persons mentioned in those `shown`, and the purpose it was shown under, if any."""
    listed(
        actor=user,
        object_type="registration",
        origin=origin,
        purpose=purpose,
        detail=detail,
        persons=_persons_mentioned(shown),
        refused=refused,
    )
