"""Whatever the demo's police users register or send on, a demo user of the receiving organisation can
work it: every Veilig Thuis region and district office their notifications and ZSM files reach."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from ketenzicht.demo.services import demo_users_ensure
from ketenzicht.organisations.models import Municipality, User
from ketenzicht.organisations.selectors import holds_post
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.veiligthuis.models import Notification

pytestmark = pytest.mark.django_db

POLICE_ROLES = ("police_registrar", "case_screener", "case_owner")


def _demo(usernames: list[str], *, role: str) -> set[str]:
    """The organisations (codes) where a demo user holds `role`."""
    found = User.objects.filter(username__in=usernames, is_active=True, roles__role=role)
    return set(found.values_list("organisation__code", flat=True))


def test_every_region_and_office_of_the_demo_police_units_has_a_demo_user() -> None:
    """A registration in Eindhoven or Helmond goes to Veilig Thuis Brabant Zuidoost, one in Tilburg to
    Midden- en West-Brabant: each region and district office of the municipalities the demo's police units
    cover has a demo assessor and a demo prosecutor for domestic violence and stalking."""
    names = [user.username for user in demo_users_ensure()]
    units = set().union(*(_demo(names, role=role) for role in POLICE_ROLES))
    assert units == {"oost-brabant", "zeeland-west-brabant"}
    places = Municipality.objects.filter(police_unit__code__in=units)
    regions = set(places.values_list("vt_region__code", flat=True))
    offices = set(places.values_list("district_office__code", flat=True))
    assert {"vt-brabant-noordoost", "vt-brabant-zuidoost", "vt-midden-en-west-brabant"} <= regions

    assert regions - _demo(names, role="vt_assessor") == set()
    prosecutors = User.objects.filter(username__in=names, roles__role="prosecutor").select_related(
        "organisation"
    )
    dv = {
        user.organisation.code
        for user in prosecutors
        if user.organisation is not None and holds_post(user, "dv_prosecutor")
    }
    assert offices - dv == set()


def test_the_demo_registers_notifications_and_files_land_where_a_demo_user_works() -> None:
    """The storylines notify Veilig Thuis Brabant Zuidoost (Eindhoven, Helmond) as well as Brabant
    Noordoost: every notification of a registration of the demo's police units, and every ZSM file, is at
    an organisation with a demo user who can take it."""
    call_command("load_demo", "--force", "--registrations", "300")
    names = [user.username for user in demo_users_ensure()]
    units = {"oost-brabant", "zeeland-west-brabant"}
    reached = set(
        Notification.objects.filter(registration__unit__code__in=units).values_list(
            "organisation__code", flat=True
        )
    )
    assert "vt-brabant-zuidoost" in reached
    assert reached - _demo(names, role="vt_assessor") == set()
    offices = set(ZsmFile.objects.values_list("district_office__code", flat=True))
    assert offices and offices - _demo(names, role="prosecutor") == set()


def test_the_docs_list_every_demo_user() -> None:
    """README.md and docs/demo.md name every demo user, so a tester finds the one who can work a case."""
    names = [user.username for user in demo_users_ensure()]
    root = Path(settings.BASE_DIR)
    for doc in ("README.md", "docs/demo.md"):
        text = (root / doc).read_text(encoding="utf-8")
        missing = [name for name in names if not re.search(rf"`{re.escape(name)}`", text)]
        assert missing == [], (doc, missing)
