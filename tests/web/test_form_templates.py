"""Every form that asks for input leaves checking it to the server.

A form without `novalidate` lets the browser stop an empty required field with its own bubble, in the
browser's language and before the app's Dutch message and error summary can say what is missing. The
check reads the templates themselves, so a form added later is held to it too.
"""

from __future__ import annotations

import re
from pathlib import Path

import ketenzicht

TEMPLATES = Path(ketenzicht.__file__).parent / "templates"
FORM = re.compile(r"(<form\b[^>]*>)(.*?)</form>", flags=re.S)
# what makes a form one that asks for input: a field of its own or the project's field includes
ASKS = re.compile(
    r"<textarea\b|<select\b|<input\b(?![^>]*type=\"(?:hidden|submit)\")|"
    r"\{\{ *[a-z_]*form[a-z_]*\.[a-z_]+ *\}\}|"
    r"\{% include \"[a-z_/]*_fields?\.html\"|\{% for field in [a-z_]*form"
)


def _asking_forms() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for tag, body in FORM.findall(text):
            if 'method="post"' in tag and ASKS.search(body):
                found.append((str(path.relative_to(TEMPLATES)), tag))
    return found


def test_the_check_finds_the_forms_it_is_about() -> None:
    """The pattern is not vacuous: the registration form and the measure's forms are among those found."""
    names = {name for name, _ in _asking_forms()}
    assert {"intake/registration_form.html", "measures/new.html", "measures/detail.html"} <= names


def test_every_form_that_asks_for_input_has_novalidate() -> None:
    missing = [f"{name}: {tag}" for name, tag in _asking_forms() if "novalidate" not in tag]
    assert missing == []
