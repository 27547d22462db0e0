"""A desk that requires a step's reason now (`panels.register_reason_required`), where the definition leaves
it optional: the step's form labels and marks the reason as required, and says the desk's words when it is
left empty; without the desk's rule the reason stays optional."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses import panels
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.forms import TransitionForm
from ketenzicht.workprocesses.models import Case
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

SAID = "Say why you start now."


@pytest.fixture
def case() -> Case:
    registered_at = (timezone.now() - timedelta(days=1)).isoformat(timespec="seconds")
    take_in("PL0600-R-1", MARCO, LOTTE, registered_at=registered_at, relation="partner", summary="Ruzie.")
    return ScreeningCase.objects.get().case


@pytest.fixture
def desk_rule(case: Case) -> Iterator[None]:
    """A desk of the case's process that requires the reason of "start_screening" (and no other step)."""
    process = case.process_version.process
    before = panels._REASONS_REQUIRED.get(process)
    panels.register_reason_required(process, lambda c, step: SAID if step == "start_screening" else None)
    yield
    if before is None:
        panels._REASONS_REQUIRED.pop(process, None)
    else:
        panels.register_reason_required(process, before)


def _form(case: Case, step: str, data: dict[str, Any] | None = None) -> TransitionForm:
    definition = definition_of(case.process_version)
    transition = definition.transition(step)
    assert transition is not None and not transition.requires.reason
    return TransitionForm(
        data,
        definition=definition,
        transition=transition,
        recorded=case.data,
        reason_required=panels.reason_required(case, step),
    )


def test_a_reason_the_desk_requires_is_labelled_required_and_said_when_empty(
    case: Case, desk_rule: None
) -> None:
    with translation.override("en"):
        form = _form(case, "start_screening")
        assert form.fields["reason"].required and form.fields["reason"].label == "Reason"
        empty = _form(case, "start_screening", {"step-start_screening-lock_version": case.lock_version})
        assert not empty.is_valid() and empty.errors["reason"] == [SAID]


def test_without_the_desks_rule_the_reason_stays_optional(case: Case) -> None:
    with translation.override("en"):
        form = _form(case, "start_screening")
        assert not form.fields["reason"].required and form.fields["reason"].label == "Explanation (optional)"
        empty = _form(case, "start_screening", {"step-start_screening-lock_version": case.lock_version})
        assert empty.is_valid()
