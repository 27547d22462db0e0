"""A re-opened signal's alert keeps its rule's name in the rules file, not its label in the language of the
moment it was raised: its reader reads the rule's label of today in their own language; an alert stored
before with the label itself is shown as stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_raise, alert_text
from tests.patterns.test_reopen import REASON, closed_signal, pair_case_owned_by, reopen

pytestmark = pytest.mark.django_db


def test_a_reopened_signal_s_alert_names_its_rule_in_the_reader_s_language(
    make_user: Callable[..., Any],
) -> None:
    signal, client, _user = closed_signal(make_user)
    owner = make_user("case_owner", organisation="oost-brabant", username="owner-r")
    pair_case_owned_by(owner)
    assert reopen(client, signal).status_code == 302
    [alert] = alert_list_for_user(user=owner).filter(kind="signal_reopened")
    assert alert.params["rule"] == "possible_stalking"  # the rule, not its label of then
    with translation.override("en"):
        assert f"“Possible stalking” (no. {signal.pk})" in alert_text(alert)
    with translation.override("nl"):
        assert f"“Mogelijke belaging” (nr. {signal.pk})" in alert_text(alert)
    # An alert stored before, with the label in the installation's language: as stored.
    old = alert_raise(
        kind="signal_reopened",
        message=alert.message,
        organisation=alert.organisation,
        case=alert.case,
        recipient=owner,
        params={**alert.params, "rule": "Mogelijke belaging", "codes": {}},
    )
    with translation.override("en"):
        assert "“Mogelijke belaging”" in alert_text(old) and REASON in alert_text(old)
