"""Which stored candidates an import batch scores, why each one qualified, and which of them matter.

    python bench/import_candidates.py DATABASE_URL DATA START [--batches B] [--rare 10,5,3]

Against a register kept by `bench/import_growth.py --keep` (PostgreSQL): the registrations on lines
START.. of DATA (a JSON-lines file the register does not hold yet, e.g. the end of the file that
import_growth was stopped in) go through the intake pipeline 500 at a time (`intake_registrations`), each
batch in a transaction that is rolled back, so the register stays as it was. Per batch, and per value of
`KETENZICHT_LINK_RARE_KEY_MENTIONS` given with --rare, every stored candidate the link step scores is
counted with the keys it shares with the new mention:

- a BSN or phone key among those it shares (enough alone whatever else);
- otherwise one key only, held by few enough mentions to be enough alone (`engine.keys.PairRule`);
- otherwise two keys or more;

and with whether it scored at or above the lower threshold (`KETENZICHT_LINK_LOWER`): only those can link
the new mention or make a review item. Also printed: the look-up's wall time per batch (statement and
reading its rows) and the number of stored mentions whose features it read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("data", type=Path)
    parser.add_argument("start", type=int)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--rare", default="10,5,3", help="values of KETENZICHT_LINK_RARE_KEY_MENTIONS")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.test import override_settings

    from ketenzicht.intake.pipeline import intake_registrations
    from ketenzicht.linking import online
    from ketenzicht.linking.engine.keys import ENOUGH_ALONE_PREFIXES, key_number
    from ketenzicht.linking.engine.model import LinkModel, prob_to_match_weight
    from ketenzicht.linking.models import MentionKey

    lower = prob_to_match_weight(settings.KETENZICHT_LINK_LOWER)
    lines = args.data.read_bytes().splitlines()
    # What the link step does, in order: per new mention, `match_weight_row` for each stored candidate the
    # look-up gave it (`_Stored.candidates`, those with features). Both are watched, nothing is changed; the
    # keys each candidate shares with its new mention are read from MentionKey afterwards.
    shared_of: list[tuple[str, ...]] = []
    scored: list[tuple[tuple[str, ...], float]] = []
    stored_now: list[tuple[Any, float]] = []  # the look-up's result of the batch running, and its seconds
    original_weight, original_lookup = LinkModel.match_weight_row, online._stored_lookup

    def weight(self: Any, left: Any, right: Any) -> float:
        value = original_weight(self, left, right)
        scored.append((shared_of[len(scored)], value))
        return value

    def lookup(holders: Any, *a: Any, **k: Any) -> Any:
        began = time.perf_counter()
        found = original_lookup(holders, *a, **k)
        stored_now[:] = [(found, time.perf_counter() - began)]
        keys_of: dict[int, set[int]] = {}  # the stored keys' numbers (`key_number`)
        for mention_id, key in MentionKey.objects.filter(
            mention_id__in={i for ids in found.candidates for i in ids}
        ).values_list("mention_id", "key"):
            keys_of.setdefault(mention_id, set()).add(key)
        for held, ids in zip(holders, found.candidates, strict=True):
            for item in (i for i in ids if i in found.rows):  # those the link step scores, in its order
                shared_of.append(tuple(key for key in held if key_number(key) in keys_of.get(item, ())))
        return found

    online._stored_lookup = lookup
    LinkModel.match_weight_row = weight  # type: ignore[method-assign]
    print(f"register: {args.database.rsplit('/', 1)[-1]}; lines {args.start:,}.. of {args.data}")
    print("rare  batch  look-up s  read  scored  useful  one key (useful)  BSN/phone (useful)  two+ (useful)")
    for rare in (int(v) for v in args.rare.split(",")):
        for number in range(args.batches):
            first = args.start + 500 * number
            items = [json.loads(line) for line in lines[first : first + 500]]
            shared_of.clear()
            scored.clear()
            with override_settings(KETENZICHT_LINK_RARE_KEY_MENTIONS=rare), transaction.atomic():
                intake_registrations(actor=None, items=items, channel="import", origin="bench")
                transaction.set_rollback(True)
            kinds: Counter[str] = Counter()
            useful: Counter[str] = Counter()
            for shared, value in scored:
                alone = [k for k in shared if k.startswith(ENOUGH_ALONE_PREFIXES)]
                kind = "alone" if alone else "one" if len(shared) == 1 else "two"
                kinds[kind] += 1
                useful[kind] += value >= lower
            found, seconds = stored_now[0]
            read = len(found.rows)
            print(
                f"{rare:>4}  {number + 1:>5}  {seconds:9.2f}  {read:>5}  {len(scored):>6}  "
                f"{sum(useful.values()):>6}  {kinds['one']:>7} ({useful['one']:>5})  "
                f"{kinds['alone']:>9} ({useful['alone']:>5})  {kinds['two']:>6} ({useful['two']:>5})"
            )


if __name__ == "__main__":
    main()
