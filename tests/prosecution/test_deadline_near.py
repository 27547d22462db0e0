"""The ZSM table marks a file whose deadline passes before the end of the next working day ("termijn loopt
bijna af") and shows those files on their own, beside the overdue ones; another office sees none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.workprocesses.models import Case
from tests.clients import signed_in
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db

NEAR = 'data-testid="deadline-near"'


def _deadline(file: ZsmFile, deadline: Any) -> None:
    Case.objects.filter(pk=file.case_id).update(deadline_at=deadline)
    ZsmFile.objects.filter(pk=file.pk).update(deadline_at=deadline)


def test_the_table_marks_files_due_soon_and_lists_them_apart(make_user: Callable[..., Any], eva: Any) -> None:
    file = send_to_zsm(make_user)[0]
    client = signed_in(eva)
    desk = reverse("prosecution:desk")
    _deadline(file, timezone.now() + timedelta(days=30))
    far = client.get(desk).content.decode()
    assert file.case.reference in far and NEAR not in far
    assert 'data-testid="zsm-empty"' in client.get(desk, {"show": "near"}).content.decode()
    _deadline(file, timezone.now() + timedelta(hours=2))
    page = client.get(desk).content.decode()
    assert NEAR in page and "termijn loopt bijna af" in page
    near = client.get(desk, {"show": "near"}).content.decode()
    assert file.case.reference in near
    assert '<option value="near" selected>Termijn loopt bijna af</option>' in near
    other = signed_in(make_user("prosecutor", organisation="om-zeeland-west-brabant"))
    empty = other.get(desk, {"show": "near"}).content.decode()
    assert file.case.reference not in empty
    assert "Van geen open dossier loopt de termijn bijna af." in empty
