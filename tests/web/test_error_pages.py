"""403, 404 and 500 in the application's look and in Dutch, with DEBUG on too; JSON under /api/; a refusal
is one line in the log, not a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar_client(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("police_registrar"))
    return client


@pytest.mark.parametrize("debug", [False, True], ids=["debug off", "debug on"])
@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/bestaat-niet/", 404, "Niet gevonden"),
        ("/registraties/999999/", 404, "Niet gevonden"),
        ("/toegangslog/", 403, "Geen toegang"),
    ],
)
def test_refusals_are_the_apps_dutch_pages_logged_as_one_line(
    registrar_client: Client,
    caplog: pytest.LogCaptureFixture,
    debug: bool,
    path: str,
    status: int,
    heading: str,
) -> None:
    with override_settings(DEBUG=debug), caplog.at_level(logging.WARNING):
        response = registrar_client.get(path)
    assert response.status_code == status
    page = response.content.decode()
    assert heading in page and 'class="kz-brand"' in page
    assert "Traceback" not in page and "technical" not in page.lower()
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1 and records[0].exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("debug", [False, True], ids=["debug off", "debug on"])
def test_an_unknown_api_path_answers_json(registrar_client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = registrar_client.get("/api/v1/bestaat-niet")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("debug", [False, True], ids=["debug off", "debug on"])
def test_a_server_error_is_the_apps_dutch_page_with_the_traceback_in_the_log(
    registrar_client: Client, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    from ketenzicht.web import views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(views, "render", broken)  # the home page fails; the error page must not
    registrar_client.raise_request_exception = False
    with override_settings(DEBUG=debug):
        response = registrar_client.get("/")
    assert response.status_code == 500
    assert "Er is iets misgegaan" in response.content.decode()
    assert "broken on purpose" in caplog.text and "Traceback" in caplog.text


def test_a_form_without_its_csrf_token_gets_the_apps_403_page(make_user: Callable[..., Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("case_screener"))
    response = client.post("/personen/", {"q": "Jan"})
    assert response.status_code == 403
    assert "Geen toegang" in response.content.decode()
