"""axe-core in the browser tests: every HTML page a test opened is checked against WCAG 2.1 A and AA.

The pages a test's browser received (GET, 200, HTML, this server) are recorded as it runs; when the test has
passed, each is opened again in the same browser context (the same session: the same user, the same data)
and axe-core runs in it. Its script comes with the axe-playwright-python package and runs through the
DevTools protocol (`page.evaluate`), which the content security policy does not block. A violation fails
the test with the rule, the page and the elements. The API's developer documentation (Swagger UI, not our
page) is left out.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SKIPPED_PATHS = ("/api/v1/docs",)


@functools.cache
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def record(page: Any, base_url: str, visited: list[str]) -> None:
    """Remember every HTML page of this server the page receives."""
    origin = urlsplit(base_url).netloc

    def seen(response: Any) -> None:
        request = response.request
        if (
            request.resource_type == "document"
            and request.method == "GET"
            and response.status == 200
            and urlsplit(response.url).netloc == origin
            and "text/html" in (response.headers.get("content-type") or "")
            and not urlsplit(response.url).path.startswith(SKIPPED_PATHS)
            and response.url not in visited
        ):
            visited.append(response.url)

    page.on("response", seen)


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    page.evaluate(axe_source())
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations", TAGS
    )
    return list(found)


def describe(url: str, found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        targets = [", ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])][:5]
        lines.append(
            f"{urlsplit(url).path}?{urlsplit(url).query}: {violation['id']} ({violation.get('impact')}): "
            f"{violation.get('help')} -> {targets}"
        )
    return "\n".join(lines)


def audit(context: Any, urls: list[str]) -> list[str]:
    """Open each page again in `context` and run axe; a description per page with violations. With
    KETENZICHT_AXE_REPORT set to a file, a line per page checked is appended to it (path, violations), for
    the figures of a run."""
    problems = []
    report = os.environ.get("KETENZICHT_AXE_REPORT")
    page = context.new_page()
    try:
        for url in urls:
            response = page.goto(url)
            if response is None or response.status != 200:
                continue  # the test's steps changed what the page shows (e.g. a taken case): not checked
            found = violations(page)
            if report:
                with open(report, "a", encoding="utf-8") as handle:
                    handle.write(f"{urlsplit(url).path}\t{len(found)}\n")
            if found:
                problems.append(describe(url, found))
    finally:
        page.close()
    return problems
