"""The production settings pass Django's deployment check, with the environment production gives them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings


def test_check_deploy_with_the_production_settings_finds_nothing() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KETENZICHT_")) and key != "DATABASE_URL"
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "ketenzicht.example.nl",
    }
    found = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = found.stdout + found.stderr
    assert found.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
