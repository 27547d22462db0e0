"""Words for the codes of the kernel, for pages (English msgids, translated), and the work processes' own
words (Dutch in the versioned files) in the user's language (`data_text`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.roles import Role
from ketenzicht.ui import formats

from .engine.definition import Definition, FieldKind

# The English of the processes' words, beside the versioned files (which a loaded version never changes),
# and the few Dutch page words for a file's text that reads wrong on a Dutch page.
ENGLISH_FILE = Path(__file__).resolve().parent / "data" / "translations" / "en.yaml"
DUTCH_FILE = ENGLISH_FILE.with_name("nl.yaml")


@lru_cache(maxsize=1)
def english_words() -> dict[str, str]:
    """Dutch text of a process file -> its English (data/translations/en.yaml), read once."""
    found = yaml.safe_load(ENGLISH_FILE.read_text(encoding="utf-8")) or {}
    return {str(dutch): str(english) for dutch, english in found.items()}


@lru_cache(maxsize=1)
def dutch_words() -> dict[str, str]:
    """Text of a process file -> the Dutch a page shows instead (data/translations/nl.yaml), read once."""
    found = yaml.safe_load(DUTCH_FILE.read_text(encoding="utf-8")) or {}
    return {str(text): str(shown) for text, shown in found.items()}


def data_text(text: str) -> str:
    """A process's word (the label of a process, state, step or field, or a choice) as a page shows it: its
    English on an English page, else the text itself (Dutch, or a text the catalogue lacks), or its Dutch
    page words where data/translations/nl.yaml has them. Texts stored in the installation's language
    (history, alerts' params) are written from the definition, not from this."""
    if not text:
        return text
    if not _english():
        return dutch_words().get(text, text)
    return english_words().get(text, text)


def _english() -> bool:
    return (get_language() or "nl").startswith("en")


def stored_step_text(text: str) -> str:
    """A step as an alert stored it, in the file's words (`services._pending_label`: the step's label, with
    what a lowering lowers, e.g. "Screening afronden: Urgentie Acuut → Laag"), in the user's language when
    the catalogue has every part of it; otherwise as stored."""
    if not _english() or text in english_words() or ": " not in text:
        return data_text(text)
    words = english_words()
    head, _sep, tail = text.partition(": ")
    if head not in words:
        return text
    changes = []
    for change in tail.split("; "):
        left, arrow, after = change.partition(" → ")
        field = next((f for f in words if left.startswith(f"{f} ") and left[len(f) + 1 :] in words), None)
        if not arrow or field is None or after not in words:
            return text
        changes.append(f"{words[field]} {words[left[len(field) + 1 :]]} → {words[after]}")
    return f"{words[head]}: {'; '.join(changes)}"


def process_texts(definition: Definition) -> Iterator[str]:
    """Every text of a definition that pages show: its label, the labels of its states, transitions and
    fields, and the labels of the fields' choices."""
    yield definition.label
    for state in definition.states.values():
        yield state.label
    for transition in definition.transitions:
        yield transition.label
    for spec in definition.fields.values():
        yield spec.label
        yield from spec.choices.values()


def texts_without_english(definition: Definition) -> list[str]:
    """The definition's texts that data/translations/en.yaml lacks (a new version's new words), in order."""
    words = english_words()
    return list(dict.fromkeys(text for text in process_texts(definition) if text not in words))


REFUSALS = {
    "unknown": _("This step does not exist in the case's work process."),
    "state": _("This step cannot be taken in the case's current state."),
    "role": _("Your role may not take this step."),
    "fields": _("Fill in every field this step asks for."),
    "field": _("A value is not one of the allowed choices."),
    "recorded": _("This step waits for information that has not been recorded yet."),
    "reason": _("Give a reason."),
    "second_person": _("This step needs a second person."),
    "closed": _("The case is closed."),
    "pending": _("A proposed step is waiting for a second person: confirm or decline it first."),
    "nothing_pending": _("No step is waiting for confirmation."),
    "same_person": _("A second person must confirm: you proposed this step yourself."),
    # A lowering (a ranked field below what the case would otherwise hold) waits for a role; the detail
    # names it.
    "confirm_role": _(
        "This proposal lowers a value below what the case would otherwise hold: only a %(role)s of the "
        "case's organisation, not the one who proposed it, can confirm or decline it."
    ),
    # A lowering nobody could confirm: no other user of the confirming role in the case's organisation.
    "no_confirmer": _(
        "Nobody else in your organisation is a %(role)s, so nobody could confirm this lowering: the case "
        "keeps the higher value. Choose it, or ask your functional administrator to give a colleague the "
        "role."
    ),
    "person": _(
        "This person cannot take on the case: choose a colleague of the case's organisation with a role "
        "in its process."
    ),
    "note": _("Write the note first."),
    "handover": _("A colleague holds this: only they or a team lead can hand it over."),
    # The same where a desk names who leads its queue (panels.register_queue_lead: the ZSM coordinator).
    "handover_lead": _("A colleague holds this: only they, a team lead or %(lead)s can hand it over."),
    # A hand-over to someone recorded absent now (detail: their name; params: the absence's first and last
    # day, the last "" while it lasts until further notice; `substitute` "1" where they are the substitute
    # themselves, who cannot be pointed to: organisations.selectors.Absence.params).
    "absent": _(
        "%(name)s is absent from %(starts)s until and including %(ends)s: choose someone else or the "
        "substitute."
    ),
    "absent_open": _(
        "%(name)s is absent from %(starts)s until further notice: choose someone else or the substitute."
    ),
    "absent_substitute": _(
        "%(name)s, the substitute, is absent from %(starts)s until and including %(ends)s: choose someone "
        "else."
    ),
    "absent_substitute_open": _(
        "%(name)s, the substitute, is absent from %(starts)s until further notice: choose someone else."
    ),
    "lowered": _("A choice below the suggested value needs a reason: write it in the explanation field."),
    "date_future": _("This date is of something that happened: it cannot lie after today (%(bound)s)."),
    "date_past": _("This date is of something still to come: it cannot lie before today (%(bound)s)."),
    # A date before the case's start (data/date_fields.yaml `from: case_start`); the words say where the
    # start comes from (`_BEFORE_START`).
    "date_before_start": _("This date cannot lie before %(bound)s: this case was opened on that day."),
    # A date too far ahead: said in the singular or the plural as its number of days asks (`_too_far`).
    "date_too_far": _("This date cannot lie after %(bound)s: too far from today."),
    "not_proposer": _("Only the colleague who proposed this step can withdraw it; decline it instead."),
    "handoff_waiting": _("This was handed over already and waits for the receiving desk to take it on."),
    "reopen_process": _("A closed case of this work process cannot be reopened."),
    "reopen_role": _("Only a team lead of the case's organisation can reopen a closed case."),
    "not_closed": _("The case is open: only a closed case can be reopened."),
    "reopen_history": _("The history does not show the step that closed this case: it cannot be reopened."),
    # A desk's refusal of a reopen (signals.case_reopening); the detail names the case or organisation.
    "open_case": _(
        "This case cannot be reopened: case %(reference)s is open for the same people. Work on in that case."
    ),
    "forwarded": _(
        "This case was forwarded to %(organisation)s, which works on it now: it cannot be reopened here."
    ),
    "registration_present": _("This registration is part of this case already."),
    # A registration about other people than the case's (detail: its reference; params: the case's persons).
    "registration_unrelated": _(
        "%(reference)s names none of the persons of this case (%(names)s): add only registrations about "
        "these persons."
    ),
    # A desk's refusal of registrations added on a case's page (signals.case_registrations_joined): their
    # suspect and victim have an open case in the unit already; named when the user may open it.
    "pair_open": _(
        "Not added: case %(reference)s is already open for the suspect and victim of this registration, and "
        "a unit keeps one open case per pair. Add the registration to that case."
    ),
    "pair_open_hidden": _(
        "Not added: another case of your unit, which you may not open, is already open for the suspect and "
        "victim of this registration, and a unit keeps one open case per pair. Ask your team lead."
    ),
}

# A date before the case's start, by what the start is known from (engine.machine.CaseStart.by).
_BEFORE_START = {
    "registration": _(
        "This date cannot lie before %(bound)s: the earliest incident of this case's registrations happened "
        "that day."
    ),
    "opened": REFUSALS["date_before_start"],
}

# The refusals of a date out of its time: the field is named beside them (and marked on the form).
DATE_REFUSALS = ("date_future", "date_past", "date_before_start", "date_too_far")

# What the detail of a refusal fills in, by code.
_NAMED = {"open_case": "reference", "forwarded": "organisation", "pair_open": "reference"}

CONCURRENT = _(
    "Someone else changed this case while you were working on it. Nothing of yours was stored: "
    "check the case as it is now and submit again."
)


# Who picks up a hand-off (a transition's `handoff:`), for the case page.
HANDOFFS = {
    "veilig_thuis": _("Veilig Thuis"),
    "zsm": _("the ZSM table"),
    "zorg_en_veiligheidshuis": _("the Zorg- en Veiligheidshuis"),
}


def lowered_rows(
    definition: Definition, pending: Mapping[str, Any], *, stored: bool = False
) -> list[dict[str, str]]:
    """What a lowering waiting for a second person lowers (a proposal's `lowered`), by the definition's
    labels: field, from (what the case keeps meanwhile) and to, e.g. Urgentie, Acuut, Normaal. For a page in
    the user's language; `stored`: in the file's own words, for a text that is stored (an alert's step)."""
    words: Callable[[str], str] = str if stored else data_text
    rows = []
    for name, change in (pending.get("lowered") or {}).items():
        spec = definition.fields.get(name)
        choices = spec.choices if spec else {}
        before, after = str(change.get("from") or ""), str(change.get("to") or "")
        rows.append(
            {
                "field": words(spec.label) if spec else name,
                "from": words(choices.get(before, before)),
                "to": words(choices.get(after, after)),
            }
        )
    return rows


def handoff_label(kind: str) -> str:
    return str(HANDOFFS.get(kind, kind.replace("_", " ")))


# Why a value that an app records on a case is still missing, in that app's words (e.g. the screening level
# while a lowered level waits for a second person): name -> a function of the case giving the words, or None
# for the kernel's own. Registered by that app when it starts (`recorded_missing_register`), as its words for
# the values below are, so the kernel imports no app.
_MISSING: dict[str, Callable[[Any], Any]] = {}


def recorded_missing_register(name: str, explain: Callable[[Any], Any]) -> None:
    """`explain(case)` says why `name` is not recorded on the case yet (None: the kernel's words)."""
    _MISSING[name] = explain


def _missing_text(names: list[str], case: Any) -> tuple[list[str], list[str]]:
    """(what the apps say about the missing values, the names they said nothing about)."""
    said: list[str] = []
    unsaid: list[str] = []
    for name in names:
        explain = _MISSING.get(name)
        words = explain(case) if explain is not None else None
        if words:
            said.append(str(words))
        else:
            unsaid.append(name)
    return said, unsaid


def _day(iso: str) -> str:
    try:
        return formats.date(date.fromisoformat(iso))
    except ValueError:
        return iso or "?"


def _absent_text(name: str, params: Mapping[str, str]) -> str:
    """The refusal of a hand-over to someone recorded absent: who, from when, until when; the substitute
    only pointed to where the absent colleague is not the substitute themselves."""
    ends = params.get("ends", "")
    code = "absent_substitute" if params.get("substitute") else "absent"
    text = REFUSALS[code] if ends else REFUSALS[f"{code}_open"]
    return str(text) % {"name": name or "?", "starts": _day(params.get("starts", "")), "ends": _day(ends)}


def _too_far(days: str) -> str:
    """The refusal of a date more than `days` days ahead (as the refusal gives it, a number in words), its
    placeholders still to fill in."""
    if not days.isdigit():
        return str(REFUSALS["date_too_far"])
    return ngettext(
        "This date cannot lie after %(bound)s: at most %(days)s day from today.",
        "This date cannot lie after %(bound)s: at most %(days)s days from today.",
        int(days),
    )


def refusal_lines(refusals: Sequence[tuple[str, Any]]) -> list[str]:
    """A refused bulk assignment's refusals (`services.BulkAssignRefused.refusals`: the case's reference
    and the kernel's refusal), one line each: "reference: why"."""
    return [
        f"{reference}: {refusal_text(refusal.code, refusal.detail, params=refusal.params)}"
        for reference, refusal in refusals
    ]


def refusal_text(
    code: str,
    detail: str = "",
    definition: Definition | None = None,
    case: Any = None,
    params: Mapping[str, str] | None = None,
    *,
    named: bool = True,
) -> str:
    """The refusal in words; for the fields it concerns (missing, not recorded, lowered, a date out of
    its time), which ones (by their labels; `named=False`: not for a date, where it is said at the date's
    own field, whose label names it); for a date out of its window, the bound it passed (`params`,
    as the refusal gives them); for a reopen a desk refused, the case to work on in or the
    organisation the case went to. With the case, a value it waits for that an app records is explained in
    that app's words (what it still waits for)."""
    if code == "recorded" and detail and case is not None:
        said, unsaid = _missing_text([name.strip() for name in detail.split(",")], case)
        if said:
            rest = [refusal_text(code, ", ".join(unsaid), definition)] if unsaid else []
            return " ".join([*said, *rest])
    if code == "handover" and (lead := dict(params or {}).get("lead")):  # who leads the desk's queue
        return str(REFUSALS["handover_lead"]) % {"lead": lead}
    if code == "absent":
        return _absent_text(detail, params or {})
    text = str(REFUSALS.get(code, REFUSALS["state"]))
    if code in ("confirm_role", "no_confirmer"):
        return text % {"role": str(Role(detail).label).lower() if detail in Role.values else detail or "?"}
    if code == "registration_unrelated":
        return text % {"reference": detail or "?", "names": dict(params or {}).get("names") or "?"}
    if code in _NAMED:
        return text % {_NAMED[code]: detail or "?"}
    if code in DATE_REFUSALS:
        given = dict(params or {})
        if code == "date_before_start":
            text = str(_BEFORE_START.get(given.get("by", ""), text))
        bound = given.get("bound", "")
        if not bound and code in ("date_future", "date_past"):  # a refusal passed on without its params
            bound = timezone.localdate().isoformat()
        try:
            shown = formats.date(date.fromisoformat(bound))
        except ValueError:
            shown = bound or "?"
        if code == "date_too_far":
            text = _too_far(given.get("days", ""))
        text = text % {"bound": shown, "days": given.get("days", "?")}
    if ((code in DATE_REFUSALS and named) or code in ("fields", "recorded", "lowered")) and (
        detail and definition is not None
    ):
        names = [name.strip() for name in detail.split(",")]
        labels = [
            data_text(definition.fields[name].label) if name in definition.fields else name for name in names
        ]
        text = f"{text} ({', '.join(labels)})"
    return text


# A case's title is stored as written (in the installation's language), and an app that writes titles from
# its own data (the screening's reason for opening a case: "Verdachte is ex-partner van het slachtoffer
# (A → B)") says how such a title reads in the user's language: a function of the stored title giving it in
# the user's language, or None when the title is not one of its own. Registered by that app when it starts
# (`case_title_register`), so the kernel imports no app.
_TITLES: list[Callable[[str], str | None]] = []


def case_title_register(words: Callable[[str], str | None]) -> None:
    if words not in _TITLES:
        _TITLES.append(words)


def case_title(title: str) -> str:
    """A case's stored title as a page shows it: in the user's language where the app that wrote it knows
    its words; otherwise as stored (a title a user typed stays as typed)."""
    for words in _TITLES:
        shown = words(title)
        if shown is not None:
            return shown
    return title


# A history line's note that a desk wrote in the installation's language (a record) from words it knows,
# e.g. Veilig Thuis's feedback on a police case: the desk keeps what the note says in the event's detail,
# names itself there under NOTE_WORDS and registers how the note reads in the user's language
# (`history_note_register`), so the kernel imports no desk. Any other note is shown as written.
NOTE_WORDS = "note_words"
_NOTES: dict[str, Callable[[Mapping[str, Any]], str | None]] = {}


def history_note_register(name: str, words: Callable[[Mapping[str, Any]], str | None]) -> None:
    """`words(detail)` gives the note of a line whose detail names `name` under NOTE_WORDS in the user's
    language (None: as written)."""
    _NOTES[name] = words


# A history line's note that names something not every reader of the case may be told of (e.g. the police
# case a hand-off to Veilig Thuis came from, named only while the reader's organisation may see a
# registration of it): the desk that wrote it gives, per reader, what such lines say instead
# (`history_reader_register`; `notes(case, events, user)` -> event id -> the note to show, "" for none, None
# to leave the line out: it tells of nothing but what the reader may not be told of), so the kernel imports
# no desk and every page that shows a case's history asks it.
ReaderNotes = Callable[[Any, Sequence[Any], Any], Mapping[int, str | None]]
_READER_NOTES: list[ReaderNotes] = []


def history_reader_register(notes: ReaderNotes) -> None:
    if notes not in _READER_NOTES:  # an app's ready() run again registers nothing twice
        _READER_NOTES.append(notes)


def history_notes_for_reader(case: Any, events: Sequence[Any], user: Any) -> dict[int, str | None]:
    """The notes of `case`'s history lines (`events`) that read otherwise for `user`: event id -> note
    (None: the line is left out)."""
    found: dict[int, str | None] = {}
    for notes in _READER_NOTES:
        found.update(notes(case, events, user))
    return found


# The fixed notes an app writes (English texts marked with gettext_noop, stored in the installation's
# language, e.g. why the ZSM table routed a file to its prosecutor), registered by that app when it starts
# (`history_texts_register`): a page shows such a note in its reader's language, however old the line.
_TEXTS: list[str] = []


def history_texts_register(*texts: str) -> None:
    _TEXTS.extend(text for text in texts if text not in _TEXTS)


def _written_texts() -> dict[str, str]:
    """The registered texts as they are stored (written by `in_installation_language`) -> the text."""
    return {formats.in_installation_language(text): text for text in _TEXTS}


# A note with values (a reference, a day, a name), written with `note_words`, keeps its words beside it: the
# English text and its values, plain texts; the page shows it in its reader's language (`history_note`).
NOTE_TEXT, NOTE_PARAMS = "note_text", "note_params"


def note_words(text: str, **params: str) -> tuple[str, dict[str, Any]]:
    """A history line's note: `text` (English, marked with gettext_noop) with `params`, written in the
    installation's language, and the words to keep in the line's detail."""
    return formats.in_installation_language(text, **params), {NOTE_TEXT: text, NOTE_PARAMS: dict(params)}


def _kept_words(detail: Mapping[str, Any]) -> str | None:
    text, params = detail.get(NOTE_TEXT), detail.get(NOTE_PARAMS)
    if not isinstance(text, str) or not isinstance(params, dict):
        return None
    try:
        return gettext(text) % {key: str(value) for key, value in params.items()}
    except (KeyError, TypeError, ValueError):
        return None


def history_note(note: str, detail: Mapping[str, Any]) -> str:
    """A history line's note as a page shows it: in the user's language where the desk that wrote it says
    how, where its words were kept (`note_words`), or where it is a fixed text an app registered; otherwise
    as written (a reason a user typed stays as typed)."""
    words = _NOTES.get(str(detail.get(NOTE_WORDS) or ""))
    shown = words(detail) if words is not None else _kept_words(detail)
    if shown is not None:
        return shown
    text = _written_texts().get(note)
    return note if text is None else gettext(text)


# What a desk adds to a step's line (its "desk_note", signals.case_stepping) is written in the installation's
# language; written with `desk_note_words` it keeps its words too (the English text and its values, plain
# texts: a reference, a day), so the page shows it in its reader's language (`desk_note_shown`).
DESK_NOTE, DESK_NOTE_TEXT, DESK_NOTE_PARAMS = "desk_note", "desk_note_text", "desk_note_params"


def desk_note_words(text: str, **params: str) -> dict[str, Any]:
    """A line's desk note: `text` (English, marked with gettext_noop) with `params`, written in the
    installation's language and kept as words to show in the reader's."""
    return {
        DESK_NOTE: formats.in_installation_language(text, **params),
        DESK_NOTE_TEXT: text,
        DESK_NOTE_PARAMS: dict(params),
    }


def desk_note_shown(detail: Mapping[str, Any]) -> str:
    """A line's desk note in the reader's language where its words were kept, else as written."""
    text, params = detail.get(DESK_NOTE_TEXT), detail.get(DESK_NOTE_PARAMS)
    if isinstance(text, str) and isinstance(params, dict):
        try:
            return gettext(text) % {key: str(value) for key, value in params.items()}
        except (KeyError, TypeError, ValueError):
            pass
    return str(detail.get(DESK_NOTE) or "")


def state_label(definition: Definition, state: str) -> str:
    """The state's label in the user's language (the code when the version lacks it)."""
    found = definition.states.get(state)
    return data_text(found.label) if found else state


def step_label(definition: Definition, transition: str) -> str:
    """The transition's label in the user's language (its name when the version lacks it)."""
    found = definition.transition(transition)
    return data_text(found.label) if found else transition


# Values that an app above the kernel records on a case in codes of its own (the screening level, the
# urgency the screening suggests): name -> (label, words per code). Registered by that app when it starts
# (`recorded_value_register`), so pages show "Hoog", not "high", without the kernel importing the app.
_RECORDED: dict[str, tuple[Any, dict[str, Any]]] = {}


def recorded_value_register(name: str, label: Any, words: Mapping[str, Any]) -> None:
    """`label` and `words` may be lazy translations: they are put into words when a page asks."""
    _RECORDED[name] = (label, dict(words))


def value_label(definition: Definition, name: str, value: str) -> tuple[str, str]:
    """A recorded value in words, in the user's language: (the field's label, the value): a choice by its
    label, a date as dd-mm-jjjj, a value an app recorded by the words it registered."""
    spec = definition.fields.get(name)
    recorded = _RECORDED.get(name)
    if recorded is not None and (spec is None or not spec.choices):
        label, words = recorded
        return (data_text(spec.label) if spec is not None else str(label)), str(words.get(str(value), value))
    if spec is None:
        return name, value
    if spec.kind == FieldKind.DATE:
        try:
            return data_text(spec.label), f"{date.fromisoformat(str(value)):%d-%m-%Y}"
        except ValueError:
            return data_text(spec.label), value
    # A choice by its label; a text someone wrote stays as written.
    return data_text(spec.label), data_text(spec.choices[value]) if value in spec.choices else value
