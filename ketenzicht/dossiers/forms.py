"""The purpose form and the search box."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import User
from ketenzicht.ui.forms import NldsFormMixin

from .engine.query import MAX_QUERY_LENGTH, QueryError, parse_query
from .purpose import LISTED_REASONS, Purpose, PurposeInvalid, purpose_make


class PurposeForm(NldsFormMixin, forms.Form):
    purpose_reason = forms.ChoiceField(
        label=_("Purpose of this look-up"), choices=[("", "—"), *LISTED_REASONS], required=False
    )
    purpose_registration = forms.CharField(
        label=_("Registration you work on (reference)"),
        required=False,
        max_length=120,
        help_text=_("Only with the purpose “A registration I work on”."),
    )
    purpose_text = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Why you need this person's data now (at least 10 characters; optional with a registration)."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.purpose: Purpose | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.purpose = purpose_make(
                user=self.user,
                reason=data.get("purpose_reason"),
                text=data.get("purpose_text"),
                registration=data.get("purpose_registration"),
            )
        except PurposeInvalid as error:
            self.add_error(error.field, gettext(error.message))
        return data


class SearchForm(PurposeForm):
    q = forms.CharField(
        label=_("Name, with date of birth, postcode or BSN if known"),
        max_length=MAX_QUERY_LENGTH,
        help_text=_("For example: “J. vd Berg 1985”, “Berg, van der”, “jan vanderberg 5611 NB”."),
    )
    field_order = ["q", "purpose_reason", "purpose_registration", "purpose_text"]

    def clean_q(self) -> str:
        text = str(self.cleaned_data.get("q") or "")
        try:
            parse_query(text)
        except QueryError as error:
            raise forms.ValidationError(gettext(error.message)) from None
        return text
