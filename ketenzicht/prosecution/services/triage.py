"""Triage: the file's suggested route (fast-track or regular) refreshed, and the prosecutor's choice."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import (
    case_take,
)

from ..engine.triage import Triage, TriageFacts, triage
from ..facts import Counts, counts_for_user, triage_facts
from ..models import ZsmFile
from ..rules import triage_rules
from .names import FileRefused


def _kept(found: Triage) -> dict[str, Any]:
    return {
        "route": found.route,
        "danger": found.danger,
        "reasons": [reason.code for reason in found.reasons],
        "version": found.rules_version,
        "facts": found.facts,
    }


def triage_refresh(file: ZsmFile) -> dict[str, Any]:
    """Compute the file's triage from what it knows now and keep it on the file (shown with its reasons).
    Its counted facts are counted over what the file's readers, the prosecutors of its district office,
    may see or count (`facts.counts_for_readers`): the route and its reasons rest on nothing they may not
    see (docs/decisions/0013-zsm-triage-over-what-its-readers-see.md)."""
    file.triage = _kept(triage(triage_facts(file), triage_rules()))
    ZsmFile.objects.filter(pk=file.pk).update(triage=file.triage)
    return dict(file.triage)


def triages_check() -> list[ZsmFile]:
    """Compute again the kept triage of every open file kept under other rules than the shipped ones (their
    version and content stamp, `TriageRules.fingerprint`): so the desk's list suggests no route that rests
    on a version's way of counting since replaced (e.g. over the whole register, before 2026.12.3). The
    files computed again. Safe to repeat. Run by `manage.py zsm_requests_check`."""
    current = triage_rules().fingerprint
    found = [
        file
        for file in ZsmFile.objects.filter(open=True, case__closed_at__isnull=True)
        .select_related("case", "police_case", "district_office")
        .order_by("case_id")
        if (file.triage or {}).get("version") != current
    ]
    for file in found:
        triage_refresh(file)
    return found


def triage_for_reader(file: ZsmFile, counts: Counts) -> dict[str, Any]:
    """The file's triage as a reader holding `counts` (`facts.counts_for_user`) may be shown it: the kept
    one when its counted facts are the reader's, else decided again by the rules over the kept facts with
    the reader's counts in them, so that the route and its reasons never rest on what this reader may not
    see or count (a reader who sees less than the office, or a count changed since)."""
    kept = file.triage or triage_refresh(file)
    facts = kept.get("facts") or {}
    same_signals = frozenset(facts.get("signals") or ()) == counts.signals
    if same_signals and all(facts.get(name) == value for name, value in counts.counted().items()):
        return dict(kept)
    known = TriageFacts.__dataclass_fields__
    values = {name: value for name, value in facts.items() if name in known}
    values.update(counts.counted())
    values["offences"] = frozenset(values.get("offences") or ())
    values["signals"] = counts.signals
    return _kept(triage(TriageFacts(**values), triage_rules()))


def triage_choose(
    file: ZsmFile, *, route: str, actor: User, reason: str, expected_version: int | None
) -> Case:
    """The prosecutor chooses the route; another route than the rules suggest needs a reason."""
    if route not in ("zsm", "regular", "zvh"):
        raise FileRefused("route", gettext_noop("choose a route"))
    if route == file.route:  # the process has no step from a route to itself: said at the field, not a state
        raise FileRefused(
            "route", gettext_noop("the file is on this route already: choose another route, or decide below")
        )
    suggested = triage_for_reader(file, counts_for_user(file, actor)).get("route")
    if route != suggested and not reason.strip():
        raise FileRefused("reason", gettext_noop("say why you choose another route than the triage suggests"))
    return case_take(
        file.case, f"triage_{route}", actor=actor, expected_version=expected_version, reason=reason.strip()
    )
