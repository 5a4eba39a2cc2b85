"""The trainer review pages in real headless Chromium.

Fills a throwaway database with demo sessions (real scorer), serves the web app in a
thread (no bot needed: review pages never talk to Rasa), signs in as a trainer, filters
the sessions, opens a transcript, corrects a judgement and sees the agreement figures
change, then opens the team overview and the weakest trainee's progress page.
Screenshots go to results/screenshots/trainer-*.png.
"""

from __future__ import annotations

import pytest

from coach import config
from coach.demo_data import generate
from coach.web import accounts, create_app
from tests.browser.server import CHROMIUM, launch, serving

pytestmark = pytest.mark.e2e

SHOTS = config.PROJECT_ROOT / "results" / "screenshots"
PASSWORD = "review-the-team"

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


class NoBot:
    def send(self, sender, message, metadata):  # pragma: no cover - never called here
        raise AssertionError("review pages must not talk to the bot")


def test_trainer_filters_reads_overrides_and_sees_agreement(db_url):
    generate(60, seed=11, url=db_url)
    accounts.create_user("tom", PASSWORD, "trainer", url=db_url)
    app = create_app(
        {"DATABASE_URL": db_url, "RASA_CLIENT": NoBot(), "SECRET_KEY": "review-" + "k" * 40}
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with serving(app) as base, sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/login")
            page.fill("#username", "tom")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.click("nav.mainnav >> text=Review")
            page.wait_for_url("**/review/sessions")
            page.select_option("#f-trainee", "dana")
            page.click("text=Apply filters")
            page.wait_for_url("**trainee=dana**")
            page.click("a.sort >> text=Valid.")  # descending first
            page.click("a.sort >> text=Valid.")  # then ascending: weakest first
            page.wait_for_url("**dir=asc**")
            count = page.text_content("#result-count") or ""
            assert "session" in count
            assert set(page.locator("tbody th[scope=row]").all_text_contents()) == {"dana"}
            page.screenshot(path=str(SHOTS / "trainer-sessions.png"), full_page=False)

            page.goto(base + "/review/agreement")
            assert "No judgements yet" in page.content()

            page.goto(base + "/review/sessions?trainee=dana&sort=validation&dir=asc")
            page.locator("tbody a", has_text="Transcript").first.click()
            page.wait_for_url("**/review/sessions/*")
            form = page.locator("form.judge-form").first
            assert page.locator("span.ev-tag").count() > 0  # labelled evidence
            checked = form.locator("input[name=validation]:checked").get_attribute("value")
            flipped = "0" if checked == "1" else "1"
            form.locator(f"input[name=validation][value='{flipped}']").check()
            form.locator("textarea[name=comment]").fill("Says sorry but never that it is fair.")
            form.locator("button[type=submit]").click()
            page.wait_for_selector("text=Saved your judgement")
            assert page.locator(".judged.corrected").count() == 1
            page.locator(".judged.corrected").first.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "trainer-transcript.png"), full_page=False)

            page.click("nav.review-nav >> text=Scorer agreement")
            row = page.locator("tr[data-dim=validation]")
            assert row.locator("td.n").text_content() == "1"
            assert row.locator("td.accuracy").text_content() == "0.0%"
            assert page.locator("tr[data-dim=acknowledgment] td.n").text_content() == "1"
            page.screenshot(path=str(SHOTS / "trainer-agreement.png"), full_page=False)

            page.click("nav.review-nav >> text=Team overview")
            page.click("table.team-trainees >> text=dana")
            page.wait_for_url("**/review/trainees/dana")
            assert "Weakest: Validation" in (page.text_content("#weak-title") or "")
            assert page.locator("svg.trend").count() == 1
            page.screenshot(path=str(SHOTS / "trainer-progress.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
