"""The guard: schemathesis sends cases generated from the served OpenAPI spec to every operation, with a
token of each role, valid and invalid input both. No case may end in a server error, and every answer's
status must be documented in the spec."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode

from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.services import api_token_create

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # generated cases: CI and TESTS=all

# Every role may hold a token (manage.py create_api_token); each sees other answers of the same routes.
ROLES = tuple(Role.values)
CASES = 4  # per operation, role and mode (valid, invalid): 4 x 2 x 11 roles x 7 operations = 616
BUDGET_SECONDS = 60  # of CPU time; about 20 s on an idle developer machine


@pytest.fixture
def spec(registrar: Any) -> dict[str, Any]:
    """The spec as served (it needs a login)."""
    client = Client()
    client.force_login(registrar)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Requests through the WSGI handler run inside the test's transaction, as with Django's test client:
    the handler must not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def test_every_reference_in_the_spec_resolves(spec: dict[str, Any]) -> None:
    """The POST /registrations body pointed at `#/$defs/AddressIn`, which the document does not have."""
    for ref in set(references(spec)):
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
            node = node[part]


def test_the_spec_documents_the_error_answers(spec: dict[str, Any]) -> None:
    post = spec["paths"]["/api/v1/registrations"]["post"]["responses"]
    assert {"400", "401", "403", "413", "422"} <= set(post)
    one = spec["paths"]["/api/v1/registrations/{registration_id}"]["get"]["responses"]
    assert {"401", "403", "404", "422"} <= set(one)


def send_cases(
    operation: Any,
    mode: GenerationMode,
    seed_value: int,
    tokens: dict[str, str],
    answers: Counter[int],
    failures: list[str],
) -> None:
    """CASES cases per role of one operation in one mode, the roles in turn; a server error or an answer
    the spec does not document is a failure."""
    documented = set(operation.definition.raw.get("responses", {}))
    turn = iter(range(10**6))

    @seed(seed_value)
    @settings(
        max_examples=CASES * len(tokens),
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        role = ROLES[next(turn) % len(ROLES)]
        response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
        answers[response.status_code] += 1
        what = f"{case.method} {case.formatted_path} as {role} ({mode.value}): {response.status_code}"
        if response.status_code >= 500:
            failures.append(f"{what} {response.text[:300]}")
        elif str(response.status_code) not in documented:
            failures.append(f"{what} is not documented")

    send()


def test_no_generated_case_ends_in_a_server_error(
    spec: dict[str, Any],
    make_user: Callable[..., Any],
    same_connection: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = WSGIHandler()
    tokens = {role: api_token_create(user=make_user(role), name="schemathesis") for role in ROLES}
    answers: Counter[int] = Counter()
    failures: list[str] = []
    started, cpu = time.monotonic(), time.process_time()
    caplog.set_level(logging.ERROR, logger="django.request")  # the 4xx answers are expected
    operations = [cast(Any, result).ok() for result in schema.get_all_operations()]  # Err: an invalid spec
    assert len(operations) == 7
    for number, operation in enumerate(operations):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            send_cases(
                operation, mode, number * 10 + (mode == GenerationMode.NEGATIVE), tokens, answers, failures
            )
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    total = sum(answers.values())
    server_errors = sum(n for status, n in answers.items() if status >= 500)
    print(
        f"\nschemathesis: {total} cases in {elapsed:.0f} s ({cpu:.0f} s CPU), {server_errors} server errors, "
        f"answers {json.dumps(answers)}"
    )
    assert failures == []
    assert total >= 600
    assert cpu < BUDGET_SECONDS  # CPU time: on a busy machine the wall clock says little
