"""Forms of the screening desk: the queue's filters, a team lead's bulk handover, and a screening with
the instrument's items, pre-answered from the register where it can."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import absence_marked_name
from ketenzicht.ui.formats import versioned
from ketenzicht.ui.forms import NldsFormMixin, nlds_widget_class
from ketenzicht.workprocesses.labels import data_text

from .engine.instrument import AnswerKind, Instrument, Item, Level
from .labels import LEVELS
from .selectors import PrefillRow, QueueFilter

URGENCIES = {"acute": _("acute"), "high": _("high"), "normal": _("normal"), "low": _("low")}
URGENCY_CHOICES = {"acute": _("Acute"), "high": _("High"), "normal": _("Normal"), "low": _("Low")}
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# The levels as choices, capitalised as every other choice is in both languages ("High concern", "Hoog").
LEVEL_CHOICES = [(level.value, capfirst(label)) for level, label in LEVELS.items()]


class QueueFilterForm(NldsFormMixin, forms.Form):
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)
    level = forms.ChoiceField(label=_("Screening level"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    version = forms.ChoiceField(label=_("Work process"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue cases"), required=False)
    near = forms.BooleanField(label=_("Only cases due soon"), required=False)

    def __init__(self, *args: Any, colleagues: Any, versions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["urgency"].choices = [("", _("All")), *URGENCY_CHOICES.items()]
        self.fields["level"].choices = [
            ("", _("All")),
            ("none_yet", capfirst(_("not screened yet"))),
            *LEVEL_CHOICES,
        ]
        self.fields["owner"].choices = [
            ("", _("Everyone")),
            ("me", _("Me")),
            ("nobody", _("Nobody yet")),
            ("absent", _("Owner absent")),
            *((str(user.pk), user.display_name) for user in colleagues),
        ]
        self.fields["version"].choices = [
            ("", _("All")),
            *((str(pv.pk), versioned(data_text(pv.label), pv.version)) for pv in versions),
        ]

    def chosen(self) -> QueueFilter:
        if not self.is_valid():
            return QueueFilter()
        data = self.cleaned_data
        return QueueFilter(
            urgency=data["urgency"],
            level=data["level"],
            owner=data["owner"],
            version=int(data["version"]) if data["version"] else None,
            overdue=bool(data["overdue"]),
            near=bool(data["near"]),
        )


class BulkAssignForm(NldsFormMixin, forms.Form):
    cases = forms.TypedMultipleChoiceField(
        label=_("Cases"), coerce=int, error_messages={"required": _("Choose at least one case.")}
    )
    person = forms.ModelChoiceField(
        label=_("New owner"),
        queryset=User.objects.none(),
        empty_label=_("Choose a colleague"),
        error_messages={"required": _("Choose the colleague who takes the cases over.")},
    )
    reason = forms.CharField(
        label=_("Reason for the handover"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason for the handover.")},
    )

    def __init__(self, *args: Any, colleagues: Any, case_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [(pk, str(pk)) for pk in case_ids]
        field = self.fields["person"]
        field.queryset = colleagues
        field.label_from_instance = absence_marked_name  # whom the kernel refuses, marked
        for name in ("person", "reason"):  # rendered below the table, submitted with the form around it
            self.fields[name].widget.attrs["form"] = "bulk-form"


def _field_for(row: PrefillRow) -> forms.Field:
    item = row.item
    help_text = item.help
    if item.answer is AnswerKind.YES_NO:
        return forms.ChoiceField(
            label=item.question, choices=YES_NO, widget=forms.RadioSelect, help_text=help_text
        )
    if item.answer is AnswerKind.COUNT:
        return forms.IntegerField(label=item.question, min_value=0, max_value=10_000, help_text=help_text)
    return forms.ChoiceField(
        label=item.question,
        choices=[("", _("Make a choice")), *((code, choice.label) for code, choice in item.choices.items())],
        help_text=help_text,
    )


def _initial(row: PrefillRow) -> Any:
    """The pre-answer as the field's value. A yes/no fact the register does not show is left for the
    screener: nothing in the pair's registrations is no evidence that it did not happen (the page says
    that nothing was found), and a preselected "no" would be confirmed without being asked."""
    if row.answer is None:
        return None
    if row.item.answer is AnswerKind.YES_NO:
        return "yes" if row.answer else None
    return row.answer


def _earlier(item: Item, answer: Any) -> Any:
    """An answer of an earlier screening as the field's value; None when it does not fit the item (an
    answer of another version of the instrument)."""
    if item.answer is AnswerKind.YES_NO:
        return ("yes" if answer else "no") if isinstance(answer, bool) else None
    if item.answer is AnswerKind.COUNT:
        return answer if isinstance(answer, int) and not isinstance(answer, bool) and answer >= 0 else None
    return answer if isinstance(answer, str) and answer in item.choices else None


class ScreeningForm(NldsFormMixin, forms.Form):
    """The items of one instrument, pre-answered where the register can answer (or, `earlier`, with the
    answers of a screening to do again); then the level: the computed one, or the professional's own
    (raising needs a reason, lowering a reason and a second person)."""

    level = forms.ChoiceField(label=_("Level"), required=False)
    reason = forms.CharField(
        label=_("Reason for another level than the computed one"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        rows: list[PrefillRow],
        earlier: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.rows = rows
        earlier = earlier or {}
        items: dict[str, forms.Field] = {}
        for row in rows:
            field = _field_for(row)
            before = _earlier(row.item, earlier.get(row.item.key))
            field.initial = before if before is not None else _initial(row)
            items[f"item_{row.item.key}"] = field
        self.fields = {**items, **self.fields}
        self.fields["level"].choices = [
            ("", _("The computed level")),
            *LEVEL_CHOICES,
        ]
        for field in self.fields.values():
            classes = nlds_widget_class(field.widget)
            if classes:
                field.widget.attrs["class"] = classes

    def item_fields(self) -> list[tuple[PrefillRow, forms.BoundField]]:
        return [(row, self[f"item_{row.item.key}"]) for row in self.rows]

    def answers(self) -> dict[str, bool | int | str]:
        out: dict[str, bool | int | str] = {}
        for row in self.rows:
            value = self.cleaned_data[f"item_{row.item.key}"]
            if row.item.answer is AnswerKind.YES_NO:
                out[row.item.key] = value == "yes"
            else:
                out[row.item.key] = value
        return out

    def chosen_level(self) -> str:
        level: str = self.cleaned_data.get("level") or ""
        return level if level in {lv.value for lv in Level} else ""


class SecondPersonForm(NldsFormMixin, forms.Form):
    """A second person confirms a lowered level, or declines it with the reason (told to the screener and
    kept with the screening and in the case's history)."""

    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("decline", _("Decline"))])
    reason = forms.CharField(
        label=_("Why do you decline the lower level?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not str(data.get("reason") or "").strip():
            self.add_error("reason", _("Write why you decline the lower level: the screener reads it."))
        return data
