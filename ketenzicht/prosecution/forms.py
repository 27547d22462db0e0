"""Forms of the ZSM desks: the desk's filter, triage, the complaint, a further request, the partners'
answers, and an absence of a post holder."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from ketenzicht.measures.forms import ImposeForm
from ketenzicht.measures.models import Condition, MeasureKind
from ketenzicht.organisations.models import Post
from ketenzicht.ui.forms import NldsFormMixin
from ketenzicht.workprocesses.absence_forms import AbsenceDatesForm

from .models import Partner
from .selectors import DeskFilter, partner_names
from .services import QUESTION_ANSWER, answer_refusals

ROUTES = [
    ("zsm", gettext_lazy("Settle at the ZSM table")),
    ("regular", gettext_lazy("Regular route (district office)")),
    ("zvh", gettext_lazy("Zorg- en Veiligheidshuis")),
]
YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class DeskFilterForm(NldsFormMixin, forms.Form):
    show = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[
            ("", gettext_lazy("Open files")),
            ("mine", gettext_lazy("My open files")),
            ("overdue", gettext_lazy("Overdue now")),
            ("near", gettext_lazy("Due soon")),
            ("closed", gettext_lazy("Decided")),
        ],
    )

    def chosen(self) -> DeskFilter:
        if not self.is_bound or not self.is_valid():
            return DeskFilter()
        return DeskFilter(show=self.cleaned_data["show"])


class TriageForm(NldsFormMixin, forms.Form):
    route = forms.ChoiceField(label=gettext_lazy("Route"), choices=ROUTES, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Reason (needed when you choose another route than the triage suggests)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ComplaintForm(NldsFormMixin, forms.Form):
    complaint_on = forms.DateField(
        label=gettext_lazy("Complaint received on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RequestForm(NldsFormMixin, forms.Form):
    partner = forms.ChoiceField(label=gettext_lazy("To"), choices=Partner.choices)
    question = forms.CharField(
        label=gettext_lazy("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A partner is an organisation: by its name as registered, in either language.
        self.fields["partner"].choices = list(partner_names().items())


NOT_ASKED = ("not_asked", gettext_lazy("not asked: the victim was not reached"))
NOT_APPLICABLE = ("not_applicable", gettext_lazy("not applicable: not known to probation"))


class AnswerForm(NldsFormMixin, forms.Form):
    """A partner's answer. The service checks it (also for any other caller); the form asks it first, so that
    every field to fix is named at once, next to the field."""

    partner: str

    def __init__(self, *args: Any, question: str = "", **kwargs: Any) -> None:
        """`question`: the table's further question of the request, if any: then asked first, with a field
        of its own for the answer (required), beside the standard answers."""
        super().__init__(*args, **kwargs)
        self.question = question.strip()
        if self.question:
            answer = forms.CharField(
                label=gettext_lazy("Your answer to the question of the table"),
                error_messages={"required": gettext_lazy("Answer the question of the table.")},
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields = {QUESTION_ANSWER: answer, **self.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _cleaned, refusals = answer_refusals(self.partner, data, question=self.question)
        for refusal in refusals:
            if refusal.field in self.fields and refusal.field not in self.errors:
                self.add_error(refusal.field, refusal.text())
        return data


class VictimSupportAnswerForm(AnswerForm):
    """What only the victim can say is asked only of a victim who was reached, and then it must be recorded
    (the service checks it too)."""

    partner = Partner.VICTIM_SUPPORT.value
    contacted = forms.ChoiceField(
        label=gettext_lazy("Victim reached"), choices=YES_NO, widget=forms.RadioSelect
    )
    # The answers only the victim can give have a "not asked" option: a radio button once ticked cannot be
    # unticked. None is checked at first: a reached victim's answer must be chosen, not left as "not asked".
    wishes = forms.ChoiceField(
        label=gettext_lazy("The victim's wish"),
        choices=[
            NOT_ASKED,
            ("prosecution", gettext_lazy("wants prosecution")),
            ("no_prosecution", gettext_lazy("does not want prosecution")),
            ("undecided", gettext_lazy("undecided")),
        ],
        required=False,
        help_text=gettext_lazy("Required when the victim was reached; only then."),
        widget=forms.RadioSelect,
    )
    afraid = forms.ChoiceField(
        label=gettext_lazy("Fears for their safety"),
        choices=[NOT_ASKED, *YES_NO],
        required=False,
        help_text=gettext_lazy("Required when the victim was reached; only then."),
        widget=forms.RadioSelect,
    )
    damage = forms.CharField(
        label=gettext_lazy("Damage and losses"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    safety = forms.CharField(
        label=gettext_lazy("Safety: what the victim needs"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=gettext_lazy("Further remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProbationAnswerForm(AnswerForm):
    partner = Partner.PROBATION.value
    known = forms.ChoiceField(
        label=gettext_lazy("Known to probation"), choices=YES_NO, widget=forms.RadioSelect
    )
    supervised = forms.ChoiceField(
        label=gettext_lazy("Under supervision now"),
        choices=[NOT_APPLICABLE, *YES_NO],
        required=False,
        help_text=gettext_lazy("Required when the suspect is known to probation; only then."),
        widget=forms.RadioSelect,
    )
    conditions = forms.CharField(
        label=gettext_lazy("Current conditions"),
        required=False,
        help_text=gettext_lazy("Only when the suspect is known to probation."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    advice = forms.ChoiceField(
        label=gettext_lazy("Advice"),
        choices=[
            ("zsm", gettext_lazy("no objection to settling at the ZSM table")),
            ("conditions", gettext_lazy("settle with special conditions (e.g. contact ban, treatment)")),
            ("regular", gettext_lazy("regular route: a report on the suspect is needed")),
            ("zvh", gettext_lazy("Zorg- en Veiligheidshuis: care and criminal law together")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


ANSWER_FORMS: dict[str, type[AnswerForm]] = {
    Partner.VICTIM_SUPPORT: VictimSupportAnswerForm,
    Partner.PROBATION: ProbationAnswerForm,
}


def _post_label(post: Post) -> str:
    return f"{post.get_kind_display()}: {post.user.display_name}"


class AbsenceForm(AbsenceDatesForm):
    """Which post is absent, from when, until when (`AbsenceDatesForm`)."""

    field_order = ["post", "absent_from", "absent_until"]
    start_missing = gettext_lazy(
        "Fill in from when the post holder is absent, or leave both dates empty to clear it."
    )

    post = forms.ModelChoiceField(
        label=gettext_lazy("Post"), queryset=Post.objects.none(), empty_label=gettext_lazy("Choose a post")
    )

    def __init__(self, *args: Any, posts: list[Post], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["post"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Post.objects.filter(pk__in=[p.pk for p in posts])
        field.label_from_instance = _post_label  # type: ignore[method-assign,assignment]


class OrderForm(ImposeForm):
    """A behaviour order (art. 509hh Sv) on the file's suspect, protecting its victim: the measure form
    without the kind (always this one) and the persons (the file's)."""

    fixed_kind = MeasureKind.BEHAVIOUR_ORDER

    def parties(self) -> tuple[int | None, list[int]]:
        return 1, [2]  # the file's suspect and victim (the service checks the persons themselves)

    def __init__(self, *args: Any, suspect_name: str, victim_name: str, **kwargs: Any) -> None:
        super().__init__(
            *args, names={1: suspect_name or "?", 2: victim_name or "?"}, suspects=[1], victims=[2], **kwargs
        )
        for name in ("kind", "suspect", "protected"):
            del self.fields[name]
        # A behaviour order holds until the end its decision names, 90 days at most; it may be extended by
        # at most 90 days at a time (art. 509hh Sv, measures.engine.periods).
        self.fields["ends_on"].required = True
        self.fields["ends_on"].error_messages["required"] = gettext_lazy(
            "Give the last day the order holds: a behaviour order has no term of its own."
        )
        self.fields["ends_on"].help_text = gettext_lazy(
            "The last day the order holds: at most 90 days from its start. It may be extended, each time by "
            "at most 90 days, on the measure's page."
        )
        self.fields["conditions"].initial = [Condition.CONTACT_BAN]
