"""The purpose form and the search box."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import User
from ketenzicht.ui.forms import NldsFormMixin

from .break_glass import NOTE_MIN_LENGTH, REASON_MIN_LENGTH, REASON_MIN_WORDS
from .engine.query import MAX_QUERY_LENGTH, QueryError, parse_query
from .models import BreakGlassDecision
from .purpose import LISTED_REASONS, Purpose, PurposeInvalid, purpose_make, reasons_for

# A search box left empty: what to type, not "this field is required".
QUERY_REQUIRED = _("Type a name, with a date of birth, postcode or BSN if you know it.")


class PurposeForm(NldsFormMixin, forms.Form):
    purpose_reason = forms.ChoiceField(
        label=_("Purpose of this look-up"),
        choices=[("", _("Choose a purpose")), *LISTED_REASONS],
        required=False,
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
        self.fields["purpose_reason"].choices = [("", _("Choose a purpose")), *reasons_for(user)]

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
        error_messages={"required": QUERY_REQUIRED},
    )
    field_order = ["q", "purpose_reason", "purpose_registration", "purpose_text"]

    def clean_q(self) -> str:
        return _readable_query(self.cleaned_data.get("q"))


def _readable_query(value: Any) -> str:
    text = str(value or "")
    try:
        parse_query(text)
    except QueryError as error:
        raise forms.ValidationError(gettext(error.message)) from None
    return text


class BreakGlassForm(NldsFormMixin, forms.Form):
    """Break-the-glass: a reason of at least REASON_MIN_LENGTH characters and an explicit confirmation."""

    reason = forms.CharField(
        label=_("Reason for this access outside the sharing rules"),
        min_length=REASON_MIN_LENGTH,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you need this person's whole history now (at least 20 characters)."),
        error_messages={"required": _("State the reason for this access.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that this access is reported to the privacy officer"),
        error_messages={"required": _("Confirm that you understand this access is reported.")},
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        # A reason the privacy officer can judge: words, not a key held down ("aaaaaaaaaaaaaaaaaaaaaa").
        words = [w for w in re.findall(r"[^\W\d_]{2,}", reason) if len(set(w.casefold())) > 1]
        if len(words) < REASON_MIN_WORDS:
            raise forms.ValidationError(
                gettext("Say in words why you need this access: at least %(n)d words.")
                % {"n": REASON_MIN_WORDS}
            )
        return reason


class BreakGlassDecisionForm(NldsFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Judgement"),
        choices=[
            ("", _("Choose a judgement")),
            (BreakGlassDecision.PROPER.value, _("Proper")),
            (BreakGlassDecision.IMPROPER.value, _("Improper")),
        ],
        error_messages={"required": _("Choose proper or improper.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required with improper (at least 10 characters): it goes to the user and their team lead."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        note = str(data.get("note") or "").strip()
        data["note"] = note
        if data.get("decision") == BreakGlassDecision.IMPROPER and len(note) < NOTE_MIN_LENGTH:
            self.add_error("note", gettext("Explain an improper judgement in at least 10 characters."))
        return data


class BreakGlassSearchForm(BreakGlassForm):
    """A person search outside the sharing rules: the box, and the reason and the confirmation, asked for
    before the search runs."""

    q = forms.CharField(
        label=_("Name, with date of birth, postcode or BSN if known"),
        max_length=MAX_QUERY_LENGTH,
        help_text=_("For example: “J. vd Berg 1985”, “Berg, van der”, “jan vanderberg 5611 NB”."),
        error_messages={"required": QUERY_REQUIRED},
    )
    field_order = ["q", "reason", "confirm"]

    def clean_q(self) -> str:
        return _readable_query(self.cleaned_data.get("q"))
