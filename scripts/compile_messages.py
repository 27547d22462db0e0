#!/usr/bin/env python
"""Compile every ketenzicht/locale/*/LC_MESSAGES/django.po to django.mo with polib (no GNU gettext).

Fuzzy and untranslated entries are left out of the .mo file, as msgfmt does, so Django falls back
to the English msgid for them. A translation whose %(name)s placeholders differ from its msgid is an
error: it would raise KeyError (or show a wrong value) at render time.

    python scripts/compile_messages.py          # write the .mo files
    python scripts/compile_messages.py --check  # exit 1 if a .mo file is missing or out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "ketenzicht" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems(po: polib.POFile) -> list[str]:
    """Translations whose placeholders do not match their msgid."""
    found = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            # A plural form may drop the count placeholder, but must not invent one.
            allowed = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
            for form, text in entry.msgstr_plural.items():
                extra = set(placeholders(text)) - allowed
                if extra:
                    found.append(f"{entry.msgid!r} [{form}]: unknown placeholders {sorted(extra)}")
        elif placeholders(entry.msgid) != placeholders(entry.msgstr):
            found.append(f"{entry.msgid!r}: placeholders {placeholders(entry.msgstr)} differ from the msgid")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check that the .mo files are up to date")
    args = parser.parse_args(argv)

    sources = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    if not sources:
        print(f"no django.po files under {LOCALE_DIR}", file=sys.stderr)
        return 1
    failed = False
    for po_path in sources:
        mo_path = po_path.with_suffix(".mo")
        po = polib.pofile(str(po_path))
        errors = problems(po)
        for error in errors:
            print(f"{po_path.relative_to(ROOT)}: {error}", file=sys.stderr)
        if errors:
            failed = True
            continue
        binary = po.to_binary()
        untranslated = len(po.untranslated_entries())
        fuzzy = len(po.fuzzy_entries())
        summary = f"{len(po.translated_entries())} translated, {untranslated} untranslated, {fuzzy} fuzzy"
        if args.check:
            if not mo_path.exists() or mo_path.read_bytes() != binary:
                stale = mo_path.relative_to(ROOT)
                print(f"{stale} is out of date: run scripts/compile_messages.py", file=sys.stderr)
                failed = True
            continue
        mo_path.write_bytes(binary)
        print(f"{mo_path.relative_to(ROOT)}: {summary}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
