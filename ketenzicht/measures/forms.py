"""Forms of the measures pages: registering a restraining order or an Aware alarm from a police case,
extending a measure, ending it early. They parse; the services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Municipality
from ketenzicht.persons.selectors import person_label
from ketenzicht.ui.forms import NldsFormMixin
from ketenzicht.workprocesses.engine.machine import CaseStart

from .models import Condition, MeasureKind
from .services import MeasureInvalid, measure_check

FROM_CASE = (MeasureKind.RESTRAINING_ORDER, MeasureKind.AWARE_ALARM)
_CODE = re.compile(r"^GM\d{4}$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4})(?:\s*[-–]\s*(\d{4}))?$")


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ImposeForm(NldsFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of measure"), choices=[(k.value, k.label) for k in FROM_CASE])
    suspect = forms.TypedChoiceField(label=_("Bound by the measure"), coerce=int)
    protected = forms.TypedMultipleChoiceField(
        label=_("Protected persons"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=_date_widget())
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=_date_widget(),
        help_text=_(
            "Leave empty for the usual term: 10 days for a restraining order, 6 months for an Aware alarm."
        ),
    )
    conditions = forms.MultipleChoiceField(
        label=_("Conditions"), choices=Condition.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    conditions_text = forms.CharField(
        label=_("Conditions in words"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    area_municipalities = forms.CharField(
        label=_("Banned municipalities"),
        required=False,
        help_text=_("Names or CBS codes, separated by commas, e.g. Eindhoven, 's-Hertogenbosch or GM0796"),
    )
    area_postcodes = forms.CharField(
        label=_("Banned postcode areas"),
        required=False,
        help_text=_("Four-digit postcodes or ranges, e.g. 5211-5216, 5611"),
    )

    def __init__(
        self,
        *args: Any,
        names: dict[int, str],
        suspects: list[int],
        victims: list[int],
        earliest: CaseStart | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        # The start of the case the measure is registered from: the measure starts not before it.
        self.earliest = earliest
        self.fields["suspect"].choices = [(p, person_label(p, names)) for p in suspects]
        self.fields["protected"].choices = [(p, person_label(p, names)) for p in victims]
        self.fields["starts_on"].initial = timezone.localdate()
        if suspects:
            self.fields["suspect"].initial = suspects[0]
        self.fields["protected"].initial = victims
        # A restraining order bans contact (the usual first condition); an Aware alarm sets none.
        kind = self.initial.get("kind")
        self.fields["conditions"].initial = [] if kind == MeasureKind.AWARE_ALARM else [Condition.CONTACT_BAN]

    # The kind this form registers when it has no `kind` field (a desk's form for one kind).
    fixed_kind: str | None = None

    def parties(self) -> tuple[int | None, list[int]]:
        """The persons chosen: who is bound, and who is protected."""
        return self.cleaned_data.get("suspect"), list(self.cleaned_data.get("protected") or [])

    def clean(self) -> dict[str, Any]:
        """Everything to fix at once: what the fields could not read, and what the registry's rules find in
        the rest (`measure_check`), each beside its field, so one submit shows it all."""
        data = super().clean() or {}
        kind = self.fixed_kind or data.get("kind")
        if not kind:
            return data
        suspect, protected = self.parties()
        problems, _checked = measure_check(
            kind=kind,
            suspect_id=suspect,
            protected_ids=protected,
            conditions=data.get("conditions") or [],
            conditions_text=data.get("conditions_text") or "",
            areas=self.areas(),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            earliest=self.earliest,
        )
        unread = {name for name in self.errors}
        for problem in problems:
            target = FORM_FIELD.get(problem.field, problem.field)
            # A field the form could not read is said once, by the form; the areas are judged as a whole.
            if target in unread or (problem.field == "areas" and unread & AREA_FIELDS):
                continue
            self.add_error(target if target in self.fields else None, problem.text())
        return data

    def clean_area_municipalities(self) -> list[str]:
        """CBS codes, from codes or names (a name may hold spaces: parts are split on commas; a part of
        codes only may also be split on spaces)."""
        raw = self.cleaned_data.get("area_municipalities") or ""
        parts: list[str] = []
        for part in (p.strip() for p in re.split(r"[,;]+", raw)):
            words = part.split()
            parts += [w.upper() for w in words] if words and all(_CODE.match(w) for w in words) else [part]
        by_name = {m.name.casefold(): m.code for m in Municipality.objects.all()}
        codes: list[str] = []
        for part in (p for p in parts if p):
            code = part.upper() if _CODE.match(part) else by_name.get(part.casefold())
            if code is None:
                raise forms.ValidationError(
                    _("%(part)s is no municipality: give its name or its CBS code"), params={"part": part}
                )
            codes.append(code)
        return list(dict.fromkeys(codes))

    def clean_area_postcodes(self) -> list[list[str]]:
        raw = self.cleaned_data.get("area_postcodes") or ""
        ranges: list[list[str]] = []
        for part in (p.strip() for p in re.split(r"[,;]+", raw)):
            if not part:
                continue
            found = _RANGE.match(part)
            if not found:
                raise forms.ValidationError(
                    _("%(part)s is no four-digit postcode or range"), params={"part": part}
                )
            ranges.append([found.group(1), found.group(2) or found.group(1)])
        return ranges

    def areas(self) -> dict[str, Any]:
        areas: dict[str, Any] = {}
        if self.cleaned_data.get("area_municipalities"):
            areas["municipalities"] = self.cleaned_data["area_municipalities"]
        if self.cleaned_data.get("area_postcodes"):
            areas["postcodes"] = self.cleaned_data["area_postcodes"]
        return areas


class ExtendForm(NldsFormMixin, forms.Form):
    until = forms.DateField(label=_("Extend until"), widget=_date_widget())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its ids its own: the end form on the same page has a reason too (a label, or a link of the error
        # summary, to "id_reason" led to the first on the page).
        kwargs.setdefault("auto_id", "id_extend_%s")
        super().__init__(*args, **kwargs)


class EndForm(NldsFormMixin, forms.Form):
    on = forms.DateField(label=_("Last day in force"), widget=_date_widget())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    # Ending early cannot be taken back (a measure is not restored; a new one would be imposed): said, and
    # confirmed, before it is stored, as the case kernel does for a step that ends a case.
    confirm_end = forms.BooleanField(
        label=_(
            "I understand that the measure ends on the last day given above, protects no one after it, and "
            "that this cannot be taken back."
        ),
        required=True,
        error_messages={"required": _("Confirm that the measure may end early.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_end_%s")  # its ids its own, as the extend form's (above)
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


# The service's field names onto the form's.
FORM_FIELD: dict[str, str | None] = {
    "areas": "area_postcodes",
    "imposed_by": None,
    "organisation": None,
    "district_office": None,
}
AREA_FIELDS = {"area_municipalities", "area_postcodes"}


def add_service_error(form: forms.Form, field: str, message: str) -> None:
    target = FORM_FIELD.get(field, field)
    form.add_error(target if target in form.fields else None, message)


def add_service_errors(form: forms.Form, invalid: MeasureInvalid) -> None:
    """Every problem the service found, each beside its field (or above the form)."""
    for problem in invalid.problems:
        add_service_error(form, problem.field, problem.text())
