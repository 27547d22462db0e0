"""What a police hand-off tells Veilig Thuis (need to know: these facts of the police case and nothing else
of it): the urgency, the risk screening's level and instrument, whether there are indications of stalking,
the safety plan agreed with the victim, and whom to call at the police. Kept on the notification as handed
over (`Notification.handovers`), so that a later change of the police case does not change what Veilig
Thuis was told; shown on the notification's page and written in its history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop, pgettext

from ketenzicht.screening.models import Screening
from ketenzicht.screening.receivers import case_urgency
from ketenzicht.ui.formats import in_installation_language, versioned
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.definition import Definition
from ketenzicht.workprocesses.labels import data_text, value_label
from ketenzicht.workprocesses.models import Case, Handoff

# The police case's values that are handed over, by the name Veilig Thuis keeps them under.
STALKING_FIELD = "stalking_indication"
SAFETY_PLAN_FIELD = "safety_agreements"
LEVEL_FIELD = "screening_level"
# How a hand-off's history line names its police case (first, then "; " and what it told).
POLICE_CASE_WORDS = gettext_noop("Police case %(case)s")


def _choice_words(definition: Definition, name: str, value: str) -> str:
    """A choice as the police's process file words it (translated when shown)."""
    spec = definition.fields.get(name)
    return str(spec.choices.get(value, value)) if spec is not None and spec.choices else value


def handover_told(handoff: Handoff, police_case: Case) -> dict[str, Any]:
    """What this hand-off tells Veilig Thuis, as of the moment it was made (its snapshot of the case's
    values, the screening that counted then)."""
    data: Mapping[str, Any] = handoff.detail.get("data") or {}
    definition = definition_of(police_case.process_version)
    told: dict[str, Any] = {
        "handoff": handoff.pk,
        "at": handoff.created_at.isoformat(),
        "police_case": police_case.reference,
        "police": police_case.organisation.name,
    }
    urgency, _source = case_urgency(dict(data))
    if urgency:
        told["urgency"] = urgency
    level = str(data.get(LEVEL_FIELD) or "")
    if level:
        told["level"] = level
        screening = (
            Screening.objects.filter(
                case_id=police_case.pk,
                level=level,
                recorded_at__lte=handoff.created_at,
                status__in=[Screening.Status.RECORDED, Screening.Status.DECLINED],
            )
            .select_related("instrument")
            .order_by("-recorded_at", "-id")
            .first()
        )
        if screening is not None:
            told["instrument"] = screening.instrument.name
            told["instrument_version"] = screening.instrument.version
    stalking = str(data.get(STALKING_FIELD) or "")
    if stalking:
        told["stalking"] = _choice_words(definition, STALKING_FIELD, stalking)
    plan = str(data.get(SAFETY_PLAN_FIELD) or "").strip()
    if plan:
        told["safety_plan"] = plan
    contact = police_case.owner or handoff.created_by
    if contact is not None:
        told["contact"] = contact.display_name
        if contact.email:
            told["contact_email"] = contact.email
    reason = str(handoff.detail.get("reason") or "").strip()
    if reason:
        told["reason"] = reason
    return told


def handover_rows(told: Mapping[str, Any], vt_definition: Definition) -> list[tuple[str, str]]:
    """What a hand-off told, as (label, value) in the reader's language, in a fixed order."""
    rows: list[tuple[str, str]] = []
    if told.get("urgency"):
        rows.append(
            (gettext("Urgency"), value_label(vt_definition, "urgency_provisional", told["urgency"])[1])
        )
    if told.get("level"):
        level = value_label(vt_definition, LEVEL_FIELD, told["level"])[1]
        if told.get("instrument"):
            instrument = versioned(str(told["instrument"]), told.get("instrument_version") or "")
            level = gettext("%(level)s (%(instrument)s)") % {"level": level, "instrument": instrument}
        rows.append((gettext("Level of the risk screening"), level))
    if told.get("stalking"):
        rows.append((gettext("Indications of stalking"), data_text(str(told["stalking"]))))
    rows.append((gettext("Safety plan with the victim"), str(told.get("safety_plan") or "—")))
    if told.get("contact"):
        contact = gettext("%(name)s, %(police)s") % {
            "name": told["contact"],
            "police": told.get("police", ""),
        }
        if told.get("contact_email"):
            contact = f"{contact} ({told['contact_email']})"
        rows.append((pgettext("police", "Contact"), contact))
    if told.get("reason"):
        rows.append((gettext("Reason"), str(told["reason"])))
    return rows


def handover_text(told: Mapping[str, Any], vt_definition: Definition) -> str:
    """The history's words for what a hand-off told, in the installation's language (a record)."""
    return in_installation_language(lazy(_handover_words, str)(told, vt_definition))


def _handover_words(told: Mapping[str, Any], vt_definition: Definition) -> str:
    """What a hand-off told in one line, in the active language."""
    rows = handover_rows(told, vt_definition)
    police = gettext(POLICE_CASE_WORDS) % {"case": told.get("police_case", "")}
    return "; ".join([police, *(f"{label}: {value.strip().rstrip('.')}" for label, value in rows)])


def handover_note_unnamed(note: str, police_case: str) -> str:
    """A hand-off's history line (`handover_text`, as written) without its police case, for a reader who
    may not be told of it: what the police told stays; "" when the line names the case otherwise than as
    written here (then nothing of it is shown)."""
    named = in_installation_language(POLICE_CASE_WORDS, case=police_case)
    rest = note.replace(f"{named}; ", "", 1) if note.startswith(f"{named}; ") else note.replace(named, "", 1)
    return "" if police_case in rest else rest.strip()
