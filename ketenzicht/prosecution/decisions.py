"""The ZSM desk's own rules about the prosecutor's decisions, checked when a step of a file is taken (the
kernel's `case_stepping`, in its transaction, before anything is stored): a decision may not contradict what
the file holds. A dismissal for want of a complaint (art. 285b Sr) is refused while a complaint is on file,
and where the file needs none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case

from .models import ZsmFile

PROCESS = "zsm_file"
NO_COMPLAINT = "no_complaint"


def _complaint_refusal(case: Case, values: Mapping[str, Any]) -> Refused | None:
    """A dismissal "no complaint" where the file holds a complaint in time, or needs none."""
    if values.get("dismissal_ground") != NO_COMPLAINT:
        return None
    complaint = case.data.get("complaint")
    if complaint == "on_file":
        on = ZsmFile.objects.filter(pk=case.pk).values_list("complaint_on", flat=True).first()
        said = (
            gettext(
                "A complaint is on file (received on %(on)s): it cannot be dismissed for want of one. Choose "
                "the ground that applies."
            )
            % {"on": f"{on:%d-%m-%Y}"}
            if on
            else gettext(
                "A complaint is on file: it cannot be dismissed for want of one. Choose the ground that "
                "applies."
            )
        )
        return Refused("desk", "dismissal_ground", said=said)
    if complaint == "not_required":
        return Refused(
            "desk",
            "dismissal_ground",
            said=gettext(
                "This file needs no complaint: it cannot be dismissed for want of one. Choose the ground "
                "that applies."
            ),
        )
    return None


def on_stepping(
    sender: Any, case: Case, transition: str, values: Mapping[str, Any], reason: str, **kwargs: Any
) -> dict[str, Any] | None:
    if case.process_version.process != PROCESS:
        return None
    refused = _complaint_refusal(case, values)
    if refused is not None:
        raise refused
    return None
