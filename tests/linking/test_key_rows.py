"""The blocking keys' rows (MentionKey) have no database constraint on their mention: a deleted
registration still takes its mentions' keys with it, and a key row whose mention is gone finds no
candidate. The look-up's memory setting (PostgreSQL) ends with its transaction."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from ketenzicht.linking.engine.keys import blocking_keys
from ketenzicht.linking.features import features_of
from ketenzicht.linking.models import MentionKey, MentionLink, ReviewItem
from ketenzicht.linking.online import LOOKUP_WORK_MEM
from ketenzicht.registrations.models import PersonMention, Registration
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db


def test_a_deleted_registration_takes_its_mentions_keys_with_it() -> None:
    dennis, sandra = register("R1", DENNIS), register("R2", SANDRA)
    going = list(PersonMention.objects.filter(registration=dennis).values_list("pk", flat=True))
    staying = list(PersonMention.objects.filter(registration=sandra).values_list("pk", flat=True))
    assert MentionKey.objects.filter(mention_id__in=going).exists()

    Registration.objects.filter(pk=dennis.pk).delete()  # as the retention purge deletes

    assert not MentionKey.objects.filter(mention_id__in=going).exists()
    assert MentionKey.objects.filter(mention_id__in=staying).count() == len(
        blocking_keys(features_of(PersonMention.objects.get(pk=staying[0])))
    )


def test_a_key_whose_mention_is_gone_is_no_candidate() -> None:
    dennis = register("R1", DENNIS)
    dennis_keys = set(MentionKey.objects.filter(mention__registration=dennis).values_list("key", flat=True))
    gone = PersonMention.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1_000
    # Sandra's keys, held by a mention that is not there (as after a delete that bypassed the ORM).
    copy = register("R2", SANDRA)
    keys = list(MentionKey.objects.filter(mention__registration=copy).values_list("key", flat=True))
    Registration.objects.filter(pk=copy.pk).delete()
    MentionKey.objects.bulk_create(MentionKey(key=key, mention_id=gone) for key in keys)
    assert keys and not dennis_keys & set(keys)

    sandra = register("R3", SANDRA)

    link = MentionLink.objects.get(mention__registration=sandra)
    assert link.method == "new"
    assert not ReviewItem.objects.exists()
    again = register("R4", SANDRA)  # and she is still found by her own keys
    assert person_of(again) == person_of(sandra)
    assert MentionKey.objects.filter(mention_id=gone).count() == len(keys)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_lookup_memory_holds_for_its_transaction_only() -> None:
    def work_mem() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            return str(cursor.fetchone()[0])

    before = work_mem()
    assert before != LOOKUP_WORK_MEM
    with transaction.atomic():
        first = register("R1", DENNIS, SANDRA)  # the look-up of intake, in this transaction
        assert work_mem() == LOOKUP_WORK_MEM
    assert work_mem() == before
    assert person_of(register("R2", DENNIS)) == person_of(first)  # intake in a transaction of its own
    assert work_mem() == before
