"""Need-to-know: police see the police registrations of their own unit; others see nothing yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketenzicht.audit.access import NotVisible
from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.selectors import registration_get_for_user, registration_list_for_user
from ketenzicht.registrations.services import registration_create
from ketenzicht.registrations.sharing import may_register, sharing_rules
from tests.conftest import exchange_registration, reference_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrations() -> dict[str, Registration]:
    made = {}
    for ref, unit, source in [
        ("OB-1", "oost-brabant", "politie"),
        ("ZWB-1", "zeeland-west-brabant", "politie"),
        ("VT-1", "", "veilig_thuis"),
    ]:
        reference = reference_of(ref, source=source, unit=unit)
        data = exchange_registration(reference=reference, unit=unit, source=source)
        made[ref] = registration_create(actor=None, data=data, channel="import").registration
    return made


@pytest.mark.parametrize(
    ("role", "organisation", "visible"),
    [
        ("police_registrar", "oost-brabant", {"OB-1"}),
        ("case_screener", "oost-brabant", {"OB-1"}),
        ("case_owner", "oost-brabant", {"OB-1"}),
        ("police_registrar", "zeeland-west-brabant", {"ZWB-1"}),
        ("national_analyst", "landelijke-eenheid", set()),
        ("vt_assessor", "vt-brabant-noordoost", set()),
        ("prosecutor", "om-oost-brabant", set()),
        ("victim_support", "slachtofferhulp-nederland", set()),
        ("probation", "reclassering-nederland", set()),
        ("functional_admin", "ketenzicht-beheer", set()),
        ("privacy_officer", "ketenzicht-beheer", set()),
    ],
)
def test_each_role_sees_what_the_rules_grant(
    make_user: Callable[..., Any],
    registrations: dict[str, Registration],
    role: str,
    organisation: str,
    visible: set[str],
) -> None:
    user = make_user(role, organisation=organisation)
    assert {r.pk for r in registration_list_for_user(user=user)} == {registrations[ref].pk for ref in visible}
    for ref, registration in registrations.items():
        if ref in visible:
            assert registration_get_for_user(user=user, pk=registration.pk) == registration
        else:
            with pytest.raises(NotVisible):
                registration_get_for_user(user=user, pk=registration.pk)


def test_an_inactive_user_sees_nothing(
    make_user: Callable[..., Any], registrations: dict[str, Registration]
) -> None:
    user = make_user("police_registrar")
    user.is_active = False
    assert not registration_list_for_user(user=user).exists()


def test_only_a_registrar_registers_and_only_for_the_own_unit(make_user: Callable[..., Any]) -> None:
    registrar = make_user("police_registrar", organisation="oost-brabant")
    screener = make_user("case_screener", organisation="oost-brabant")
    assert may_register(registrar, source="politie", unit_code="oost-brabant")
    assert not may_register(registrar, source="politie", unit_code="limburg")
    assert not may_register(registrar, source="veilig_thuis", unit_code="")
    assert not may_register(screener) and may_register(registrar)


def test_the_rules_are_versioned_data_with_a_content_hash() -> None:
    rules = sharing_rules()
    assert rules.version and len(rules.content_hash) == 64
    assert {rule.scope for rule in rules.see} <= {
        "own_unit",
        "own_vt_region",
        "own_district_office",
        "national",
    }
