"""Walk every start-page link of every demo role in Chromium at one screen size; report sideways scrolling.

For each role: log in, open the start page, follow each of its task links (and the menu's), and measure
on every page whether the page itself (the document) or any table's scroll container is wider than what
it shows (scrollWidth > clientWidth). Also reports text fields whose value is wider than the field.

Usage (against a running demo server, second factor off: KETENZICHT_OTP_REQUIRED=0):
    python scripts/layout_walk.py [--url http://127.0.0.1:8000] [--width 1366] [--height 768] [--users a,b]

Exit status 1 when anything scrolls sideways, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from playwright.sync_api import sync_playwright

PASSWORD = "ketenzicht-demo"
USERS = (
    "registrar",
    "screener",
    "teamleider",
    "casusregisseur",
    "veiligthuis",
    "teamleider-vt",
    "ketencontact-vt",
    "officier",
    "zsm-coordinator",
    "portefeuillehouder",
    "slachtofferhulp",
    "reclassering",
    "analist",
    "beheerder",
    "privacy",
)

MEASURE = """() => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
  for (const table of document.querySelectorAll("main table")) {
    const box = table.closest(".utrecht-table-container") || table.parentElement;
    if (box.scrollWidth > box.clientWidth) {
      const name = table.dataset.testid || table.className;
      out.push(`table ${name}: ${box.scrollWidth} > ${box.clientWidth}`);
    }
  }
  for (const input of document.querySelectorAll("main input[type=text], main input:not([type])")) {
    if (input.value && input.scrollWidth > input.clientWidth) {
      out.push(`field ${input.name}: ${input.scrollWidth} > ${input.clientWidth} (${input.value})`);
    }
  }
  return out;
}"""


def walk(url: str, width: int, height: int, users: tuple[str, ...]) -> int:
    found = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        for username in users:
            context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
            page: Any = context.new_page()
            page.goto(f"{url}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.locator("form:has(input[name=password]) button[type=submit]").click()
            page.goto(f"{url}/")
            links = page.eval_on_selector_all(
                "main ul a[href], nav a[href]", "els => els.map(a => a.getAttribute('href'))"
            )
            seen: list[str] = []
            for href in ["/", *links]:
                if href in seen or href.startswith("http") or "/api/" in href:
                    continue
                seen.append(href)
                page.goto(f"{url}{href}")
                problems = page.evaluate(MEASURE)
                for problem in problems:
                    print(f"{username:18} {href:40} {problem}")
                found += len(problems)
            context.close()
        browser.close()
    print(f"{found} finding(s) at {width}x{height}")
    return 1 if found else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--height", type=int, default=768)
    parser.add_argument("--users", default=",".join(USERS))
    args = parser.parse_args()
    return walk(args.url.rstrip("/"), args.width, args.height, tuple(args.users.split(",")))


if __name__ == "__main__":
    sys.exit(main())
