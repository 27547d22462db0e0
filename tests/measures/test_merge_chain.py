"""A measure keeps the person it was imposed on. When that person is merged into another, and that one into
a third (a reviewer finds, twice, that two records are one man), a registration of the person the merges
end in is judged against the measure at intake, as after one merge: the whole chain of merges is followed
(bounded, `persons.selectors.MAX_MERGE_HOPS`), the measure left as it was imposed."""

from __future__ import annotations

import pytest

from ketenzicht.linking.services import person_merge
from ketenzicht.measures.breaches import breaches_judge
from ketenzicht.measures.models import Breach
from tests.measures.helpers import couple_with_case, recent, restraining_order
from tests.patterns.helpers import BART, LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db

KEES = {"given_names": "Kees", "surname": "Smit", "birth_date": "1971-02-03", "sex": "M"}
CHARLOTTE = {"given_names": "Charlotte", "surname": "Bakker", "birth_date": "1989-10-30", "sex": "F"}
LOT = {"given_names": "Lot", "surname": "Kok", "birth_date": "1988-01-09", "sex": "F"}
KAREL = {"given_names": "Karel", "surname": "de Vries", "birth_date": "1968-11-12", "sex": "M"}


def test_a_registration_of_the_person_two_merges_on_is_judged_against_the_measure() -> None:
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case)
    smit = person_of(take_in("PL0600-MC-1", KEES, {**BART}, registered_at=recent(30), relation=None))
    karel = person_of(
        take_in(
            "PL0600-MC-2", KAREL, {**BART, "given_names": "Bram"}, registered_at=recent(30), relation=None
        )
    )
    person_merge(source=marco, target=smit, actor=None, reason="zelfde persoon (test)")
    person_merge(source=smit, target=karel, actor=None, reason="zelfde persoon (test)")

    contact = take_in("PL0600-MC-3", KAREL, LOTTE, registered_at=recent(0), relation=None)
    assert person_of(contact, "p1") == karel and person_of(contact, "p2") == lotte
    breach = Breach.objects.get(registration=contact)
    assert breach.measure == measure and breach.kinds == ["contact"]
    judged = breaches_judge([contact.pk])[contact.pk]
    assert [(b.measure, b.suspect, b.protected) for b in judged] == [
        (measure.reference, karel.pk, (lotte.pk,))
    ]
    measure.refresh_from_db()
    assert measure.suspect_id == marco.pk  # read through the merges, not rewritten


def test_a_chain_of_merges_is_followed_on_the_protected_side_too() -> None:
    """The protected person merged twice: a registration of the bound person with the one she ends in is a
    contact breach too."""
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case)
    charlotte = person_of(
        take_in("PL0600-MC-4", {**BART}, CHARLOTTE, registered_at=recent(30), relation=None), "p2"
    )
    lot = person_of(take_in("PL0600-MC-5", {**BART}, LOT, registered_at=recent(30), relation=None), "p2")
    person_merge(source=lotte, target=charlotte, actor=None, reason="zelfde persoon (test)")
    person_merge(source=charlotte, target=lot, actor=None, reason="zelfde persoon (test)")
    contact = take_in("PL0600-MC-6", MARCO, LOT, registered_at=recent(0), relation=None)
    assert person_of(contact, "p2") == lot
    assert Breach.objects.get(registration=contact).measure == measure
