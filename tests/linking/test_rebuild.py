"""`link_persons --rebuild`: persons keep their ids, reviewers' decisions bind, the BSN rule holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.linking.models import MentionLink, PairDecision
from ketenzicht.linking.services import pair_decide
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db


def test_a_rebuild_keeps_person_ids_and_links(capsys: Any) -> None:
    first = register("R1", DENNIS, SANDRA)
    second = register(
        "R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"}, SANDRA
    )
    before = dict(MentionLink.objects.values_list("mention_id", "person_id"))
    call_command("link_persons", "--rebuild", "--no-progress")
    assert "4 mentions" in capsys.readouterr().out
    assert dict(MentionLink.objects.values_list("mention_id", "person_id")) == before
    assert person_of(first) == person_of(second)
    assert set(MentionLink.objects.values_list("method", flat=True)) == {"rebuild"}
    assert AccessLogEntry.objects.filter(action="rebuild").exists()


def test_a_reviewers_different_binds_the_rebuild(registrar: Any) -> None:
    first = register("R1", DENNIS)
    second = register("R2", DENNIS)
    assert person_of(first) == person_of(second)
    pair_decide(
        left_id=first.mentions.get().pk,
        right_id=second.mentions.get().pk,
        decision=PairDecision.Decision.DIFFERENT,
        actor=registrar,
    )
    call_command("link_persons", "--rebuild", "--no-progress")
    assert person_of(first) != person_of(second)


def test_different_valid_bsns_stay_apart_after_a_rebuild() -> None:
    first = register("R1", {**DENNIS, "bsn": "111222333"})
    second = register("R2", {**DENNIS, "bsn": "123456782"})
    call_command("link_persons", "--rebuild", "--no-progress")
    assert person_of(first) != person_of(second)


def test_the_command_wants_rebuild_said_out_loud() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--rebuild"):
        call_command("link_persons")
