"""The test database from a migrated template: the migrations run once per set of migrations, not once per
test run and worker (about 12 s of CPU each on a 2-core machine, most of it Django rendering the models of
each migration's state).

The first test database a run creates is migrated as usual and then kept as the template: a copy of the
SQLite file in var/, or a PostgreSQL database `test_<name>_tpl_<key>`. Later test databases are copies of it
(a file copy; CREATE DATABASE ... TEMPLATE), on which `migrate` finds nothing left to apply. The key is a
hash of every migration file of the installed apps and of the installed packages' versions, so a changed or
added migration, or another Django, builds a new template (and removes the old one). Two workers (or runs)
that start together take turns through a lock file: one builds, the other waits and copies.

`--reuse-db` (pytest-django's keepdb) keeps its own database and skips all this.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import Any

from django.db import DatabaseError

LOCK_FILE = "test-template.lock"


def migrations_key() -> str:
    """A hash of what the migrated schema depends on: every installed app's migration files (path and
    content) and the installed distributions with their versions."""
    from django.apps import apps

    digest = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            digest.update(f"{config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()):
        digest.update(f"{dist}\0".encode())
    return digest.hexdigest()[:12]


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SqliteTemplate:
    """The template as a file beside the test databases (var/test-template-<key>.sqlite3)."""

    def __init__(self, test_name: str, key: str) -> None:
        self.folder = Path(test_name).parent
        self.path = self.folder / f"test-template-{key}.sqlite3"

    def exists(self, creation: Any) -> bool:
        return self.path.exists()

    def save(self, creation: Any, test_name: str) -> None:
        """A consistent copy of the migrated database (its write-ahead log included), through SQLite's
        backup, written beside and renamed into place; older templates removed."""
        partial = self.path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        source, target = sqlite3.connect(test_name), sqlite3.connect(partial)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            source.close()
            target.close()
        partial.replace(self.path)
        for old in self.folder.glob("test-template-*.sqlite3"):
            if old != self.path:
                old.unlink(missing_ok=True)

    def create_from(self, creation: Any, create: Callable[..., str], **arguments: Any) -> str:
        """Django removes an old file of the test database's name and creates none (SQLite creates it on
        connecting): the template copied to that name is kept (keepdb) and migrated, which applies nothing."""
        test_name = str(creation._get_test_db_name())
        for leftover in (f"{test_name}-wal", f"{test_name}-shm"):
            Path(leftover).unlink(missing_ok=True)
        shutil.copyfile(self.path, test_name)
        return create(**{**arguments, "keepdb": True})


class PostgresTemplate:
    """The template as a database on the same server (test_<name>_tpl_<key>)."""

    def __init__(self, base_test_name: str, key: str) -> None:
        self.prefix = f"{base_test_name}_tpl_"
        self.name = f"{self.prefix}{key}"

    def exists(self, creation: Any) -> bool:
        with creation._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return cursor.fetchone() is not None

    def save(self, creation: Any, test_name: str) -> None:
        """CREATE DATABASE ... TEMPLATE the migrated test database (no connection may be open to it);
        older templates of this name dropped."""
        quote = creation.connection.ops.quote_name
        creation.connection.close()
        with creation._nodb_cursor() as cursor:
            if not self.exists(creation):  # another run on this server may have made it meanwhile
                cursor.execute(f"CREATE DATABASE {quote(self.name)} TEMPLATE {quote(test_name)}")
            cursor.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s) AND datname <> %s",
                [self.prefix, self.name],
            )
            for (old,) in cursor.fetchall():
                # Another run (another checkout) copying it now keeps it.
                with suppress(DatabaseError):
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")

    def create_from(self, creation: Any, create: Callable[..., str], **arguments: Any) -> str:
        """Django's own CREATE DATABASE, with the template named in the test settings (TEST TEMPLATE)."""
        test_settings = creation.connection.settings_dict["TEST"]
        previous = test_settings.get("TEMPLATE")
        test_settings["TEMPLATE"] = self.name
        try:
            return create(**arguments)
        finally:
            test_settings["TEMPLATE"] = previous


def template_for(connection: Any) -> SqliteTemplate | PostgresTemplate | None:
    """The template of this connection's test database, or None where there is none (an in-memory SQLite
    database, another backend)."""
    creation = connection.creation
    if connection.vendor == "sqlite":
        test_name = str(creation._get_test_db_name())
        if creation.is_in_memory_db(test_name):
            return None
        return SqliteTemplate(test_name, migrations_key())
    if connection.vendor == "postgresql":
        base = connection.settings_dict["TEST"].get("NAME") or f"test_{connection.settings_dict['NAME']}"
        base = base.removesuffix(f"_{_worker_suffix(base)}") if _worker_suffix(base) else base
        return PostgresTemplate(base, migrations_key())
    return None


def _worker_suffix(name: str) -> str:
    """xdist's suffix of a worker's test database (test_kz_gw0 -> gw0), or ''."""
    tail = name.rsplit("_", 1)[-1]
    return tail if tail.startswith("gw") and tail[2:].isdigit() else ""


@contextmanager
def created_from_template(lock_folder: Path) -> Iterator[None]:
    """While the test databases are set up: each connection's create_test_db builds the template (and
    migrates) when there is none for these migrations, and copies it otherwise."""
    from django.db import connections

    patched: list[Any] = []
    for connection in connections.all(initialized_only=False):
        template = template_for(connection)
        if template is None:
            continue
        creation = connection.creation
        create = creation.create_test_db

        def create_test_db(
            *args: Any,
            _creation: Any = creation,
            _create: Callable[..., str] = create,
            _template: SqliteTemplate | PostgresTemplate = template,
            **kwargs: Any,
        ) -> str:
            arguments = dict(zip(("verbosity", "autoclobber", "serialize", "keepdb"), args, strict=False))
            arguments |= kwargs
            if arguments.get("keepdb"):
                return _create(**arguments)
            with _locked(lock_folder):
                if _template.exists(_creation):
                    return _template.create_from(_creation, _create, **arguments)
                name = _create(**arguments)
                _template.save(_creation, name)
                _creation.connection.ensure_connection()
                return name

        creation.create_test_db = create_test_db  # type: ignore[method-assign]  # this connection only
        patched.append(creation)
    try:
        yield
    finally:
        for creation in patched:
            del creation.create_test_db
