"""The password rules' messages that Django's own Dutch catalog lacks: Django 5.2 words the minimum length
with a %d its Dutch translation does not have, so the message stayed English on a Dutch page."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, with a message the Ketenzicht catalog translates."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it must have at least %(min_length)d character.",
            "This password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
