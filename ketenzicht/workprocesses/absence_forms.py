"""The form of a colleague's absence (the team's absences page, `absence_views`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ketenzicht.organisations.models import User
from ketenzicht.organisations.services import absence_problems
from ketenzicht.ui import formats
from ketenzicht.ui.forms import SENTENCE, NldsFormMixin


class AbsenceDatesForm(NldsFormMixin, forms.Form):
    """From when, until when (empty: until further notice) someone is absent; both dates empty clear it.
    An end without a start is no absence (`start_missing` says so at its field, in the words of the form
    that names whose absence it is); an end before the start, and each date out of its window
    (`absence_problems`, which the service applies too), are named at their field as a sentence, so the
    error summary says it as the field does. The absence of a post (the ZSM table) and of a member of a
    team (`MemberAbsenceForm`) share it."""

    start_missing: Any = gettext_lazy(
        "Fill in from when the colleague is absent, or leave both dates empty to clear it."
    )

    absent_from = forms.DateField(
        label=gettext_lazy("Absent from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    absent_until = forms.DateField(
        label=gettext_lazy("Absent until (inclusive; empty: until further notice)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("absent_from"), data.get("absent_until")
        if start is None and end is not None and not self.has_error("absent_from"):
            self.add_error("absent_from", self.start_missing)
        elif start is not None and end is not None and end < start:
            self.add_error("absent_until", gettext_lazy("The absence ends before it starts."))
        for problem in absence_problems(start, end, today=timezone.localdate()):
            if problem.field in self.fields and not self.has_error(problem.field):
                params = {k: formats.date(v) if isinstance(v, date) else v for k, v in problem.params.items()}
                self.add_error(
                    problem.field, forms.ValidationError(problem.sentence() % params, code=SENTENCE)
                )
        return data


class MemberAbsenceForm(AbsenceDatesForm):
    """Whose absence (of those the user may record it for), from when, until when."""

    field_order = ["member", "absent_from", "absent_until"]

    member = forms.TypedChoiceField(label=gettext_lazy("Colleague"), coerce=int)

    def __init__(self, *args: Any, members: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", gettext_lazy("Choose a colleague")), *((m.pk, m.display_name) for m in members)]
        if len(members) == 1 and not self.is_bound:
            self.initial.setdefault("member", members[0].pk)
