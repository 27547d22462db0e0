"""Context from relations: the relation term's levels, its estimation, the batch's second pass, and online
linking through a relation (the victim without a date of birth) without merging homonyms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import translation

from ketenzicht.intake.pipeline import IntakeResult, intake_registration, intake_registrations
from ketenzicht.linking.engine import context
from ketenzicht.linking.engine.context import (
    NO_SHARED,
    NULL,
    OTHER_RELATION,
    SAME_FAMILY,
    SAME_HOME,
    SAME_INTIMATE,
    ContextModel,
    Register,
)
from ketenzicht.linking.features import features_of
from ketenzicht.linking.models import MentionLink, ReviewItem
from ketenzicht.linking.views import FIELD_LABELS
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import MentionRelation, PersonMention
from ketenzicht.ui.formats import decimal
from tests.conftest import exchange_registration, in_numbering
from tests.people import DENNIS, SANDRA_IN_FULL, SANDRA_NAME_ONLY, person_of, register


def context_data(*, intimate_u: float) -> dict[str, Any]:
    """A context model: "same partner or ex-partner" weighs log2(0.7 / intimate_u)."""
    levels = {
        SAME_INTIMATE: (0.7, intimate_u),
        SAME_FAMILY: (0.2, 0.025),
        SAME_HOME: (0.03, 0.03),
        OTHER_RELATION: (0.001, 0.014),
        NO_SHARED: (0.1, 0.9),
    }
    return {
        "format": context.FORMAT,
        "format_version": context.FORMAT_VERSION,
        "levels": [{"label": name, "m": m, "u": u} for name, (m, u) in levels.items()],
    }


@pytest.fixture
def strong(tmp_path: Path) -> str:
    """Same partner or ex-partner: +12.8 bits (as estimated from the generator's true persons)."""
    path = tmp_path / "strong.json"
    path.write_text(json.dumps(context_data(intimate_u=1e-4)), encoding="utf-8")
    return str(path)


@pytest.fixture
def weak(tmp_path: Path) -> str:
    """Same partner or ex-partner: +6.1 bits, not enough to link Sandra on her name and the relation."""
    path = tmp_path / "weak.json"
    path.write_text(json.dumps(context_data(intimate_u=0.01)), encoding="utf-8")
    return str(path)


# --- the levels --------------------------------------------------------------------------------------


def test_the_level_of_a_pair_follows_what_the_two_sides_were_to_the_same_person() -> None:
    dennis, other = "P-dennis", "P-other"
    assert context.level({(dennis, "ex_partner")}, {(dennis, "partner")}) == SAME_INTIMATE
    assert context.level({(dennis, "child")}, {(dennis, "family")}) == SAME_FAMILY
    assert context.level({(dennis, "household")}, {(dennis, "partner")}) == SAME_HOME
    # His sister before, his ex-partner now: the relations disagree, also when she was at his home.
    assert context.level({(dennis, "ex_partner")}, {(dennis, "family")}) == OTHER_RELATION
    assert (
        context.level({(dennis, "ex_partner"), (dennis, "household")}, {(dennis, "family")}) == OTHER_RELATION
    )
    assert context.level({(dennis, "partner")}, {(other, "partner")}) == NO_SHARED
    assert context.level({(dennis, "partner")}, set()) == NULL
    assert context.level(set(), {(dennis, "partner")}) == NULL
    # Ties to the two sides' own persons say nothing.
    assert context.level({(dennis, "partner")}, {(dennis, "partner")}, exclude={dennis}) == NULL
    # The strongest evidence wins when there are several related persons.
    assert context.level(
        {(dennis, "partner"), (other, "family")}, {(other, "family"), (dennis, "ex_partner")}
    ) == (SAME_INTIMATE)


def test_a_relation_that_disagrees_weighs_nothing_whatever_its_m_and_u() -> None:
    model = ContextModel(context_data(intimate_u=1e-4))
    assert model.weight(OTHER_RELATION) == 0.0
    assert model.weight(SAME_HOME) == 0.0  # the address comparison weighs the home already
    assert model.weight(NULL) == 0.0
    assert model.weight(SAME_INTIMATE) == pytest.approx(12.77, abs=0.01)
    assert model.weight(NO_SHARED) < 0


def test_a_context_model_without_a_level_or_with_an_impossible_m_is_refused_naming_it() -> None:
    data = context_data(intimate_u=1e-4)
    data["levels"] = [entry for entry in data["levels"] if entry["label"] != SAME_HOME]
    with pytest.raises(ValueError, match="same home as a related person"):
        ContextModel(data)
    data = context_data(intimate_u=1e-4)
    data["levels"][1]["m"] = 0
    with pytest.raises(ValueError, match="same family member"):
        ContextModel(data)
    with pytest.raises(ValueError, match="relation-context"):
        ContextModel({"format": "ketenzicht-person-model", "levels": []})


def test_estimation_counts_one_persons_pairs_for_m_and_same_surname_strangers_for_u() -> None:
    # Two registrations of Dennis with his ex-partner Sandra; a namesake Dennis with another partner.
    homes: dict[Any, Any] = {"d1": None, "s1": None}
    registrations = [
        (homes, [("d1", "s1", "ex_partner")]),
        ({"d2": None, "s2": None}, [("d2", "s2", "partner")]),
        ({"x1": None, "f1": None}, [("x1", "f1", "partner")]),
    ]
    person_of = {"d1": "D", "d2": "D", "s1": "S", "s2": "S", "x1": "X", "f1": "F"}
    registration_of = {"d1": 1, "s1": 1, "d2": 2, "s2": 2, "x1": 3, "f1": 3}
    surname_of = {
        "d1": "linden",
        "d2": "linden",
        "x1": "linden",
        "s1": "verbeek",
        "s2": "verbeek",
        "f1": "bakker",
    }
    register_ = Register(person_of, registration_of, surname_of, context.ties_of(registrations, person_of))
    same, different = context.level_counts(register_)
    assert same == {SAME_INTIMATE: 4}  # d1~d2, d2~d1, s1~s2, s2~s1
    assert different == {NO_SHARED: 3}  # each Dennis mention against the other Dennis, and back
    model = context.estimate(same, different, source="test")
    weights = ContextModel(model)
    assert weights.weight(SAME_INTIMATE) > 2 and weights.weight(NO_SHARED) < 0
    # The floor: no shared relation is never taken as near-proof of two people.
    assert next(e["m"] for e in model["levels"] if e["label"] == NO_SHARED) >= context.MIN_M[NO_SHARED]


def test_the_second_pass_adds_the_term_between_clusters_and_never_over_a_contradicting_name() -> None:
    model = ContextModel(context_data(intimate_u=1e-4))
    cluster_of = {"a": "A", "b": "B", "c": "C", "x": "X", "y": "X"}
    ties = {
        "a": frozenset({("X", "partner")}),
        "b": frozenset({("X", "ex_partner")}),
        "c": frozenset({("X", "partner")}),
    }
    pairs = [("a", "b", 1.0), ("a", "c", 1.0), ("x", "y", 20.0)]
    out = list(
        context.second_pass(pairs, cluster_of, ties, model, lambda left, right: (left, right) != ("a", "c"))
    )
    assert out[0][0] == pytest.approx(1.0 + model.weight(SAME_INTIMATE)) and out[0][1] == SAME_INTIMATE
    assert out[1] == (1.0, NULL)  # another date of birth: the relation does not count
    assert out[2] == (20.0, NULL)  # one cluster already


# --- online -----------------------------------------------------------------------------------------


def take_in(reference: str, persons: list[dict[str, Any]], relations: list[dict[str, str]]) -> Any:
    data = exchange_registration(reference=in_numbering(reference), persons=persons, relations=relations)
    return intake_registration(actor=None, data=data, channel="import").registration


@pytest.mark.django_db
def test_the_victim_without_a_date_of_birth_is_linked_through_her_relation_to_the_suspect(
    strong: str,
) -> None:
    with override_settings(KETENZICHT_LINK_CONTEXT=strong):
        first = register("R1", DENNIS, SANDRA_IN_FULL)
        second = register("R2", DENNIS, SANDRA_NAME_ONLY)
    assert person_of(second) == person_of(first)
    assert person_of(second, "p2") == person_of(first, "p2")
    link = MentionLink.objects.get(mention__registration=second, mention__ref="p2")
    assert link.method == "online" and link.probability is not None and link.probability >= 0.99
    assert not ReviewItem.objects.exists()
    assert Person.objects.count() == 2  # the new person she first got is gone


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["ex_partner", "partner"])
def test_in_one_bulk_batch_the_relation_links_her_as_one_by_one(strong: str, kind: str) -> None:
    """A bulk batch often holds a whole campaign: the relation counts between its own registrations too,
    and her name only registration may not be linked to the other woman of her own registration."""

    def data(reference: str, victim: dict[str, Any]) -> dict[str, Any]:
        persons = [
            {"ref": "p1", "role": "suspect", **DENNIS},
            {"ref": "p2", "role": "victim", **victim},
            {"ref": "p3", "role": "witness", "given_names": "Sandra", "surname": "Verbeek"},
        ]
        relations = [{"from": "p1", "to": "p2", "kind": kind}]
        return exchange_registration(reference=in_numbering(reference), persons=persons, relations=relations)

    with override_settings(KETENZICHT_LINK_CONTEXT=strong):
        outcomes = intake_registrations(
            actor=None,
            items=[data("R1", SANDRA_IN_FULL), data("R2", SANDRA_NAME_ONLY)],
            channel="import",
        )
    first, second = (o.registration for o in outcomes if isinstance(o, IntakeResult))
    assert person_of(second) == person_of(first)
    assert person_of(second, "p2") == person_of(first, "p2")
    # The namesake witness of each registration is someone else than the victim beside her.
    assert person_of(second, "p3") != person_of(second, "p2")
    assert person_of(first, "p3") != person_of(first, "p2")


@pytest.mark.django_db
def test_when_the_relation_is_not_enough_she_is_queued_with_the_relation_bar(
    weak: str, make_user: Any
) -> None:
    with override_settings(KETENZICHT_LINK_CONTEXT=weak):
        first = register("R1", DENNIS, SANDRA_IN_FULL)
        second = register("R2", DENNIS, SANDRA_NAME_ONLY)
    assert person_of(second, "p2") != person_of(first, "p2")
    item = ReviewItem.objects.get(mention__registration=second, mention__ref="p2")
    assert item.candidate == first.mentions.get(ref="p2")
    assert item.reason == "named before as ex-partner of the same person; the name fits"
    relation = item.comparisons[-1]
    assert (relation["name"], relation["level"]) == ("relation", SAME_INTIMATE)
    assert relation["weight"] == pytest.approx(ContextModel.from_file(weak).weight(SAME_INTIMATE))
    assert item.match_weight == pytest.approx(item.prior_weight + sum(c["weight"] for c in item.comparisons))

    client = Client()
    client.force_login(make_user("functional_admin", organisation="ketenzicht-beheer"))
    page = client.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    with translation.override("nl"):
        bar = str(FIELD_LABELS["relation"])
    assert bar == "Relatie"
    assert f'class="kz-waterfall__label">{bar}</text>' in page  # its own bar in the waterfall
    with translation.override("nl"):
        weight = decimal(relation["weight"], 2, signed=True)
    assert f"<title>{bar}: {weight}</title>" in page


@pytest.mark.django_db
@override_settings(KETENZICHT_LINK_CONTEXT="")
def test_without_the_term_she_is_still_asked_about_without_a_relation_bar() -> None:
    first = register("R1", DENNIS, SANDRA_IN_FULL)
    second = register("R2", DENNIS, SANDRA_NAME_ONLY)
    assert person_of(second, "p2") != person_of(first, "p2")
    item = ReviewItem.objects.get(mention__registration=second, mention__ref="p2")
    assert "relation" not in {c["name"] for c in item.comparisons}


@pytest.mark.django_db
def test_a_relation_that_disagrees_gives_no_evidence(strong: str) -> None:
    # Named before as his family (a sister with another surname), now as his ex-partner.
    first = take_in(
        "R1",
        [{"ref": "p1", "role": "suspect", **DENNIS}, {"ref": "p2", "role": "victim", **SANDRA_IN_FULL}],
        [{"from": "p1", "to": "p2", "kind": "family"}],
    )
    with override_settings(KETENZICHT_LINK_CONTEXT=strong):
        second = register("R2", DENNIS, SANDRA_NAME_ONLY)
    assert person_of(second) == person_of(first)
    assert person_of(second, "p2") != person_of(first, "p2")
    assert not ReviewItem.objects.exists()


HOME = {"postcode": "3533 AB", "house_number": "7", "city": "Utrecht"}


@pytest.mark.django_db
def test_father_and_son_of_one_name_at_one_address_are_never_merged(strong: str) -> None:
    father = {
        "given_names": "Jan",
        "surname": "Jansen",
        "birth_date": "1961-04-02",
        "sex": "M",
        "address": HOME,
    }
    son = {"given_names": "Jan", "surname": "Jansen", "birth_date": "1993-11-20", "sex": "M", "address": HOME}
    maria = {
        "given_names": "Maria",
        "surname": "Jansen",
        "birth_date": "1963-02-17",
        "sex": "F",
        "address": HOME,
    }
    lisa = {"given_names": "Lisa", "surname": "de Boer", "birth_date": "1995-06-30", "sex": "F"}
    name_only = {"given_names": "Jan", "surname": "Jansen", "sex": "M"}
    with override_settings(KETENZICHT_LINK_CONTEXT=strong):
        r1 = take_in(
            "R1",
            [{"ref": "p1", "role": "suspect", **father}, {"ref": "p2", "role": "victim", **maria}],
            [{"from": "p1", "to": "p2", "kind": "partner"}],
        )
        r2 = take_in(
            "R2",
            [{"ref": "p1", "role": "suspect", **son}, {"ref": "p2", "role": "victim", **lisa}],
            [{"from": "p1", "to": "p2", "kind": "partner"}],
        )
        # The son, with his date of birth, as Maria's child at the home they share: the father was her
        # partner, so the relation disagrees; the son's own record decides.
        r3 = take_in(
            "R3",
            [{"ref": "p1", "role": "suspect", **son}, {"ref": "p2", "role": "victim", **maria}],
            [{"from": "p2", "to": "p1", "kind": "child"}],
        )
        # "Jan Jansen" without a date of birth, once with Lisa (the son's partner), once with Maria.
        r4 = take_in(
            "R4",
            [{"ref": "p1", "role": "suspect", **name_only}, {"ref": "p2", "role": "victim", **lisa}],
            [{"from": "p1", "to": "p2", "kind": "ex_partner"}],
        )
        r5 = take_in(
            "R5",
            [{"ref": "p1", "role": "suspect", **name_only}, {"ref": "p2", "role": "victim", **maria}],
            [{"from": "p1", "to": "p2", "kind": "partner"}],
        )
    assert person_of(r1) != person_of(r2)
    assert person_of(r3) == person_of(r2) != person_of(r1)
    assert person_of(r4) == person_of(r2)  # through Lisa: the son
    assert person_of(r5) == person_of(r1)  # through Maria: the father
    assert person_of(r1) != person_of(r2)


@pytest.mark.django_db
def test_two_mohammed_el_amranis_in_one_city_with_different_partners_stay_two(strong: str) -> None:
    def mohammed(born: str, postcode: str) -> dict[str, Any]:
        address = {"postcode": postcode, "house_number": "12", "city": "Utrecht"}
        return {
            "given_names": "Mohammed",
            "surname": "El Amrani",
            "birth_date": born,
            "sex": "M",
            "address": address,
        }

    fatima = {"given_names": "Fatima", "surname": "Bouzid", "birth_date": "1987-05-05", "sex": "F"}
    samira = {"given_names": "Samira", "surname": "Haddou", "birth_date": "1994-01-09", "sex": "F"}
    name_only = {"given_names": "Mohammed", "surname": "El Amrani", "address": {"city": "Utrecht"}}
    partner = [{"from": "p1", "to": "p2", "kind": "partner"}]
    with override_settings(KETENZICHT_LINK_CONTEXT=strong):
        first = take_in("R1", [{"ref": "p1", "role": "suspect", **mohammed("1985-03-02", "3511 AB")},
                               {"ref": "p2", "role": "victim", **fatima}], partner)  # fmt: skip
        second = take_in("R2", [{"ref": "p1", "role": "suspect", **mohammed("1992-07-19", "3582 CD")},
                                {"ref": "p2", "role": "victim", **samira}], partner)  # fmt: skip
        third = take_in("R3", [{"ref": "p1", "role": "suspect", **name_only},
                               {"ref": "p2", "role": "victim", **samira}], partner)  # fmt: skip
    assert person_of(first) != person_of(second)
    assert person_of(third) == person_of(second) != person_of(first)
    assert person_of(third, "p2") == person_of(second, "p2")
    assert not ReviewItem.objects.filter(mention__registration=third, candidate__registration=first).exists()


# --- the rebuild's second pass ------------------------------------------------------------------------


def _sandra_and_three_mohammeds_without_the_term() -> tuple[Any, Any, Any, Any, Any]:
    """Taken in without the relation term: Dennis with Sandra in full, then with Sandra by name only; a
    Mohammed El Amrani with Fatima, one with Samira (other dates of birth), and one without a date of birth
    with Samira. Returns the five registrations."""
    partner = [{"from": "p1", "to": "p2", "kind": "partner"}]
    mohammed = {"given_names": "Mohammed", "surname": "El Amrani", "sex": "M"}
    fatima = {"given_names": "Fatima", "surname": "Bouzid", "birth_date": "1987-05-05", "sex": "F"}
    samira = {"given_names": "Samira", "surname": "Haddou", "birth_date": "1994-01-09", "sex": "F"}
    with override_settings(KETENZICHT_LINK_CONTEXT=""):
        first = register("R1", DENNIS, SANDRA_IN_FULL)
        second = register("R2", DENNIS, SANDRA_NAME_ONLY)
        m1 = take_in("R3", [{"ref": "p1", "role": "suspect", **mohammed, "birth_date": "1985-03-02"},
                            {"ref": "p2", "role": "victim", **fatima}], partner)  # fmt: skip
        m2 = take_in("R4", [{"ref": "p1", "role": "suspect", **mohammed, "birth_date": "1992-07-19"},
                            {"ref": "p2", "role": "victim", **samira}], partner)  # fmt: skip
        m3 = take_in("R5", [{"ref": "p1", "role": "suspect", **mohammed},
                            {"ref": "p2", "role": "victim", **samira}], partner)  # fmt: skip
    return first, second, m1, m2, m3


@pytest.mark.django_db
def test_a_rebuild_joins_through_the_relation_and_keeps_the_namesakes_apart(strong: str) -> None:
    from django.core.management import call_command

    first, second, m1, m2, m3 = _sandra_and_three_mohammeds_without_the_term()
    assert person_of(second, "p2") != person_of(first, "p2") and person_of(m3) != person_of(m2)
    with override_settings(KETENZICHT_LINK_CONTEXT=strong):
        call_command("link_persons", "--rebuild", "--no-progress")
    assert person_of(second, "p2") == person_of(first, "p2")
    assert person_of(m3) == person_of(m2) != person_of(m1)
    with override_settings(KETENZICHT_LINK_CONTEXT=""):
        call_command("link_persons", "--rebuild", "--no-progress")
    assert person_of(second, "p2") != person_of(first, "p2")  # without the term: apart again


@pytest.mark.django_db
def test_a_rebuild_that_retrains_the_context_estimates_the_term_on_this_register_and_uses_it(
    strong: str, tmp_path: Path
) -> None:
    from django.core.management import call_command

    first, second, _, m2, m3 = _sandra_and_three_mohammeds_without_the_term()
    # What the estimate must count: the register's persons as they stand (the rebuild's first pass
    # finds the same without the term), each mention's ties from its own registration.
    person_of_mention = {
        str(m): str(p) for m, p in MentionLink.objects.values_list("mention_id", "person_id")
    }
    mentions = list(PersonMention.objects.order_by("id"))
    related: dict[int, tuple[dict[str, Any], list[tuple[str, str, str]]]] = {}
    for mention in mentions:
        related.setdefault(mention.registration_id, ({}, []))[0][str(mention.pk)] = None
    for registration_id, left, right, kind in MentionRelation.objects.values_list(
        "registration_id", "from_mention_id", "to_mention_id", "kind"
    ):
        related[registration_id][1].append((str(left), str(right), kind))
    expected_same, expected_different = context.level_counts(
        Register(
            person_of_mention,
            {str(m.pk): m.registration_id for m in mentions},
            {str(m.pk): features_of(m).surname_first for m in mentions},
            context.ties_of(related.values(), person_of_mention),
        )
    )
    # Here a shared partner is no sign of one person: Samira was the partner of two Mohammeds.
    assert expected_different[SAME_INTIMATE] > 0 and expected_same[NO_SHARED] > 0

    path = tmp_path / "context.json"
    path.write_text(Path(strong).read_text(encoding="utf-8"), encoding="utf-8")
    with override_settings(KETENZICHT_LINK_CONTEXT=str(path)):
        call_command("link_persons", "--rebuild", "--retrain-context", "--no-progress")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["source"] == f"rebuild of {len(mentions)} mentions, its first pass's persons"
    assert saved["pairs"]["same person"] == dict(expected_same)
    assert saved["pairs"]["different persons, same surname"] == dict(expected_different)
    estimated = ContextModel(saved)
    assert estimated.weight(SAME_INTIMATE) < ContextModel.from_file(strong).weight(SAME_INTIMATE) - 6
    # The second pass used the term estimated here, not the strong one it replaced (which joins both,
    # as the rebuild test above shows).
    assert person_of(second, "p2") != person_of(first, "p2")
    assert person_of(m3) != person_of(m2)


def test_a_context_model_that_cannot_be_used_fails_the_system_check(tmp_path: Path) -> None:
    from ketenzicht.linking.checks import context_model_fits

    assert context_model_fits() == []
    broken = tmp_path / "context.json"
    broken.write_text(
        json.dumps({"format": context.FORMAT, "format_version": 1, "levels": []}), encoding="utf-8"
    )
    with override_settings(KETENZICHT_LINK_CONTEXT=str(broken)):
        errors = context_model_fits()
    assert [e.id for e in errors] == ["linking.E002"] and "same partner or ex-partner" in errors[0].msg
    with override_settings(KETENZICHT_LINK_CONTEXT=""):
        assert context_model_fits() == []  # switched off


@pytest.mark.django_db
@pytest.mark.parametrize("full_first", [True, False])
def test_the_relation_joins_her_in_either_order_as_the_rebuild_does(strong: str, full_first: bool) -> None:
    from django.core.management import call_command

    with override_settings(KETENZICHT_LINK_CONTEXT=strong):
        victims = [SANDRA_IN_FULL, SANDRA_NAME_ONLY] if full_first else [SANDRA_NAME_ONLY, SANDRA_IN_FULL]
        first = register("R1", DENNIS, victims[0])
        second = register("R2", DENNIS, victims[1])
        assert person_of(second, "p2") == person_of(first, "p2") != person_of(first)
        online = set(MentionLink.objects.values_list("mention_id", "person_id"))
        call_command("link_persons", "--rebuild", "--no-progress")
    assert set(MentionLink.objects.values_list("mention_id", "person_id")) == online
