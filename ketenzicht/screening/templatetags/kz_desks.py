"""Screening cases on the pages of the apps below the screening desk (the dossier, a signal, the kernel's
case page): thin tags over `ketenzicht.screening.shown_elsewhere`; those apps' templates load them, their
code never imports the desk."""

from __future__ import annotations

from typing import Any

from django import template

from ketenzicht.screening.shown_elsewhere import (
    CasePerson,
    PersonCases,
    case_persons,
    person_screening_cases_for_user,
    signal_case_for_user,
)
from ketenzicht.workprocesses.models import Case

register = template.Library()


@register.simple_tag
def kz_person_screening_cases(user: Any, person: Any) -> PersonCases:
    return person_screening_cases_for_user(user=user, person=person)


@register.simple_tag
def kz_signal_case(user: Any, signal: Any) -> Case | None:
    return signal_case_for_user(user=user, signal=signal)


@register.simple_tag
def kz_case_persons(user: Any, case: Case) -> list[CasePerson]:
    return case_persons(case, user=user)
