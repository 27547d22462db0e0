"""The security headers on every page, and templates without inline script, style or event handlers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar_client(registrar: Any) -> Client:
    client = Client()
    client.force_login(registrar)
    return client


POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def _directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


@pytest.mark.parametrize("path", ["/", "/registraties/nieuw/", "/personen/", "/api/v1/docs"])
def test_every_page_carries_the_policy_and_the_headers(registrar_client: Client, path: str) -> None:
    response = registrar_client.get(path, follow=True)  # the empty form: to its own address first
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"]) == POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    assert {"camera=()", "microphone=()", "geolocation=()"} <= set(permissions.split(", "))


def test_an_anonymous_answer_and_an_error_page_carry_them_too() -> None:
    for path, status in (
        ("/accounts/login/", 200),
        ("/health/", 200),
        ("/bestaat-niet/", 404),
        ("/registraties/", 302),
    ):
        response = Client().get(path)
        assert response.status_code == status
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert "Permissions-Policy" in response


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")"  # a script without a file
    r"|<style|\sstyle=|\son[a-z]+\s*=|\shx-on|javascript:|['\"]js:",
    re.IGNORECASE,
)


def test_no_template_or_static_file_holds_inline_script_or_style() -> None:
    root = Path(settings.BASE_DIR) / "ketenzicht"
    files = [
        *root.glob("templates/**/*.html"),
        *root.glob("*/templates/**/*.html"),  # the apps' own (signin: the second factor, security keys)
        *root.glob("static/ketenzicht/**/*"),
    ]
    assert any(path.name == "security_keys.html" for path in files)
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in files
        if path.is_file()
        for match in INLINE.finditer(path.read_text())
    ]
    assert found == []
