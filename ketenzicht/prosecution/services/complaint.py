"""The complaint (art. 285b Sr): recorded, and whether it came within its term."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.workprocesses.labels import note_words
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.selectors import case_start
from ketenzicht.workprocesses.services import (
    case_record,
)

from ..models import ZsmFile
from .names import (
    COMPLAINT_BEFORE_OPENED,
    COMPLAINT_BEFORE_REGISTRATION,
    COMPLAINT_LATE_NOTE,
    COMPLAINT_LINE,
    FileRefused,
)


def complaint_record(file: ZsmFile, *, on: date, actor: User, expected_version: int | None) -> Case:
    """The victim's complaint came in on `on`. One that comes after the term cannot open a prosecution: it is
    kept in the history, the file stays without a complaint."""
    if not file.complaint_required:
        raise FileRefused("complaint_on", gettext_noop("this file needs no complaint"))
    if on > timezone.localdate():
        raise FileRefused("complaint_on", gettext_noop("the date lies in the future"))
    # A complaint is about what the file's registrations report: it is not made before the first of them.
    start = case_start(file.case)
    if on < start.day:
        raise FileRefused(
            "complaint_on",
            COMPLAINT_BEFORE_REGISTRATION if start.by == "registration" else COMPLAINT_BEFORE_OPENED,
            day=start.day,
        )
    in_time = file.complaint_due is None or on <= file.complaint_due
    # Late: the note says so, written in the installation's language and shown in the reader's.
    note, words = (
        ("", {}) if in_time else note_words(COMPLAINT_LATE_NOTE, due=f"{file.complaint_due:%d-%m-%Y}")
    )
    with transaction.atomic():
        case = case_record(
            file.case,
            values={"complaint": "on_file"} if in_time else {},
            actor=actor,
            expected_version=expected_version,
            note=note,
            detail={"complaint_on": on.isoformat(), "in_time": in_time, **words},
            what=COMPLAINT_LINE,
        )
        ZsmFile.objects.filter(pk=file.pk).update(complaint_on=on)
    if not in_time:
        raise FileRefused(
            "complaint_on",
            gettext_noop("the complaint came after its term: it is kept, but cannot open a prosecution"),
        )
    return case
