"""Benchmark of the ZSM desk: the ZSM file page with many partner answers.

    python bench/prosecution.py [--answers 50] [--files 200] [--runs 40] [--backend sqlite|postgres]

A fresh database gets the reference data; `--files` suspect-victim pairs are taken in through the intake
pipeline (three registrations each, ex-partners in 's-Hertogenbosch: linking, patterns, a police case, a
Veilig Thuis notification), each police case is screened and sent to the ZSM table of Oost-Brabant (the
file, its disclosures, the two standard requests, the triage). The first file gets further requests until
it holds `--answers` requests, each answered by victim support or probation (every answer recomputes the
triage, as on the desk). The DV prosecutor of the office, logged in, loads that file's page (the kernel's
case page with the ZSM panel: the police's screening, Veilig Thuis's information, every request and answer,
the triage with its reasons) and the desk's list through Django's test client `--runs` times after five
warm-up loads. Statements are counted at the driver. Target: the file page p95 <= 150 ms with 50 answers.

Figures go to stdout and bench/out/prosecution-file-N.json. Server for PostgreSQL: BENCH_POSTGRES.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runner import manage  # noqa: E402
from screening_queue import _time  # noqa: E402
from veiligthuis import database, django_env, drop, log  # noqa: E402

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SURNAMES = ("Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters")
GIVEN_M = ("Jeroen", "Mark", "Bas", "Tim", "Rik", "Sven", "Joost", "Niels")
GIVEN_F = ("Sanne", "Eva", "Anouk", "Lisa", "Iris", "Femke", "Noor", "Maud")


def _person(n: int, male: bool) -> dict[str, Any]:
    prefix, _, surname = SURNAMES[n % len(SURNAMES)].rpartition(" ")
    return {
        "given_names": (GIVEN_M if male else GIVEN_F)[n % 8],
        **({"surname_prefix": prefix} if prefix else {}),
        "surname": f"{surname}{n}",
        "birth_date": f"{1970 + n % 30}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "sex": "M" if male else "F",
    }


def _registration(pair: int, number: int, when: datetime) -> dict[str, Any]:
    return {
        "source": "politie",
        "reference": f"PL0600-BENCH-{pair:05d}-{number}",
        "kind": "aangifte",
        "occurred_at": when.isoformat(timespec="seconds"),
        "registered_at": (when + timedelta(hours=2)).isoformat(timespec="seconds"),
        "unit": "oost-brabant",
        "municipality": "GM0796",
        "offences": ["285", "350"] if number else ["300"],
        "summary": "Ex-partner stond weer voor de deur.",
        "persons": [
            {"ref": "p1", "role": "suspect", **_person(pair, True)},
            {"ref": "p2", "role": "victim", **_person(pair, False), "phone": "+31612345678"},
        ],
        "relations": [{"from": "p1", "to": "p2", "kind": "ex_partner"}],
    }


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from ketenzicht.intake.pipeline import intake_registrations
    from ketenzicht.organisations.models import Organisation, PostKind
    from ketenzicht.organisations.services import post_assign, user_create
    from ketenzicht.prosecution.models import ZsmFile
    from ketenzicht.prosecution.services import request_add, request_answer
    from ketenzicht.screening.models import ScreeningCase
    from ketenzicht.workprocesses.services import case_take

    office = Organisation.objects.get(code="om-oost-brabant")
    prosecutor = user_create(
        username="bench-officier", password=None, organisation=office, roles=["prosecutor"]
    )
    post_assign(organisation=office, user=prosecutor, kind=PostKind.DV_PROSECUTOR)
    owner = user_create(
        username="bench-casusregisseur",
        password=None,
        organisation=Organisation.objects.get(code="oost-brabant"),
        roles=["case_owner"],
    )
    victim_support = user_create(
        username="bench-sh",
        password=None,
        organisation=Organisation.objects.get(code="slachtofferhulp-nederland"),
        roles=["victim_support"],
    )
    probation = user_create(
        username="bench-rn",
        password=None,
        organisation=Organisation.objects.get(code="reclassering-nederland"),
        roles=["probation"],
    )
    began = time.perf_counter()
    start = timezone.now() - timedelta(days=30)
    for pair in range(args.files):
        items = [_registration(pair, n, start + timedelta(days=7 * n, hours=pair % 24)) for n in range(3)]
        intake_registrations(actor=None, items=items, channel="import")
    taken_in = time.perf_counter() - began
    files = []
    for screening in ScreeningCase.objects.select_related("case").order_by("case_id"):
        case = screening.case
        case = case_take(case, "start_screening", actor=owner, expected_version=None)
        case = case_take(case, "screened", actor=owner, expected_version=None, values={"urgency": "normal"})
        case_take(case, "send_to_zsm", actor=owner, expected_version=None, reason="bench")
        files.append(ZsmFile.objects.get(police_case=case))
    sent = time.perf_counter() - began - taken_in
    file = files[0]
    partners = ("victim_support", "probation")
    while file.requests.count() < args.answers:
        request_add(
            file, partner=partners[file.requests.count() % 2], question="Aanvullende vraag", actor=prosecutor
        )
    answers = {
        "victim_support": (
            victim_support,
            {"contacted": "yes", "wishes": "prosecution", "afraid": "no", "damage": "ruit, € 300"},
        ),
        "probation": (
            probation,
            {"known": "yes", "supervised": "no", "advice": "conditions", "note": "meldplicht"},
        ),
    }
    for request in file.requests.all():
        user, answer = answers[request.partner]
        request_answer(request, actor=user, answer=answer)
    answered = time.perf_counter() - began - taken_in - sent
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(prosecutor)
    figures: dict[str, Any] = {
        "files": len(files),
        "answers_on_file": file.requests.filter(answered_at__isnull=False).count(),
        "database": connection.vendor,
        "runs": args.runs,
        "intake_seconds": round(taken_in, 1),
        "send_to_zsm_ms_per_file": round(sent * 1000 / max(1, len(files)), 1),
        "answer_ms_each": round(answered * 1000 / args.answers, 1),
    }
    for name, path in (("file_page", f"/zaken/{file.pk}/"), ("desk", "/zsm/")):
        figures[name] = _time(client, path, args.runs)
        print(
            f"{name}: p50 {figures[name]['p50_ms']} ms, p95 {figures[name]['p95_ms']} ms, "
            f"{figures[name]['queries']} queries",
            flush=True,
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    url, label = database(args.backend, f"ketenzicht_bench_zsm_{os.getpid()}")
    env = django_env(url)
    try:
        log(f"migrating {label}")
        manage("migrate", "-v0", env=env)
        manage("load_reference_data", env=env)
        os.environ.update(env)
        log(f"{args.files} files, {args.answers} answers on the first, timing its page")
        figures = worker(args)
    finally:
        drop(args.backend, url)
    figures["when"] = datetime.now(AMSTERDAM).isoformat(timespec="minutes")
    figures["backend"] = args.backend
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"prosecution-file-{args.answers}-{args.backend}.json"
    target.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
