"""An open ZSM file does not stay with a prosecutor who becomes absent: recording an absence that covers today
hands it to whoever stands in by the office's posts, in the same transaction; an absence that starts later
waits for the periodic check of its first day. Once, and it stays with the stand-in when the prosecutor
returns. With nobody present, the office's prosecutors are alerted once and the file stays."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from ketenzicht.organisations.models import Organisation, Post, PostKind
from ketenzicht.organisations.services import post_absence_set, post_assign
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.prosecution.services import UNATTENDED_LINE, absent_owners_check
from ketenzicht.workprocesses.alerts import alert_text
from ketenzicht.workprocesses.models import Alert, CaseEvent, EventKind
from tests.clients import signed_in
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def office(reference_data: Any) -> Organisation:
    return Organisation.objects.get(code="om-oost-brabant")


@pytest.fixture
def prosecutors(office: Any, make_user: Any) -> tuple[Any, Any, Post]:
    """Eva Smit holds the post for domestic violence and stalking, Pieter Bos is her substitute."""
    eva = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    pieter = make_user("prosecutor", organisation="om-oost-brabant", username="pieter")
    for user, (first, last) in ((eva, ("Eva", "Smit")), (pieter, ("Pieter", "Bos"))):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    post = post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    post_assign(organisation=office, user=pieter, kind=PostKind.DV_SUBSTITUTE)
    return eva, pieter, post


def _owner_lines(file: ZsmFile) -> list[tuple[str, str, str]]:
    return [
        (e.detail.get("from", ""), e.detail["to"], e.actor_name)
        for e in CaseEvent.objects.filter(case=file.case, kind=EventKind.OWNER).order_by("at", "id")
    ]


def _owner(file: ZsmFile) -> Any:
    file.case.refresh_from_db()
    return file.case.owner


def test_an_absence_recorded_on_the_posts_page_hands_the_open_file_to_the_stand_in(
    make_user: Any, prosecutors: Any
) -> None:
    eva, pieter, post = prosecutors
    file, _ = send_to_zsm(make_user)
    assert _owner(file) == eva
    today = timezone.localdate()
    page = signed_in(pieter).get(reverse("prosecution:posts")).content.decode()
    assert "open ZSM-dossiers" in page  # the page says what an absence does to the files
    response = signed_in(pieter).post(
        reverse("prosecution:posts"),
        {
            "post": post.pk,
            "absent_from": today.isoformat(),
            "absent_until": (today + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert _owner(file) == pieter
    assert ZsmFile.objects.get(pk=file.pk).prosecutor == pieter  # the file's panel names who has it now
    # The history: routed to Eva, then by the system to the stand-in because she is absent (in the
    # installation's language).
    assert _owner_lines(file) == [("", "eva", "system"), ("eva", "pieter", "system")]
    handed = CaseEvent.objects.filter(case=file.case, kind=EventKind.OWNER).latest("id")
    assert "Eva Smit" in handed.reason and "afwezig" in handed.reason
    alert = Alert.objects.get(kind="zsm_stand_in", case=file.case)
    assert (alert.recipient, alert.params["absent"]) == (pieter, "Eva Smit")
    with translation.override("en"):
        assert f"ZSM file {file.case.reference} was handed to you as stand-in" in alert_text(alert)
        assert "its prosecutor, Eva Smit, is absent" in alert_text(alert)
    with translation.override("nl"):
        assert f"ZSM-dossier {file.case.reference}" in alert_text(alert) and "afwezig" in alert_text(alert)
    # Recorded again (a second tab, a corrected end), and the check: nothing is handed or told twice.
    post_absence_set(post, absent_from=today, absent_until=today + timedelta(days=5))
    assert absent_owners_check() == []
    assert Alert.objects.filter(kind="zsm_stand_in", case=file.case).count() == 1
    assert len(_owner_lines(file)) == 2
    # Eva returns: the file stays with Pieter, no ping-pong.
    post_absence_set(post, absent_from=None, absent_until=None)
    assert absent_owners_check(on=today + timedelta(days=6)) == []
    assert _owner(file) == pieter and len(_owner_lines(file)) == 2


def test_an_absence_from_tomorrow_waits_for_the_check_of_that_day_and_hands_once(
    make_user: Any, prosecutors: Any
) -> None:
    eva, pieter, post = prosecutors
    file, _ = send_to_zsm(make_user)
    tomorrow = timezone.localdate() + timedelta(days=1)
    post_absence_set(post, absent_from=tomorrow, absent_until=tomorrow + timedelta(days=2))
    assert _owner(file) == eva and not Alert.objects.filter(kind="zsm_stand_in").exists()
    assert absent_owners_check() == []  # today she is in
    assert _owner(file) == eva
    # The scheduler's check on that day.
    morning = timezone.now() + timedelta(days=1)
    out = StringIO()
    call_command("zsm_requests_check", now=morning.isoformat(), stdout=out)
    assert f"{file.case.reference}: handed to the stand-in" in out.getvalue()
    assert _owner(file) == pieter
    # Run twice: handed once, alerted once.
    out = StringIO()
    call_command("zsm_requests_check", now=(morning + timedelta(minutes=5)).isoformat(), stdout=out)
    assert "0 file(s) of absent prosecutors handed" in out.getvalue()
    assert absent_owners_check(on=tomorrow) == []
    assert Alert.objects.filter(kind="zsm_stand_in", case=file.case, recipient=pieter).count() == 1
    assert _owner_lines(file) == [("", "eva", "system"), ("eva", "pieter", "system")]
    # The history names the moment of the check that handed it, not when the command happened to run.
    handed = CaseEvent.objects.filter(case=file.case, kind=EventKind.OWNER).latest("id")
    assert abs((handed.at - morning).total_seconds()) < 1


def test_with_nobody_present_the_office_is_alerted_once_and_the_file_stays(
    make_user: Any, prosecutors: Any, office: Any
) -> None:
    eva, pieter, post = prosecutors
    file, _ = send_to_zsm(make_user)
    today = timezone.localdate()
    substitute = Post.objects.get(user=pieter, kind=PostKind.DV_SUBSTITUTE)
    post_absence_set(substitute, absent_from=today, absent_until=today + timedelta(days=1))
    post_absence_set(post, absent_from=today, absent_until=today + timedelta(days=9))
    assert _owner(file) == eva
    alert = Alert.objects.get(kind="zsm_unrouted", case=file.case)
    assert (alert.recipient, alert.role, alert.organisation) == (None, "prosecutor", office)
    with translation.override("en"):
        assert "its prosecutor, Eva Smit, is absent" in alert_text(alert)
        assert "nor the substitute is present. Take it on." in alert_text(alert)
    lines = CaseEvent.objects.filter(case=file.case, kind=EventKind.RECORDED, detail__what=UNATTENDED_LINE)
    assert [line.reason for line in lines] == ["Eva Smit"]
    # The checks of that day and the next: said once, not every time.
    assert absent_owners_check() == []
    assert absent_owners_check(now=timezone.now() + timedelta(hours=20)) == []
    assert Alert.objects.filter(kind="zsm_unrouted", case=file.case).count() == 1 and lines.count() == 1
    # Pieter is back on the third day: that day's check hands the file to him.
    handed = absent_owners_check(on=today + timedelta(days=2))
    assert [f.pk for f in handed] == [file.pk] and _owner(file) == pieter
    assert Alert.objects.filter(kind="zsm_stand_in", case=file.case, recipient=pieter).count() == 1


def test_the_stand_in_opens_the_handed_file_and_another_office_still_gets_404(
    make_user: Any, prosecutors: Any
) -> None:
    _eva, pieter, post = prosecutors
    file, _ = send_to_zsm(make_user)
    post_absence_set(post, absent_from=timezone.localdate(), absent_until=None)
    assert _owner(file) == pieter
    page = signed_in(pieter).get(reverse("workprocesses:case-detail", args=[file.pk]))
    assert page.status_code == 200 and 'data-testid="zsm-file"' in page.content.decode()
    assert 'data-testid="zsm-prosecutor">Pieter Bos (' in page.content.decode()
    mine = signed_in(pieter).get(reverse("prosecution:desk") + "?show=mine").content.decode()
    assert file.case.reference in mine
    registration = file.registration_id
    assert signed_in(pieter).get(f"/api/v1/registrations/{registration}").status_code == 200
    # A prosecutor of another district office: the same 404 as for a file that does not exist.
    other = make_user("prosecutor", organisation="om-rotterdam", username="ruud")
    for url in (
        reverse("workprocesses:case-detail", args=[file.pk]),
        f"/api/v1/registrations/{registration}",
    ):
        assert signed_in(other).get(url).status_code == 404
    assert signed_in(other).get(reverse("workprocesses:case-detail", args=[999_999])).status_code == 404


def test_organisations_tells_and_does_not_import_prosecution() -> None:
    """The absence is recorded at the bottom of the import graph: organisations sends a signal that the ZSM
    table listens to, and imports nothing above it (scripts/import_graph.py)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    graph = module.build_graph(ROOT / "ketenzicht")
    from_organisations = {
        target
        for source, targets in graph.items()
        if source.startswith("ketenzicht.organisations")
        for target in targets
    }
    assert not {t for t in from_organisations if not t.startswith("ketenzicht.organisations")}
    assert not [u for u in module.find_upward(graph) if "organisations" in str(u)]


def test_a_file_handed_over_by_hand_names_its_new_prosecutor_on_the_panel(
    make_user: Any, prosecutors: Any
) -> None:
    # Eva hands her file to a colleague herself: the file's panel and the desk must name him, not her.
    from ketenzicht.workprocesses.services import case_assign_owner

    eva, pieter, _post = prosecutors
    file, _ = send_to_zsm(make_user)
    assert _owner(file) == eva
    case_assign_owner(file.case, owner=pieter, actor=eva, expected_version=None, reason="zitting morgen")
    file.refresh_from_db()
    assert (file.prosecutor, file.substitute) == (pieter, True)  # he holds the substitute's post
    panel = signed_in(pieter).get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert 'data-testid="zsm-prosecutor">Pieter Bos (vervanger)<' in panel


def test_the_absent_prosecutors_alerts_about_the_handed_file_are_settled_and_leave_her_page(
    make_user: Any, prosecutors: Any
) -> None:
    eva, pieter, post = prosecutors
    file, _ = send_to_zsm(make_user)
    routed = Alert.objects.get(kind="zsm_routed", case=file.case, recipient=eva)
    assert routed.read_at is None
    # Another matter's alert to her, about no file of hers handed: it stays.
    kept = Alert.objects.create(
        organisation=file.district_office,
        case=file.case,
        recipient=eva,
        kind="measure_breach",
        message="x",
        created_at=timezone.now(),
    )
    post_absence_set(post, absent_from=timezone.localdate(), absent_until=None)
    assert _owner(file) == pieter
    routed.refresh_from_db()
    kept.refresh_from_db()
    assert routed.read_at is not None and routed.read_by is None  # settled by the system
    assert kept.read_at is None
    assert not Alert.objects.filter(recipient=eva, kind="zsm_routed", read_at__isnull=True).exists()
    page = signed_in(eva).get(reverse("workprocesses:alerts")).content.decode()
    assert 'data-testid="alert-zsm_routed"' not in page
    # Pieter's alerts, now his to act on, stay unread.
    assert Alert.objects.filter(recipient=pieter, kind="zsm_stand_in", read_at__isnull=True).count() == 1


def test_a_file_handed_over_by_hand_settles_the_previous_prosecutors_alerts(
    make_user: Any, prosecutors: Any
) -> None:
    from ketenzicht.workprocesses.services import case_assign_owner

    eva, pieter, _post = prosecutors
    file, _ = send_to_zsm(make_user)
    case_assign_owner(file.case, owner=pieter, actor=eva, expected_version=None, reason="zitting morgen")
    routed = Alert.objects.get(kind="zsm_routed", case=file.case, recipient=eva)
    assert routed.read_at is not None and routed.read_by is None
    given = Alert.objects.get(kind="handed_over", case=file.case, recipient=pieter)
    assert given.read_at is None
    page = signed_in(eva).get(reverse("workprocesses:alerts") + "?gelezen=1").content.decode()
    assert 'data-testid="alert-settled"' in page


def test_the_police_case_names_the_prosecutor_who_has_its_file(make_user: Any, prosecutors: Any) -> None:
    """The police case's owner wants to know whom to call: the ZSM panel names the file's prosecutor, and
    the stand-in as such, beside the office."""
    _eva, _pieter, post = prosecutors
    owner = make_user("case_owner", organisation="oost-brabant", username="kees-owner")
    _file, police_case = send_to_zsm(make_user, owner=owner)

    def named() -> str:
        page = (
            signed_in(owner).get(reverse("workprocesses:case-detail", args=[police_case.pk])).content.decode()
        )
        assert 'data-testid="zsm-decision"' in page
        return page.split('data-testid="zsm-decision-prosecutor">')[1].split("</span>")[0]

    assert named() == "Eva Smit"
    post_absence_set(post, absent_from=timezone.localdate(), absent_until=None)
    assert named() == "Pieter Bos (vervanger)"


def _record_absence(user: Any, post: Post) -> str:
    client = signed_in(user)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("prosecution:posts"),
        {"post": post.pk, "absent_from": timezone.localdate().isoformat(), "absent_until": ""},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_posts_page_says_which_open_files_went_to_whom(make_user: Any, prosecutors: Any) -> None:
    _eva, pieter, post = prosecutors
    file, _ = send_to_zsm(make_user)
    page = _record_absence(pieter, post)
    assert (
        f"The absence is recorded. 1 open ZSM file went to Pieter Bos (substitute): {file.case.reference}."
    ) in page
    assert _owner(file) == pieter
    # Handed once: by the receiver of the absence, the page only reports it.
    assert Alert.objects.filter(kind="zsm_stand_in", case=file.case).count() == 1
    assert len(_owner_lines(file)) == 2


def test_the_posts_page_says_when_nobody_was_present_to_take_the_files_over(
    make_user: Any, prosecutors: Any
) -> None:
    eva, pieter, post = prosecutors
    file, _ = send_to_zsm(make_user)
    substitute = Post.objects.get(user=pieter, kind=PostKind.DV_SUBSTITUTE)
    post_absence_set(substitute, absent_from=timezone.localdate(), absent_until=None)
    page = _record_absence(eva, post)
    assert (
        f"The absence is recorded. Nobody was present to take over 1 open ZSM file ({file.case.reference}): "
        "the prosecutors of the district office have been alerted."
    ) in page
    assert _owner(file) == eva
    assert Alert.objects.filter(kind="zsm_unrouted", case=file.case).count() == 1


def test_the_posts_page_reports_the_hand_over_in_dutch(make_user: Any, prosecutors: Any) -> None:
    _eva, pieter, post = prosecutors
    file, _ = send_to_zsm(make_user)
    response = signed_in(pieter).post(
        reverse("prosecution:posts"),
        {"post": post.pk, "absent_from": timezone.localdate().isoformat(), "absent_until": ""},
        follow=True,
    )
    assert (
        "De afwezigheid is vastgelegd. 1 open ZSM-dossier ging naar Pieter Bos (vervanger): "
        f"{file.case.reference}."
    ) in response.content.decode()
