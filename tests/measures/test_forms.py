"""The measure form's banned municipalities: by name or CBS code; an unknown one is named."""

from __future__ import annotations

from typing import Any

import pytest

from ketenzicht.measures.forms import ImposeForm

pytestmark = pytest.mark.django_db


def _form(municipalities: str) -> Any:
    form = ImposeForm(
        {
            "kind": "restraining_order",
            "suspect": "1",
            "protected": ["2"],
            "starts_on": "2026-12-03",
            "conditions": ["area_ban"],
            "area_municipalities": municipalities,
        },
        names={1: "Marco Hendriks", 2: "Lotte de Wit"},
        suspects=[1],
        victims=[2],
    )
    form.is_valid()
    return form


def test_municipalities_by_name_or_code(reference_data: None) -> None:
    form = _form("Eindhoven, 's-hertogenbosch; GM0796 gm0855")
    assert form.cleaned_data["area_municipalities"] == ["GM0772", "GM0796", "GM0855"]


def test_an_unknown_municipality_is_named(reference_data: None) -> None:
    form = _form("Eindhoven, Atlantis")
    assert "Atlantis" in str(form.errors["area_municipalities"])
