"""Filters on the registration list (offence, municipality, kind, period). Not a person search: that needs
a purpose and arrives with the dossier."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Municipality
from ketenzicht.ui.forms import NldsFormMixin

from .models import Kind, Offence, Registration

if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField[Offence]
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Offence]
else:  # Django's form fields are not subscriptable at run time
    _ModelChoiceField = forms.ModelChoiceField
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField


class OffenceChoiceField(_ModelChoiceField):
    def label_from_instance(self, obj: Offence) -> str:
        return obj.long_label


class OffenceMultipleChoiceField(_ModelMultipleChoiceField):
    def label_from_instance(self, obj: Offence) -> str:
        return obj.long_label


class RegistrationFilterForm(NldsFormMixin, forms.Form):
    offence = OffenceChoiceField(
        label=_("Offence"),
        queryset=Offence.objects.all(),
        required=False,
        to_field_name="article",
        empty_label=_("All offences"),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All municipalities"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *Kind.choices], required=False)
    registered_from = forms.DateField(
        label=_("Registered from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    registered_to = forms.DateField(
        label=_("Registered up to and including"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("registered_from"), data.get("registered_to")
        if start and end and end < start:
            self.add_error("registered_to", _("lies before the date in 'Registered from'"))
        return data

    def apply(self, registrations: QuerySet[Registration]) -> QuerySet[Registration]:
        if not self.is_valid():
            return registrations
        data = self.cleaned_data
        if data.get("offence"):
            registrations = registrations.filter(offences=data["offence"])
        if data.get("municipality"):
            registrations = registrations.filter(municipality=data["municipality"])
        if data.get("kind"):
            registrations = registrations.filter(kind=data["kind"])
        if data.get("registered_from"):
            registrations = registrations.filter(registered_at__date__gte=data["registered_from"])
        if data.get("registered_to"):
            registrations = registrations.filter(registered_at__date__lte=data["registered_to"])
        return registrations

    def used(self) -> dict[str, str]:
        """The filters in use, as text, for the access log."""
        if not self.is_valid():
            return {}
        return {name: str(getattr(value, "pk", value)) for name, value in self.cleaned_data.items() if value}
