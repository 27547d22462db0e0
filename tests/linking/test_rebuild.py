"""`link_persons --rebuild`: persons keep their ids, reviewers' decisions bind, the BSN rule holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.linking.features import features_of, features_of_all
from ketenzicht.linking.models import MentionLink, PairDecision
from ketenzicht.linking.services import pair_decide
from ketenzicht.registrations.models import PersonMention
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


def test_a_rebuild_normalises_every_mention_at_once_to_the_features_intake_gives_one_by_one() -> None:
    register("R1", DENNIS, SANDRA)
    register("R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"})
    register(
        "R3",
        {"given_names": "Özlem Çiğdem", "surname": "Yılmaz-El Amrani", "birth_date": "1985-00-00"},
        {"given_names": "S.", "surname": "Verbeek-de Vries", "birth_date": "1988-02-09", "sex": "F"},
    )
    register("R4", {"surname": "Jansen"})
    mentions = list(PersonMention.objects.order_by("id"))
    assert len(mentions) == 6
    assert features_of_all(mentions) == [features_of(mention) for mention in mentions]
