"""`load_demo` gives a newcomer the storylines, each visible to the demo users of its unit."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.registrations.selectors import registration_list_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_400(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded once with 400 registrations for the tests that read it (each test's changes taken
    back at its end), in a transaction rolled back after the last of them; its output."""
    out = io.StringIO()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", "--force", "--registrations", "400", stdout=out)
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield out.getvalue()
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_demo_register_holds_the_storylines_for_the_right_users(
    demo_400: str, make_user: Callable[..., Any], capsys: Any
) -> None:
    out = demo_400
    assert (
        "registrar" in out and "ketenzicht-demo" in out and "Demo register: 400 registrations stored" in out
    )

    registrar = make_user("police_registrar", organisation="oost-brabant")
    seen = registration_list_for_user(user=registrar)
    linden = PersonMention.objects.filter(registration__in=seen, role="suspect", surname__icontains="linden")
    spellings = {(m.given_names, m.surname_prefix, m.surname) for m in linden}
    assert len(spellings) >= 3, spellings  # one ex-partner, written down three ways and more
    assert {"285", "350", "184a"} <= set(
        linden.values_list("registration__offences__article", flat=True).exclude(registration__offences=None)
    )

    other_unit = make_user("police_registrar", organisation="zeeland-west-brabant")
    tilburg = registration_list_for_user(user=other_unit).filter(mentions__surname="Wijngaarde")
    assert tilburg.exists() and not tilburg.filter(unit__code="oost-brabant").exists()
    # The moved victim: her dossier, opened with a purpose, shows Oost-Brabant's screener her Tilburg
    # history; the registrar keeps the own unit.
    from ketenzicht.dossiers.dossier import dossier_for_user
    from ketenzicht.persons.models import Person

    sedney = Person.objects.get(
        pk=PersonMention.objects.filter(surname="Sedney", registration__unit__code="oost-brabant").values(
            "link__person_id"
        )[:1]
    )
    screener = make_user("case_screener", organisation="oost-brabant")
    dossier = dossier_for_user(user=screener, person=sedney, purposed=True)
    assert dossier is not None
    assert {line.registration.reference[:6] for line in dossier.lines} == {"PL0900", "PL0600"}
    own = dossier_for_user(user=registrar, person=sedney, purposed=True)
    assert own is not None and {line.registration.reference[:6] for line in own.lines} == {"PL0600"}

    # The register ends in the week before today, whatever day the demo is loaded.
    newest = Registration.objects.order_by("-registered_at").first()
    assert newest is not None
    assert timezone.localdate() - timedelta(days=13) <= timezone.localdate(newest.registered_at)
    assert newest.registered_at <= timezone.now()

    # Overdue cases went a level at a time, each when it fell due (the scheduler replayed), never two
    # levels at one moment; the chain contact was told only a term after the team lead.
    from ketenzicht.workprocesses.models import CaseEvent

    levels: dict[int, list[tuple[Any, int]]] = {}
    escalations = CaseEvent.objects.filter(kind="escalated").order_by("at", "id")
    for case_id, at, level in escalations.values_list("case_id", "at", "detail__level"):
        levels.setdefault(case_id, []).append((at, level))
    assert any(len(rows) == 2 for rows in levels.values())  # the chain contact's turn came for some
    for rows in levels.values():
        assert len({at for at, _ in rows}) == len(rows)
        assert [level for _, level in rows] in ([1], [1, 2])

    call_command("load_demo", "--force", "--registrations", "400")
    assert "0 registrations stored, 400 already present" in capsys.readouterr().out
    assert Registration.objects.count() == 400


def test_the_demo_ex_partner_is_one_person_across_spellings_the_undated_one_through_his_ex_partner(
    demo_400: str,
) -> None:
    from ketenzicht.linking.models import MentionLink, ReviewItem

    dennis = MentionLink.objects.filter(mention__role="suspect", mention__birth_date_raw="1986-03-14")
    spellings = set(dennis.values_list("mention__given_names", "mention__surname_prefix", "mention__surname"))
    assert len(spellings) >= 3 and len(set(dennis.values_list("person_id", flat=True))) == 1
    person = dennis.first()
    assert person is not None
    # Initials and only the birth month: all initials agree and the known parts of the date.
    initials = MentionLink.objects.get(mention__given_names="D.J.", mention__surname="v.d. Linden")
    assert initials.person_id == person.person_id
    # No birth date at all: the name alone is too little; the ex-partner he shares with the earlier
    # registrations (Sandra Verbeek, linked by her own date of birth) lifts it over the threshold.
    undated = MentionLink.objects.get(mention__surname="Linden, van der")
    assert undated.person_id == person.person_id and undated.method == "online"
    assert undated.probability is not None and undated.probability >= 0.99
    # The review queue still has work between the thresholds for the reviewer of the demo.
    assert ReviewItem.objects.filter(status="open", reason="between thresholds").exists()


def test_the_register_moves_by_whole_weeks_to_end_before_today(tmp_path: Any) -> None:
    """The generator's window is fixed; the demo moves it by whole weeks (weekdays stay), the same instant
    later in Dutch local time (summer time followed), dates of birth and references unchanged."""
    import json

    from ketenzicht.demo.generator import load_params
    from ketenzicht.demo.services import demo_shift, registrations_moved

    end = load_params().window.end_date
    assert demo_shift(end) == timedelta(0) and demo_shift(end - timedelta(days=30)) == timedelta(0)
    assert demo_shift(end + timedelta(days=6)) == timedelta(0)
    assert demo_shift(end + timedelta(days=34)) == timedelta(weeks=4)
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    line = {
        "source": "politie",
        "reference": "PL0600-2026-000001",
        "registered_at": "2026-10-20T10:15:00+02:00",  # summer time
        "occurred_at": "2026-10-19",
        "persons": [{"ref": "p1", "role": "victim", "birth_date": "1988-09-02"}],
    }
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    registrations_moved(source, target, timedelta(weeks=2))
    moved = json.loads(target.read_text(encoding="utf-8"))
    assert moved["registered_at"] == "2026-11-03T09:15:00+01:00"  # the same instant two weeks on: winter
    assert moved["occurred_at"] == "2026-11-02"
    assert moved["persons"] == line["persons"] and moved["reference"] == line["reference"]
    assert date.fromisoformat(moved["occurred_at"]).weekday() == date(2026, 10, 19).weekday()


def test_the_demo_cases_open_as_their_registrations_came_in_and_the_older_ones_were_worked(
    capsys: Any,
) -> None:
    """Each police screening case opened at its registrations' moment, over the register's years; the older
    ones were worked and closed through their process, in order, before the register ended; the last weeks'
    and the storylines' are open; today's users find no alert of that history unread."""
    from django.db.models import Max

    from ketenzicht.organisations.models import User
    from ketenzicht.screening.models import ScreeningCase
    from ketenzicht.workprocesses.alerts import alert_list_for_user

    call_command("load_demo", "--force", "--registrations", "300")
    out = capsys.readouterr().out
    assert "older ones worked now" in out
    horizon = Registration.objects.aggregate(newest=Max("registered_at"))["newest"]
    cases = list(ScreeningCase.objects.select_related("case", "unit"))
    for screening in cases:
        case = screening.case
        registered = set(case.registrations.values_list("registered_at", flat=True))
        assert case.opened_at in registered, case.reference  # when one of its registrations came in
        opened = case.events.get(kind="opened")
        assert opened.at == case.opened_at
        assert datetime.fromisoformat(opened.detail["deadline_at"]) > case.opened_at  # counted from then
    assert len({screening.case.opened_at.year for screening in cases}) >= 3  # over the register's years
    assert len([s for s in cases if s.case.opened_at < horizon - timedelta(days=365)]) > len(cases) // 3

    closed = [s.case for s in cases if s.case.closed_at is not None]
    assert len(closed) > len(cases) // 2
    for case in closed:
        events = list(case.events.order_by("at", "id"))
        assert events[0].kind == "opened" and events[-1].kind == "transition" and events[-1].reason
        started = [e for e in events if e.transition == "start_screening"]
        assert started and started[0].actor is not None
        assert started[0].actor.username in ("screener", "screener-zwb")
        if case.closed_at < horizon:  # the history's (the demo's one closed case is closed today)
            assert events[-1].at == case.closed_at
    # The storylines are walked open: the knife threat's case, and the moved victim's (sent to ZSM).
    dennis = [s for s in cases if "Linden" in s.suspect_name and s.unit.code == "oost-brabant"]
    assert dennis and all(s.case.closed_at is None for s in dennis)
    assert any(
        s.case.closed_at is None and s.case.state == "with_partners"
        for s in cases
        if "ngaarde" in s.suspect_name
    )
    # Nothing of the history waits unread: today's alerts are about open cases only.
    for name in ("screener", "teamleider", "casusregisseur", "screener-zwb"):
        unread = alert_list_for_user(user=User.objects.get(username=name), unread_only=True)
        assert not unread.filter(case__closed_at__lt=horizon).exists(), name

    call_command("load_demo", "--force", "--registrations", "300")
    assert "older ones worked now" not in capsys.readouterr().out  # safe to repeat
