"""The signal page's forms: assess (a note is required), close (a reason is required) and re-open a closed
signal (a reason is required). Each says at its own field what is missing, in the app's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .services import DESK_REASONS, REOPEN_REASON_LENGTH


class SignalReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you reopen the signal?"),
        help_text=_(
            "For instance: closed by mistake, or a new report came in. It is back among the open signals "
            "of your unit, with its registrations; the history keeps both steps."
        ),
        max_length=REOPEN_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why you reopen the signal.")},
    )


class SignalAssessForm(forms.Form):
    note = forms.CharField(
        label=_("Assessment note"),
        help_text=_("What you looked into and what you concluded; the history keeps it with your name."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write down your assessment.")},
    )

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data, auto_id="assess-%s")


class SignalCloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for closing"),
        choices=[("", _("Choose a reason"))],
        error_messages={
            "required": _("Choose why you close the signal."),
            "invalid_choice": _("Choose why you close the signal."),
        },
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data, auto_id="close-%s")
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = [("", _("Choose a reason"))] + [(r.value, capfirst(r.label)) for r in DESK_REASONS]
