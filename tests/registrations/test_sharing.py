"""Need-to-know: police see the police registrations of their own unit; under a stated purpose police
screeners, case owners and team leads see those of every unit; Veilig Thuis sees its own region's
registrations and the police registrations disclosed to it (notified), while the disclosure stands; others
see nothing yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketenzicht.audit.access import NotVisible
from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.selectors import registration_get_for_user, registration_list_for_user
from ketenzicht.registrations.services import registration_create
from ketenzicht.registrations.sharing import (
    RULES_PATH,
    SharingRules,
    may_register,
    may_see_registrations,
    sharing_rules,
    visibility_filter,
)
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
        ("vt_assessor", "vt-brabant-noordoost", {"VT-1"}),
        ("vt_assessor", "vt-amsterdam-amstelland", set()),
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
        "disclosed",
    }


@pytest.mark.parametrize(
    ("role", "organisation", "visible"),
    [
        ("case_screener", "oost-brabant", {"OB-1", "ZWB-1"}),
        ("case_owner", "oost-brabant", {"OB-1", "ZWB-1"}),
        ("team_lead", "oost-brabant", {"OB-1", "ZWB-1"}),
        ("case_screener", "zeeland-west-brabant", {"OB-1", "ZWB-1"}),
        ("police_registrar", "oost-brabant", {"OB-1"}),  # registrars keep their own unit
        ("police_registrar", "zeeland-west-brabant", {"ZWB-1"}),
        ("national_analyst", "landelijke-eenheid", set()),
        ("vt_assessor", "vt-brabant-noordoost", {"VT-1"}),
        ("vt_assessor", "vt-amsterdam-amstelland", set()),
        ("prosecutor", "om-oost-brabant", set()),
        ("functional_admin", "ketenzicht-beheer", set()),
        ("privacy_officer", "ketenzicht-beheer", set()),
    ],
)
def test_under_a_stated_purpose_police_screening_sees_every_unit(
    make_user: Callable[..., Any],
    registrations: dict[str, Registration],
    role: str,
    organisation: str,
    visible: set[str],
) -> None:
    """The rule with `needs_purpose` applies to a purposed look-up only; Veilig Thuis's registration stays
    behind its own rules for every police role."""
    user = make_user(role, organisation=organisation)
    purposed = registration_list_for_user(user=user, purposed=True)
    assert {r.pk for r in purposed} == {registrations[ref].pk for ref in visible}
    plain = {r.pk for r in registration_list_for_user(user=user)}
    assert plain <= {r.pk for r in purposed}
    assert registrations["ZWB-1"].pk not in plain or organisation == "zeeland-west-brabant"
    for ref, registration in registrations.items():
        if ref in visible:
            assert registration_get_for_user(user=user, pk=registration.pk, purposed=True) == registration
        else:
            with pytest.raises(NotVisible):
                registration_get_for_user(user=user, pk=registration.pk, purposed=True)


def test_without_a_purpose_another_units_registration_is_the_one_404_logged_once_with_no_purpose(
    make_user: Callable[..., Any], registrations: dict[str, Registration]
) -> None:
    from ketenzicht.audit.models import AccessLogEntry

    screener = make_user("case_screener", organisation="oost-brabant")
    with pytest.raises(NotVisible):
        registration_get_for_user(user=screener, pk=registrations["ZWB-1"].pk)
    refused = AccessLogEntry.objects.get(object_type="registration", result="refused")
    assert refused.object_id == str(registrations["ZWB-1"].pk) and refused.purpose == ""
    with pytest.raises(NotVisible):
        registration_get_for_user(
            user=screener, pk=registrations["VT-1"].pk, purposed=True, purpose="case PL0600-Z-1"
        )
    assert AccessLogEntry.objects.filter(purpose="case PL0600-Z-1", result="refused").count() == 1


def test_a_team_lead_searches_only_under_a_purpose(make_user: Callable[..., Any]) -> None:
    lead = make_user("team_lead", organisation="oost-brabant")
    assert visibility_filter(lead) is None and not may_see_registrations(lead)
    assert visibility_filter(lead, purposed=True) is not None and may_see_registrations(lead, purposed=True)


def _rules(**change: Any) -> dict[str, Any]:
    import yaml

    raw: dict[str, Any] = yaml.safe_load(RULES_PATH.read_text())
    for where, rule_change in change.items():
        section, index = where.rsplit("_", 1)
        raw[section][int(index)].update(rule_change)
    return raw


def test_needs_purpose_is_validated_like_the_other_keys() -> None:
    from pydantic import ValidationError

    purposed = [rule for rule in SharingRules.model_validate(_rules()).see if rule.needs_purpose]
    assert [rule.name for rule in purposed] == ["police-national-with-purpose"]
    for bad in ({"see_0": {"needs_purpose": "yes"}}, {"see_0": {"needs_purpose": 1}}):
        with pytest.raises(ValidationError, match="needs_purpose"):
            SharingRules.model_validate(_rules(**bad))
    with pytest.raises(ValidationError, match="create rules take no needs_purpose"):
        SharingRules.model_validate(_rules(create_0={"needs_purpose": True}))
    with pytest.raises(ValidationError, match="needs_a_purpose"):
        SharingRules.model_validate(_rules(see_0={"needs_a_purpose": True}))


def test_the_purposed_rule_is_police_only_and_national() -> None:
    purposed = [rule for rule in sharing_rules().see if rule.needs_purpose]
    assert [(r.organisation_kind, r.scope, [s.value for s in r.sources]) for r in purposed] == [
        ("politie", "national", ["politie"])
    ]
    assert "police_registrar" not in {role.value for rule in purposed for role in rule.roles}


def test_veilig_thuis_sees_a_police_registration_only_while_it_is_disclosed_to_it(
    make_user: Callable[..., Any], registrations: dict[str, Registration]
) -> None:
    from django.utils import timezone

    from ketenzicht.organisations.models import Organisation
    from ketenzicht.registrations.models import Disclosure

    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    other = make_user("vt_assessor", organisation="vt-amsterdam-amstelland")
    police = registrations["OB-1"]
    assert police.pk not in {r.pk for r in registration_list_for_user(user=assessor)}
    disclosure = Disclosure.objects.create(
        registration=police,
        organisation=Organisation.objects.get(code="vt-brabant-noordoost"),
        purpose="veilig_thuis_notification",
        created_at=timezone.now(),
    )
    assert police.pk in {r.pk for r in registration_list_for_user(user=assessor)}
    assert police.pk not in {r.pk for r in registration_list_for_user(user=other)}
    assert registration_get_for_user(user=assessor, pk=police.pk).pk == police.pk
    disclosure.ended_at = timezone.now()
    disclosure.save()
    assert police.pk not in {r.pk for r in registration_list_for_user(user=assessor)}
    with pytest.raises(NotVisible):
        registration_get_for_user(user=assessor, pk=police.pk)


@pytest.mark.parametrize(
    ("purpose", "seen"),
    [("zsm_file", True), ("measure_breach", True), ("veilig_thuis_notification", False), ("other", False)],
)
def test_a_district_office_sees_what_is_disclosed_to_it_for_its_tasks_only(
    make_user: Callable[..., Any], registrations: dict[str, Registration], purpose: str, seen: bool
) -> None:
    """A prosecutor sees a police registration disclosed to the office for its ZSM table or as the breach
    of one of its measures (rules `om-zsm-file`, `om-measure-breach`), and not for a task no rule names;
    another office sees none of it."""
    from django.utils import timezone

    from ketenzicht.organisations.models import Organisation
    from ketenzicht.registrations.models import Disclosure

    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    other = make_user("prosecutor", organisation="om-zeeland-west-brabant")
    police = registrations["ZWB-1"]  # another unit's: the office sees it for the task, not by its area
    Disclosure.objects.create(
        registration=police,
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        purpose=purpose,
        reference="MR2026-000001",
        created_at=timezone.now(),
    )
    assert ({r.pk for r in registration_list_for_user(user=prosecutor)} == {police.pk}) is seen
    assert not registration_list_for_user(user=other).exists()


def test_disclosure_purposes_go_with_the_disclosed_scope_only() -> None:
    from pydantic import ValidationError

    rules = SharingRules.model_validate(_rules())
    assert {rule.name: rule.disclosure_purposes for rule in rules.see if rule.scope == "disclosed"} == {
        "vt-notified": ["veilig_thuis_notification"],
        "om-zsm-file": ["zsm_file"],
        "om-measure-breach": ["measure_breach"],
    }
    with pytest.raises(ValidationError, match="disclosure_purposes go with scope disclosed only"):
        SharingRules.model_validate(_rules(see_0={"disclosure_purposes": ["zsm_file"]}))
    with pytest.raises(ValidationError, match="disclosure_purposes"):
        SharingRules.model_validate(_rules(see_5={"disclosure_purposes": []}))
