"""A refused form answers 422 on every page (docs/decisions/0011-refused-form-status.md): the screening form,
a case page's step forms and the access log's filter answered 400 while the registration form answered 422.
The pages' own tests say 422 for each; this keeps a view from rendering a refused form with 400 again."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOUR_HUNDRED = re.compile(r"\bstatus\s*=\s*400\b|HttpResponseBadRequest")


def test_no_page_answers_a_refused_form_with_400() -> None:
    views = [
        path
        for path in sorted((ROOT / "ketenzicht").rglob("*.py"))
        if path.name == "views.py" or path.name.endswith("_views.py")
    ]
    assert len(views) > 10  # the walk found the views
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in views
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FOUR_HUNDRED.search(line)
    ]
    assert found == [], "a refused form answers 422, not 400:\n" + "\n".join(found)
