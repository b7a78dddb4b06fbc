"""Console → Analytics in Chromium: who may see it, every page draws its plotly charts with
data and with none, the filters live in the URL, the tables sort and page, the ad-results
import reports its rows, and nothing scrolls sideways on a phone."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Portal, shot, sign_in

pytestmark = pytest.mark.e2e

ANALYST = "analyst@v4a.example"
PAGES = {
    "overview": ("/console/analytics", ["#chart-daily"]),
    "lineage": ("/console/analytics/lineage", ["#chart-sankey"]),
    "scripts": ("/console/analytics/scripts", ["#chart-adoption", "#chart-ctr"]),
    "funnel": ("/console/analytics/funnel", ["#chart-funnel", "#chart-cohorts"]),
    "providers": ("/console/analytics/providers", ["#chart-success", "#chart-latency"]),
}
EMPTY_WINDOW = "window=custom&start=2020-01-01&end=2020-01-31"


@pytest.fixture(scope="module")
def history(portal: Portal) -> Portal:
    """A year of customer history (the demo seed has users but no clips)."""
    portal.cli("seed-demo", "--scale", "3000")
    return portal


def _charts_drawn(page: Page, charts: list[str]) -> None:
    for chart in charts:
        # plotly draws into an <svg class="main-svg"> once the figure arrived.
        expect(page.locator(f"{chart} svg.main-svg").first).to_be_attached()


_WIDE = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)"""


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls {overflow} px sideways: {page.evaluate(_WIDE)}"


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_draws_its_charts_with_data(page: Page, history: Portal, name: str) -> None:
    path, charts = PAGES[name]
    sign_in(page, history, ANALYST, path=path)
    page.goto(f"{history.url}{path}?window=365d")
    _charts_drawn(page, charts)
    expect(page.locator("#analytics-empty")).to_have_count(0)
    expect(page.locator("[id^=table-] tbody tr").first).to_be_visible()
    expect(page.locator("#analytics-freshness")).to_contain_text("UTC")
    page.wait_for_timeout(800)  # plotly's transitions
    shot(page, f"analytics-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(800)
    _charts_drawn(page, charts)
    shot(page, f"analytics-{name}-390")
    _no_sideways_scroll(page)


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_draws_its_charts_with_no_data(page: Page, portal: Portal, name: str) -> None:
    path, charts = PAGES[name]
    sign_in(page, portal, ANALYST, path=path)
    page.goto(f"{portal.url}{path}?{EMPTY_WINDOW}")
    _charts_drawn(page, charts)
    expect(page.locator("#analytics-empty")).to_be_visible()
    expect(page.get_by_text("No data in this window").first).to_be_attached()
    if name in ("overview", "scripts"):
        shot(page, f"analytics-{name}-empty")


def test_filters_live_in_the_url(page: Page, history: Portal) -> None:
    sign_in(page, history, ANALYST, path="/console/analytics")
    expect(page.locator("[data-figure=clips_requested]")).to_be_visible()
    page.get_by_role("combobox", name="Time window").click()
    page.get_by_role("option", name="Last 90 days").click()
    expect(page).to_have_url(re.compile(r"window=90d"))
    page.get_by_role("combobox", name="Subscribers").click()
    page.get_by_role("option", name="Subscribers", exact=True).click()
    expect(page).to_have_url(re.compile(r"window=90d&subscriber=yes"))
    requested = page.locator("[data-figure=clips_requested]").text_content() or ""
    # The URL gives the same view back, and the tabs carry the filters along.
    page.reload()
    expect(page.get_by_role("combobox", name="Time window")).to_have_text("Last 90 days")
    expect(page.get_by_role("combobox", name="Subscribers")).to_have_text("Subscribers")
    expect(page.locator("[data-figure=clips_requested]")).to_have_text(requested)
    page.get_by_role("link", name="Providers").click()
    expect(page).to_have_url(re.compile(r"/console/analytics/providers\?window=90d&subscriber=yes"))
    expect(page.get_by_role("combobox", name="Subscribers")).to_have_text("Subscribers")


def test_tables_sort_and_page(page: Page, history: Portal) -> None:
    sign_in(page, history, ANALYST, path="/console/analytics")
    page.goto(f"{history.url}/console/analytics?window=365d")
    table = page.locator("#table-daily")
    expect(table.locator("text=/of 365/")).to_be_visible()
    table.get_by_role("button", name="Next page").click()
    expect(table.locator("text=/16–30 of 365/")).to_be_visible()
    table.get_by_role("button", name="Clips requested").click()
    heading = table.locator("th").filter(has_text="Clips requested")
    expect(heading).to_have_attribute("aria-sort", "descending")
    expect(table.locator("text=/1–15 of 365/")).to_be_visible()
    cells = table.locator("tbody tr td:nth-child(4)").all_inner_texts()
    numbers = [int(c.replace(",", "")) for c in cells]
    assert numbers == sorted(numbers, reverse=True)
    with page.expect_download() as download:
        table.get_by_role("button", name=re.compile("Export")).click()
    assert download.value.suggested_filename == "analytics-overview-daily.csv"


def test_import_ad_results(page: Page, history: Portal, tmp_path: Path) -> None:
    ((clip,),) = history.query("SELECT id FROM videos WHERE status = 'completed' LIMIT 1")
    csv = tmp_path / "results.csv"
    csv.write_text(
        "video_id,date,impressions,clicks,conversions,spend\n"
        f"{clip},2026-01-05,1000,30,2,9.90\n"
        "999999999,2026-01-05,1,1,1,1\n"
        f"{clip},2026-01-06,-3,0,0,0\n"
    )
    sign_in(page, history, ANALYST, path="/console/analytics/scripts")
    page.locator("#ad-results-file input[type=file]").set_input_files(str(csv))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-summary")).to_contain_text("refused")
    refused = page.locator("#import-refused")
    expect(refused).to_contain_text("Row 3: no clip #999999999")
    expect(refused).to_contain_text("Row 4: impressions -3 is negative")
    shot(page, "analytics-import")


@pytest.mark.parametrize("who", ["support@v4a.example", "customer"])
def test_support_and_customers_are_sent_away(page: Page, portal: Portal, who: str) -> None:
    email = who if "@" in who else f"curious.{uuid.uuid4().hex[:8]}@example.com"
    received: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: received.append(str(f))))
    sign_in(page, portal, email)
    for path, _ in PAGES.values():
        page.goto(portal.url + path)
        expect(page).to_have_url(re.compile(r"/account/?\?notice=no_access"))
    expect(page.locator("svg.main-svg")).to_have_count(0)
    page.wait_for_timeout(500)
    assert not any("clips_requested" in frame or "Sankey" in frame for frame in received)


def test_lineage_drills_down_to_a_customer(page: Page, history: Portal) -> None:
    ((email, photos),) = history.query(
        "SELECT u.email, COUNT(*) FROM users u JOIN uploaded_images p ON p.user_id = u.id "
        "GROUP BY u.email ORDER BY COUNT(*) DESC LIMIT 1"
    )
    sign_in(page, history, ANALYST, path="/console/analytics/lineage")
    page.get_by_role("textbox", name="Customer or photo").fill(email)
    page.get_by_role("button", name="Show").click()
    expect(
        page.get_by_text(re.compile(rf"{re.escape(email)}: \d+ of {photos} photos"))
    ).to_be_visible()
    tree = page.locator("#lineage-tree .tree-row")
    expect(tree.first).to_contain_text("Photo #")
    assert tree.filter(has_text="Clip #").count() > 0
    expect(page).to_have_url(re.compile(r"drill="))
    shot(page, "analytics-lineage-tree")
    page.get_by_role("textbox", name="Customer or photo").fill("nobody@nowhere.example")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No such customer.")).to_be_visible()
