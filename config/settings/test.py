"""Settings for the test suite."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; production uses argon2
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: subprocess tests (killed imports) must see the same test database.
    # One file per test run, so that runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-ketenzicht-{os.getpid()}.sqlite3")}
AXES_ENABLED = True
# Most tests log in with client.force_login(), which passes no second factor: the demand is off here and on
# where it is tested (tests/signin, with override_settings) and in every browser test (tests/e2e/conftest.py
# `login` enters a code like a user).
KETENZICHT_OTP_REQUIRED = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
