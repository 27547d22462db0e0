"""A case's reference says which desk's case it is: a police screening case "Z2026-…", a Veilig Thuis
notification "VT2026-…", a ZSM file "ZSM2026-…", all numbered in one series."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses import references
from ketenzicht.workprocesses.references import case_reference, register_reference_prefix
from tests.prosecution.helpers import send_to_zsm


def test_a_process_without_letters_of_its_own_is_a_case() -> None:
    at = datetime(2026, 3, 1, 12, 0)
    assert case_reference("no_such_process", at, 75) == "Z2026-000075"
    assert case_reference("vt_safety_assessment", at, 81) == "VT2026-000081"
    assert case_reference("zsm_file", at, 83) == "ZSM2026-000083"


@pytest.mark.parametrize("letters", ["", "vt", "ABCD", "V1", "MR", "PL", "Z", "VT"])
def test_letters_that_could_be_misread_are_refused(letters: str, monkeypatch: Any) -> None:
    monkeypatch.setattr(references, "_PREFIXES", dict(references._PREFIXES))
    with pytest.raises(ValueError, match="reference prefix"):
        register_reference_prefix("another_process", letters)


def test_a_desk_may_register_its_own_letters_again(monkeypatch: Any) -> None:
    monkeypatch.setattr(references, "_PREFIXES", dict(references._PREFIXES))
    register_reference_prefix("vt_safety_assessment", "VT")
    register_reference_prefix("another_process", "AP")
    assert case_reference("another_process", datetime(2025, 1, 2), 7) == "AP2025-000007"


@pytest.mark.django_db
def test_the_police_case_the_notification_and_the_file_of_one_report_read_apart(
    make_user: Any, reference_data: Any
) -> None:
    office = Organisation.objects.get(code="om-oost-brabant")
    post_assign(
        organisation=office,
        user=make_user("prosecutor", organisation=office.code),
        kind=PostKind.DV_PROSECUTOR,
    )
    file, police_case = send_to_zsm(make_user)
    notification = Notification.objects.get(police_case=police_case)
    year = f"{police_case.opened_at:%Y}"
    assert re.fullmatch(rf"Z{year}-\d{{6}}", police_case.reference)
    assert notification.case.reference == f"VT{notification.case.opened_at:%Y}-{notification.case.pk:06d}"
    assert file.case.reference == f"ZSM{file.case.opened_at:%Y}-{file.case.pk:06d}"
