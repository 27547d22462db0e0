"""The suspect's protective measures and breaches on the ZSM file: "earlier" only for measures that started
before the file's offences, those in force now said apart, breaches as the measures registry found them and
as registrations of a breach offence; counted over what the prosecutor may see. Of the measures they may not
see only the count, published beside it; of the registrations they may not see (the police's, not disclosed
to the office) nothing, not even "fewer than 5"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.prosecution.facts import suspect_history
from tests.measures.helpers import recent, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db


@pytest.fixture
def eva(make_user: Any, reference_data: Any) -> Any:
    user = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    post_assign(
        organisation=Organisation.objects.get(code="om-oost-brabant"), user=user, kind=PostKind.DV_PROSECUTOR
    )
    return user


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
    # The triage counts them the same way: the breach is a reason.
    assert "breach_of_measure" in file.triage["reasons"]
    client = Client()
    client.force_login(eva)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    said = page.split('data-testid="zsm-measure-history">', 1)[1].split("</p>", 1)[0]
    assert (
        f"vóór de feiten van dit dossier ({today:%d-%m-%Y}): 1, en minder dan 5 die u niet mag inzien."
        in said
    )
    assert "Nu van kracht, naast die van dit dossier: 1." in said
    # The breach in Amsterdam's registration is the police's, not disclosed to the office: not counted here.
    assert "geregistreerd als overtredingsfeit): 1." in said
    # Nor in the count of the pair's registrations: Amsterdam's is not the office's to see, nor to count.
    pair = page.split('data-testid="zsm-pair-history">', 1)[1].split("</p>", 1)[0]
    assert "en die u mag inzien: 1." in pair and "niet mag inzien" not in pair
    assert file.triage["facts"]["registrations"] == 2


def test_the_triage_reason_on_the_pair_count_tells_no_more_than_the_count_beside_it(
    make_user: Any, eva: Any
) -> None:
    """The triage counts the pair's registrations over all units; the file shows the prosecutor the one
    they may see, nothing of the others. "Five or more" beside that would tell that exactly 4 are hidden:
    the reason says it counts registrations they may not see, without a count."""
    for n in range(4):  # four reports in Amsterdam: the district office may not see them
        take_in(
            f"PL0500-R-{n}",
            MARCO,
            LOTTE,
            registered_at=recent(60 - n),
            unit="amsterdam",
            municipality="GM0363",
        )
    file, _police_case = send_to_zsm(make_user)
    assert file.triage["facts"]["registrations"] == 5 and "repeated_reports" in file.triage["reasons"]
    client = Client()
    client.force_login(eva)
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    pair = page.split('data-testid="zsm-pair-history">', 1)[1].split("</p>", 1)[0]
    assert "en die u mag inzien: 1." in pair and "minder dan 5" not in pair
    reasons = page.split('data-testid="zsm-triage-reasons">', 1)[1].split("</ul>", 1)[0]
    assert "Vijf of meer" not in reasons and not any(ch.isdigit() for ch in reasons)
    assert "Herhaalde registraties over dit paar, ook registraties die u niet mag inzien" in reasons
