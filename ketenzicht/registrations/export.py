"""A stored registration written back in exchange format v1 (for the API and exports)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import PersonMention, Registration


def _mention(m: PersonMention) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": m.ref, "role": m.role, "surname": m.surname}
    for key in ("given_names", "surname_prefix", "sex", "bsn", "phone"):
        if getattr(m, key):
            out[key] = getattr(m, key)
    if m.birth_date_raw:
        out["birth_date"] = m.birth_date_raw
    if m.bsn:
        out["bsn_valid"] = bool(m.bsn_valid)
    address = {
        key: getattr(m, attr)
        for key, attr in (
            ("street", "street"),
            ("house_number", "house_number"),
            ("house_number_suffix", "house_number_suffix"),
            ("postcode", "postcode"),
            ("city", "city"),
            ("municipality", "address_municipality"),
        )
        if getattr(m, attr)
    }
    if address:
        out["address"] = address
    out.update({k: v for k, v in m.extra.items() if k not in out})
    return out


def registration_to_exchange(reg: Registration, *, with_relations: bool = True) -> dict[str, Any]:
    occurred: str | None = None
    if reg.occurred_at is not None:
        local = timezone.localtime(reg.occurred_at)
        occurred = local.date().isoformat() if reg.occurred_date_only else local.isoformat()
    out: dict[str, Any] = {
        "id": reg.pk,
        "source": reg.source,
        "reference": reg.reference,
        "kind": reg.kind,
        "occurred_at": occurred,
        "registered_at": timezone.localtime(reg.registered_at).isoformat(),
        "unit": reg.unit.code if reg.unit else None,
        "municipality": reg.municipality.code if reg.municipality else None,
        "offences": sorted(o.article for o in reg.offences.all()),
        "summary": reg.summary,
        "persons": [_mention(m) for m in reg.mentions.all()],
        "extra": reg.extra,
    }
    if with_relations:
        out["relations"] = [
            {"from": r.from_mention.ref, "to": r.to_mention.ref, "kind": r.kind} for r in reg.relations.all()
        ]
    return out
