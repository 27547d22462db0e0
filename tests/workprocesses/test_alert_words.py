"""An alert keeps the code of what it names, not the words of the moment it was raised: "given to you"
names what its reader became (the history line's kind) in the reader's language when read, whatever the
language of the one who gave the case; an alert stored before with the words themselves is shown as
stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_raise, alert_text
from ketenzicht.workprocesses.services import case_assign_owner
from tests.workprocesses.test_cases import _open

pytestmark = pytest.mark.django_db


def test_given_to_you_names_what_the_reader_became_in_the_reader_s_language(
    make_user: Callable[..., Any],
) -> None:
    lead, owner = make_user("team_lead"), make_user("case_owner")
    case = _open()
    with translation.override("nl"):  # the team lead works in Dutch
        case_assign_owner(case, owner=owner, actor=lead, expected_version=case.lock_version, reason="verlof")
    [told] = alert_list_for_user(user=owner)
    assert told.params["what"] == "owner"  # the code, not "eigenaar toegewezen"
    with translation.override("en"):
        assert f"Case {case.reference} was given to you by {lead.display_name} (owner assigned)." in (
            alert_text(told)
        )
    with translation.override("nl"):
        assert "(eigenaar toegewezen). Reden: verlof" in alert_text(told)


def test_an_alert_stored_with_its_words_is_shown_as_stored(make_user: Callable[..., Any]) -> None:
    owner = make_user("case_owner")
    case = _open()
    message = "Case %(case)s was given to you by %(who)s (%(what)s). Reason: %(reason)s"
    params = {"case": case.reference, "who": "jansen", "reason": "verlof"}
    old = alert_raise(
        kind="handed_over",
        message=message,
        organisation=case.organisation,
        case=case,
        recipient=owner,
        params={**params, "what": "eigenaar toegewezen"},
    )
    unknown = alert_raise(
        kind="handed_over",
        message=message,
        organisation=case.organisation,
        case=case,
        recipient=owner,
        params={**params, "what": "gegeven", "codes": {"what": "event_kind"}},
    )
    with translation.override("en"):
        assert "(eigenaar toegewezen). Reason: verlof" in alert_text(old)
        assert "(gegeven). Reason: verlof" in alert_text(unknown)  # no such code: as stored
