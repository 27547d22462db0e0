"""The suspect's protective measures and breaches on the ZSM file: "earlier" only for measures that started
before the file's offences, those in force now said apart, breaches as the measures registry found them and
as registrations of a breach offence; counted over what the prosecutor may see. Of the measures and the
registrations they may not see (another office's, the police's not disclosed to the office) nothing, not
even "fewer than 5"; nor does the triage count them."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.organisations.models import Organisation
from ketenzicht.prosecution.facts import suspect_history
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.prosecution.services import FileRefused, triage_choose
from tests.measures.helpers import recent, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db


def test_earlier_measures_current_ones_and_breaches_of_what_the_prosecutor_may_see(
    make_user: Any, eva: Any
) -> None:
    today = timezone.localdate()
    # A breach of a measure registered by the police in Amsterdam: the district office may not see it.
    elsewhere = take_in(
        "PL0500-B-1",
        MARCO,
        LOTTE,
        registered_at=recent(40),
        offences=["184a"],
        unit="amsterdam",
        municipality="GM0363",
    )
    marco, lotte = person_of(elsewhere, "p1"), person_of(elsewhere, "p2")
    # Measures: one long ended, one of another district office, and a restraining order from today on.
    restraining_order(marco, lotte, None, starts_on=today - timedelta(days=100))
    restraining_order(
        marco,
        lotte,
        None,
        starts_on=today - timedelta(days=50),
        district_office=Organisation.objects.get(code="om-amsterdam"),
    )
    restraining_order(marco, lotte, None, starts_on=today)
    # The file: his breach of the contact ban, registered today.
    file, _police_case = send_to_zsm(make_user, offences=["184a"])
    assert file.suspect_id == marco.pk
    whole = suspect_history(file)
    assert (whole.incident, whole.earlier, whole.in_force, whole.breaches) == (today, 2, 1, 2)
    # The triage counts what the office's prosecutors may see: the file's own breach is a reason; the
    # breach in Amsterdam's registration and the measure of another office are not counted.
    assert "breach_of_measure" in file.triage["reasons"]
    assert (file.triage["facts"]["breaches"], file.triage["facts"]["measures"]) == (1, 1)
    client = Client()
    client.force_login(eva)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    said = page.split('data-testid="zsm-measure-history">', 1)[1].split("</p>", 1)[0]
    # The measure of another district office is not theirs to see, nor to count: not even "fewer than 5".
    assert f"die u mag inzien, begonnen vóór de feiten van dit dossier ({today:%d-%m-%Y}): 1." in said
    assert "Nu van kracht en die u mag inzien, naast die van dit dossier: 1." in said
    assert "niet mag inzien" not in said and "minder dan" not in said
    # The breach in Amsterdam's registration is the police's, not disclosed to the office: not counted here.
    assert "geregistreerd als overtredingsfeit): 1." in said
    # Nor in the count of the pair's registrations: Amsterdam's is not the office's to see, nor to count.
    pair = page.split('data-testid="zsm-pair-history">', 1)[1].split("</p>", 1)[0]
    assert "en die u mag inzien: 1." in pair and "niet mag inzien" not in pair
    assert file.triage["facts"]["registrations"] == 1


def _four_reports_in_amsterdam() -> None:
    for n in range(4):  # four reports in Amsterdam: the district office may not see them
        take_in(
            f"PL0500-R-{n}",
            MARCO,
            LOTTE,
            registered_at=recent(60 - n),
            unit="amsterdam",
            municipality="GM0363",
        )


def _triage_of(page: str) -> tuple[str, str]:
    suggested = page.split('data-testid="zsm-suggested">', 1)[1].split("</strong>", 1)[0]
    reasons = page.split('data-testid="zsm-triage-reasons">', 1)[1].split("</ul>", 1)[0]
    return suggested, reasons


def test_the_triage_rests_on_no_registration_the_prosecutor_may_not_see(make_user: Any, eva: Any) -> None:
    """Five police registrations name the pair, four of them in Amsterdam, which the district office may
    neither see nor count (the sharing rules' `counted` gives the prosecution nothing): the triage counts the
    one it may see, so "five or more registrations" is no reason, the route is not the Zorg- en
    Veiligheidshuis, and the reasons do not say that there are registrations the prosecutor may not see."""
    _four_reports_in_amsterdam()
    file, _police_case = send_to_zsm(make_user)
    assert file.triage["facts"]["registrations"] == 1
    assert "repeated_reports" not in file.triage["reasons"] and file.triage["route"] != "zvh"
    client = Client()
    client.force_login(eva)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    pair = page.split('data-testid="zsm-pair-history">', 1)[1].split("</p>", 1)[0]
    assert "en die u mag inzien: 1." in pair and "minder dan 5" not in pair
    suggested, reasons = _triage_of(page)
    assert suggested != "Zorg- en Veiligheidshuis"
    assert "registraties over dit paar" not in reasons and "niet mag inzien" not in page
    # The desk's list shows the kept route: not the Zorg- en Veiligheidshuis either.
    desk = client.get(reverse("prosecution:desk")).content.decode()
    assert "Zorg- en Veiligheidshuis" not in desk


def test_a_triage_kept_over_the_whole_register_is_shown_and_chosen_over_what_the_reader_may_see(
    make_user: Any, eva: Any
) -> None:
    """A triage kept before it counted only what the office may see (five registrations of the pair, four
    of them Amsterdam's): the file shows the prosecutor the route the rules give over what they may see,
    and choosing that route needs no reason."""
    _four_reports_in_amsterdam()
    file, _police_case = send_to_zsm(make_user)
    suggested_route = file.triage["route"]
    kept = {
        **file.triage,
        "route": "zvh",
        "reasons": ["repeated_reports"],
        "facts": {**file.triage["facts"], "registrations": 5},
    }
    ZsmFile.objects.filter(pk=file.pk).update(triage=kept)
    client = Client()
    client.force_login(eva)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    suggested, reasons = _triage_of(page)
    assert suggested != "Zorg- en Veiligheidshuis"
    assert "registraties over dit paar" not in reasons and "niet mag inzien" not in page
    file = ZsmFile.objects.select_related("case").get(pk=file.pk)
    # The kept route is not the reader's suggestion: choosing it needs a reason, theirs needs none.
    with pytest.raises(FileRefused):
        triage_choose(file, route="zvh", actor=eva, reason="", expected_version=None)
    case = triage_choose(file, route=suggested_route, actor=eva, reason="", expected_version=None)
    assert ZsmFile.objects.get(pk=file.pk).route == suggested_route, case.state


def test_the_scheduled_check_triages_again_a_file_kept_under_earlier_rules(make_user: Any, eva: Any) -> None:
    """A triage kept under an earlier version of the rules (counted over the whole register: the
    Zorg- en Veiligheidshuis for five registrations, four of them Amsterdam's) suggests that route on the
    desk's list until `manage.py zsm_requests_check` computes it again under the shipped rules, over what
    the office's prosecutors may see; once per version."""
    _four_reports_in_amsterdam()
    file, _police_case = send_to_zsm(make_user)
    current = dict(file.triage)
    old = {
        **current,
        "route": "zvh",
        "reasons": ["repeated_reports"],
        "version": "2026.12.2:0123456789ab",
        "facts": {**current["facts"], "registrations": 5},
    }
    ZsmFile.objects.filter(pk=file.pk).update(triage=old)
    client = Client()
    client.force_login(eva)
    assert "Zorg- en Veiligheidshuis" in client.get(reverse("prosecution:desk")).content.decode()
    out = StringIO()
    call_command("zsm_requests_check", stdout=out)
    assert "1 file(s) triaged again under the shipped triage rules" in out.getvalue()
    kept = ZsmFile.objects.get(pk=file.pk).triage
    assert kept["version"] == current["version"] and kept["route"] == current["route"] != "zvh"
    assert kept["facts"]["registrations"] == 1
    assert "Zorg- en Veiligheidshuis" not in client.get(reverse("prosecution:desk")).content.decode()
    out = StringIO()
    call_command("zsm_requests_check", stdout=out)
    assert "0 file(s) triaged again" in out.getvalue()
