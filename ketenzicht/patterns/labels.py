"""Words for signals: rule names and descriptions from the rule file, reasons and word categories in the
user's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ketenzicht.ui.formats import date, number

from .detector import detector
from .models import Severity

REASON_LABELS = {
    "episodes": _("Episodes in the window"),
    "score": _("Weighted score of the episodes"),
    "relation": _("Relation"),
    "reverse_share": _("Share of the contact the other way round"),
    "offence_kinds": _("Different offences"),
    "stalking_words": _("Stalking behaviour in the summaries"),
    "danger_words": _("Danger signs in the summaries"),
    "units": _("Police units involved"),
    "breach": _("Episodes with a breach of a protective measure"),
    "first_violence": _("Violence for the first time (severity rank)"),
    "severity_rise": _("Rise in severity rank"),
    "frequency": _("Latest gaps as a share of the earlier gaps"),
    "dv_incidents": _("Domestic-violence incidents in the window"),
    "suspects": _("Suspects"),
    "victims": _("Victims in a pattern"),
    "each_way": _("Episodes one way / the other way"),
}

WORD_LABELS = {
    "threat_to_kill": pgettext_lazy("word category", "threat to kill"),
    "weapon": pgettext_lazy("word category", "weapon"),
    "suicide_threat": pgettext_lazy("word category", "suicide threat"),
    "strangulation": pgettext_lazy("word category", "strangulation"),
    "fear_for_life": pgettext_lazy("word category", "fear for life"),
    "following": pgettext_lazy("word category", "following"),
    "waiting": pgettext_lazy("word category", "waiting at the door"),
    "unwanted_contact": pgettext_lazy("word category", "unwanted contact"),
    "both_ways": pgettext_lazy("word category", "both sides took part"),
}

RELATION_LABELS = {
    "partner": pgettext_lazy("relation", "partner"),
    "ex_partner": pgettext_lazy("relation", "ex-partner"),
    "family": pgettext_lazy("relation", "family"),
    "child": pgettext_lazy("relation", "child"),
    "acquaintance": pgettext_lazy("relation", "acquaintance"),
    "colleague": pgettext_lazy("relation", "colleague"),
    "neighbour": pgettext_lazy("relation", "neighbour"),
    "stranger": pgettext_lazy("relation", "stranger"),
    "household": pgettext_lazy("relation", "same home"),
    "unknown": pgettext_lazy("relation", "not recorded"),
}


# A breach behind a reason, by what it broke (`engine.events`: CONTACT_BAN, AREA_BAN, MEASURE), when the user
# may see the measure; without it (a measure the user may not see, or none found) the last one.
BREACH_OF = {
    "contact_ban": _("breach of the contact ban %(measure)s on %(date)s"),
    "area_ban": _("breach of the area ban %(measure)s on %(date)s"),
    "measure": _("breach of the protective measure %(measure)s on %(date)s"),
}
BREACH_UNNAMED = _("breach of a protective measure on %(date)s")


def _english() -> bool:
    return (get_language() or "nl").startswith("en")


def rule_label(name: str) -> str:
    try:
        rule = detector().rules.rule(name)
    except KeyError:
        return name
    return rule.label.en if _english() else rule.label.nl


def rule_description(name: str) -> str:
    try:
        rule = detector().rules.rule(name)
    except KeyError:
        return ""
    return rule.description.en if _english() else rule.description.nl


def _value(code: str, value: Any) -> str:
    if code in ("stalking_words", "danger_words") and isinstance(value, str):
        return ", ".join(str(WORD_LABELS.get(w.strip(), w.strip())) for w in value.split(","))
    if code == "relation":
        return str(RELATION_LABELS.get(str(value), value))
    if code == "reverse_share" and isinstance(value, int | float):
        return f"{value:.0%}"
    if isinstance(value, float):
        return number(value)
    return str(value)


def _day(text: str) -> str:
    """An ISO date, or an ISO time (then its day in local time), as dd-mm-jjjj."""
    moment = parse_datetime(text) if "T" in text else None
    if moment is not None:
        return date(timezone.localtime(moment) if timezone.is_aware(moment) else moment)
    day = parse_date(text)
    return date(day) if isinstance(day, dt.date) else text


def breach_texts(reason: dict[str, Any]) -> list[str]:
    """The breaches of measures behind a reason, in words, as `selectors.signal_reasons_for_user` left them
    for the user: "breach of the contact ban MR2026-000001 on 12-06-2026", a measure the user may not see as
    "a protective measure", and those in registrations the user may not see counted."""
    texts = []
    for breach in reason.get("breaches") or []:
        measure, day = breach.get("measure", ""), _day(str(breach.get("on", "")))
        if measure:
            text = BREACH_OF.get(breach.get("what", ""), BREACH_OF["measure"])
            texts.append(str(text) % {"measure": measure, "date": day})
        else:
            texts.append(str(BREACH_UNNAMED) % {"date": day})
    hidden = int(reason.get("breaches_not_shown") or 0)
    if hidden:
        texts.append(
            _registrations(
                hidden,
                gettext("1 in a registration you may not see"),
                gettext("%(n)d in registrations you may not see"),
            )
        )
    return texts


def reason_rows(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reasons of a signal as the user may see them (`selectors.signal_reasons_for_user`) as rows to
    show: what, the value, the threshold, whether it holds, and the breaches of measures behind it."""
    rows = []
    for reason in reasons:
        code = reason.get("code", "")
        threshold = reason.get("threshold")
        rows.append(
            {
                "code": code,
                "label": REASON_LABELS.get(code, code),
                "value": _value(code, reason.get("value")),
                "threshold": "" if threshold is None else _value(code, threshold),
                "met": bool(reason.get("met", True)),
                "breaches": breach_texts(reason),
            }
        )
    return rows


def change_text(change: dict[str, Any]) -> str:
    """What the latest change of a signal was, in words: "2 more registrations, severity raised"."""
    if not change:
        return ""
    parts = []
    added, removed = int(change.get("added", 0)), int(change.get("removed", 0))
    if added:
        parts.append(
            _registrations(added, gettext("1 more registration"), gettext("%(n)d more registrations"))
        )
    if removed:
        parts.append(
            _registrations(removed, gettext("1 registration fewer"), gettext("%(n)d registrations fewer"))
        )
    return ", ".join(parts + _severity_change(change))


def _registrations(n: int, one: str, more: str) -> str:
    """A count of registrations in words. Singular and plural as two texts (one and more: the same rule
    in Dutch and English), so that they translate like any other text."""
    return one if n == 1 else more % {"n": n}


def _severity_change(change: dict[str, Any]) -> list[str]:
    was, now = change.get("severity_was"), change.get("severity_now")
    if was is None or now is None or was == now:
        return []
    return [gettext("severity raised") if now > was else gettext("severity lowered")]


def change_before_text(change: dict[str, Any]) -> str:
    """The values before the latest change: "before: medium, 2 registrations". Counts only: the date of
    the latest registration then may be one of a registration the viewer may not see."""
    if not change:
        return ""
    return gettext("before: %(severity)s, %(registrations)s") % {
        "severity": Severity(change["severity_was"]).label,
        "registrations": _registrations(
            len(change["registrations_was"]), gettext("1 registration"), gettext("%(n)d registrations")
        ),
    }
