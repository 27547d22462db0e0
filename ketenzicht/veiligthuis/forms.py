"""Forms of the Veilig Thuis desk: the inbox's filters, a team lead's bulk hand-over, forwarding a
notification, and the filters of the chain contact's list of feedback to the police."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.organisations.selectors import absence_marked_name
from ketenzicht.ui.forms import NldsFormMixin

from .labels import RADAR_GROUPS
from .selectors import FeedbackFilter, InboxFilter


class InboxFilterForm(NldsFormMixin, forms.Form):
    radar = forms.ChoiceField(
        label=gettext_lazy("Radar"),
        required=False,
        choices=[("", gettext_lazy("All")), *RADAR_GROUPS.items()],
    )
    owner = forms.ChoiceField(
        label=gettext_lazy("Owner"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("me", gettext_lazy("Mine")),
            ("nobody", gettext_lazy("Nobody yet")),
            ("absent", gettext_lazy("Owner absent")),
        ],
    )
    acute = forms.BooleanField(label=gettext_lazy("Acute only"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    near = forms.BooleanField(label=gettext_lazy("Due soon only"), required=False)

    def chosen(self) -> InboxFilter:
        if not self.is_bound or not self.is_valid():
            return InboxFilter()
        data = self.cleaned_data
        return InboxFilter(
            radar=data["radar"],
            owner=data["owner"],
            overdue=data["overdue"],
            near=data["near"],
            acute=data["acute"],
        )


class ForwardForm(NldsFormMixin, forms.Form):
    to = forms.ModelChoiceField(
        label=gettext_lazy("Veilig Thuis organisation"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
    )
    reason = forms.CharField(
        label=gettext_lazy("Why it belongs there"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, current: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.empty_label = str(gettext_lazy("Make a choice"))
        field.queryset = Organisation.objects.filter(kind=OrganisationKind.VEILIG_THUIS, active=True).exclude(
            pk=current.pk
        )


class BulkHandOverForm(NldsFormMixin, forms.Form):
    """A team lead hands the notifications ticked in the inbox to one colleague, with one reason (the
    police queue's hand-over, on the Veilig Thuis inbox)."""

    notifications = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Notifications"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choose at least one notification.")},
    )
    person = forms.ModelChoiceField(
        label=gettext_lazy("New owner"),
        queryset=User.objects.none(),
        error_messages={"required": gettext_lazy("Choose the colleague who takes the notifications over.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the handover"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Give a reason for the handover.")},
    )

    def __init__(self, *args: Any, colleagues: Any, case_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.fields["notifications"]
        assert isinstance(chosen, forms.TypedMultipleChoiceField)
        chosen.choices = [(pk, str(pk)) for pk in case_ids]
        field: Any = self.fields["person"]
        field.queryset = colleagues
        field.empty_label = str(gettext_lazy("Choose a colleague"))
        field.label_from_instance = absence_marked_name  # whom the kernel refuses, marked
        for name in ("person", "reason"):  # rendered below the table, submitted with the form around it
            self.fields[name].widget.attrs["form"] = "bulk-form"


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FeedbackFilterForm(NldsFormMixin, forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("Feedback"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("missing", gettext_lazy("Missing (past the term)")),
            ("due", gettext_lazy("Due (within the term)")),
            ("sent", gettext_lazy("Sent")),
        ],
    )
    since = forms.DateField(label=gettext_lazy("Received from"), required=False, widget=_date_widget())
    until = forms.DateField(
        label=gettext_lazy("Received up to and including"), required=False, widget=_date_widget()
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", gettext_lazy("This date lies before the date in 'Received from'."))
        return data

    def chosen(self) -> FeedbackFilter:
        """What was chosen; nothing chosen for a form not filled in (a form with errors is not applied: the
        page shows its errors and no notifications)."""
        if not self.is_bound or not self.is_valid():
            return FeedbackFilter()
        data = self.cleaned_data
        return FeedbackFilter(state=data["state"], since=data["since"], until=data["until"])
