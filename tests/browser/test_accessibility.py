"""Every page type passes axe-core's WCAG 2.1 A/AA rules and vnu, in Dutch and in English."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import MARKS, ROOT, set_language
from tests.browser.pages import error_paths, page_paths

pytestmark = MARKS

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[str]:
    """Run axe-core in the page (evaluate is not subject to the app's CSP)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]},
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]


def _visit_all(people, live, language: str):
    """Yield (label, page) for every page type, signed in as the right person."""
    errors = error_paths(live)
    for email, paths in page_paths(live).items():
        if email is None:
            context = people.browser.new_context(base_url=live.url, locale=language)
            people.contexts.append(context)
            page = context.new_page()
            page.goto("/auth/login")
            set_language(page, language)
        else:
            page = people.sign_in(email, language)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            yield path, page, response.text()
        for path in errors.get(email, []):
            page.goto(path)
            submit = page.locator("main form.form button:not([formnovalidate]):visible").last
            with page.expect_navigation() as navigation:
                submit.click()
            page.locator(".error-summary").wait_for()
            yield f"{path} (errors)", page, navigation.value.text()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_is_accessible_and_valid_html(people, live, language):
    problems = {}
    documents = {}
    for label, page, html in _visit_all(people, live, language):
        if found := axe_violations(page):
            problems[label] = found
        documents[label] = html
    errors = validate_html(documents)
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
    assert errors == {}, json.dumps(errors, indent=1, ensure_ascii=False)


def validate_html(documents: dict[str, str]) -> dict[str, list[str]]:
    """Validate every document in one vnu run; returns the errors per page label."""
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for n, (label, html) in enumerate(documents.items()):
            path = Path(folder) / f"page{n}.html"
            path.write_text(html)
            files[path.name] = label
        run = subprocess.run(
            ["java", "-jar", str(VNU), "--errors-only", "--format", "json", folder],
            capture_output=True,
            text=True,
            check=False,
        )
    report = json.loads(run.stderr or run.stdout)
    errors: dict[str, list[str]] = {}
    for message in report["messages"]:
        url = message.get("url", "")
        label = files.get(url.rsplit("/", 1)[-1], url)
        errors.setdefault(label, []).append(
            f"{message.get('lastLine')}: {message['message']} [{message.get('extract', '')}]"
        )
    return errors
