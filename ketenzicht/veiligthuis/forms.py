"""Forms of the Veilig Thuis desk: the inbox's filters and forwarding a notification."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.ui.forms import NldsFormMixin

from .labels import RADAR_GROUPS
from .selectors import InboxFilter


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
        ],
    )
    acute = forms.BooleanField(label=gettext_lazy("Acute only"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def chosen(self) -> InboxFilter:
        if not self.is_bound or not self.is_valid():
            return InboxFilter()
        data = self.cleaned_data
        return InboxFilter(
            radar=data["radar"], owner=data["owner"], overdue=data["overdue"], acute=data["acute"]
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
