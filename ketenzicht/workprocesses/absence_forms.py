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


class MemberAbsenceForm(NldsFormMixin, forms.Form):
    """Whose absence (of those the user may record it for), from when, until when (empty: until further
    notice); both dates empty clear it. Each date out of its window is named at its field."""

    member = forms.TypedChoiceField(label=gettext_lazy("Colleague"), coerce=int)
    absent_from = forms.DateField(
        label=gettext_lazy("Absent from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    absent_until = forms.DateField(
        label=gettext_lazy("Absent until (inclusive; empty: until further notice)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, members: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", gettext_lazy("Choose a colleague")), *((m.pk, m.display_name) for m in members)]
        if len(members) == 1 and not self.is_bound:
            self.initial.setdefault("member", members[0].pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("absent_from"), data.get("absent_until")
        if start is None and end is not None and not self.has_error("absent_from"):
            self.add_error(
                "absent_from",
                gettext_lazy(
                    "Fill in from when the colleague is absent, or leave both dates empty to clear it."
                ),
            )
        elif start is not None and end is not None and end < start:
            self.add_error("absent_until", gettext_lazy("The absence ends before it starts."))
        for problem in absence_problems(start, end, today=timezone.localdate()):
            if problem.field in self.fields and not self.has_error(problem.field):
                params = {k: formats.date(v) if isinstance(v, date) else v for k, v in problem.params.items()}
                self.add_error(
                    problem.field, forms.ValidationError(problem.sentence() % params, code=SENTENCE)
                )
        return data
