"""What the intake keeps of its own: the registration forms sent, each once (`FormSubmission`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketenzicht.registrations.models import Registration


class FormSubmission(models.Model):
    """A registration form sent and stored: its one-time token (issued with the empty form, see
    `intake.form_tokens`) and the registration it stored. The row is claimed as the first write of the
    transaction that stores the registration (`pipeline.intake_form_registration`), so the same form sent
    again (Back, a reload, a double click) stores nothing new and finds this registration; a second send
    while the first is being stored waits for it. `registration` is empty only inside that transaction."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="unique_form_submission")]

    def __str__(self) -> str:
        return f"form {self.token} of user {self.user_id}"
