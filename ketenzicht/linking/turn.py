"""Linking takes turns. A transaction that links mentions to persons (intake's link step), changes which
person a mention belongs to (a reviewer's merge, split or undo, a rebuild writing its links) or takes
mentions and their keys away (a retention purge's batch) first waits for any other such transaction
to end, and holds the turn until it ends itself (PostgreSQL: an advisory lock for the transaction). So the
next one reads the persons as the one before left them. Without it two intakes at the same moment (two
imports, a registration entered online while an import batch was linked) did not see each other's new
mentions, and a person new to both became two persons without a review item; and a reviewer's merge could
move a person's mentions away while an intake was linking to that person. SQLite needs no lock: its
transactions take the write lock when they begin (`transaction_mode` IMMEDIATE)."""

from __future__ import annotations

from django.db import connection

LINK_LOCK = 0x4B5A_4C49_4E4B  # "KZLINK"


def link_turn() -> None:
    """Wait for any other transaction that links to end; this one holds the turn until it ends."""
    assert connection.in_atomic_block, "only inside the transaction that links"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LINK_LOCK])
