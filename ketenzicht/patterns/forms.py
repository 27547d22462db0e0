"""The signal page's form to re-open a closed signal: a reason is required."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import REOPEN_REASON_LENGTH


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
