"""The built page in a real browser: headless Chromium (Debian's package) loads it from a local server.

Needs ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (``apt-get install -y chromium chromium-driver``)
and selenium (the ``browser`` test extra). Run with ``pytest -m browser``; excluded by default. A missing
browser is a failure with the fix, never a silent skip. The screenshot path is printed; set
``MICROSR_BENCH_SCREENSHOT_DIR`` to keep a copy there. Expected orders follow from conftest.fixture_set.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaderboard.builder import build

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Flags for a closed network: without the background-networking ones Chromium keeps trying to reach Google.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1400,1000",
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep the test output readable
        pass


@pytest.fixture
def served(root, lb) -> Iterator[str]:
    """Build the fixture board and serve its folder on a free localhost port; yields the page URL."""
    for entry in lb.fixture_set():
        lb.write_entry(root, entry)
    build(root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/site/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def driver():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("headless Chromium is needed: apt-get install -y chromium chromium-driver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is needed: pip install -e '.[browser]' (or pip install selenium)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


def _open(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))


def _column(driver, table: str, col: str) -> list[tuple[str, float]]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"table[data-key='{table}'] tbody tr")
    return [
        (
            r.get_attribute("data-method"),
            float(r.find_element(By.CSS_SELECTOR, f"td[data-col='{col}']").get_attribute("data-value")),
        )
        for r in rows
    ]


def _ranked_view_with(driver, *metrics: str) -> None:
    """Switch to the ranked tables and tick ``metrics`` in the column chooser (the ranking metric is ticked)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "f-view")).select_by_value("ranked")
    driver.find_element(By.CSS_SELECTOR, "#columns-chooser summary").click()
    for metric in metrics:
        driver.find_element(By.CSS_SELECTOR, f"#f-columns input[value='{metric}']").click()


def test_opens_on_one_paper_shaped_table_per_protocol_and_dataset(served, driver):
    from selenium.webdriver.common.by import By

    _open(driver, served)
    grids = [t.get_attribute("data-grid") for t in driver.find_elements(By.CSS_SELECTOR, "table.lb")]
    # the fixture: paired on MITO and NUC, zero-shot from NUC on MITO; MITO's tables come first (Table I order)
    assert grids == ["paired|MITO", "zero_shot|MITO", "paired|NUC"]
    table = driver.find_element(By.CSS_SELECTOR, "table[data-grid='paired|MITO']")
    heads = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert heads == ["Method", "200 shots", "400 shots", "800 shots", "full split"]
    # rows by the full-split rank: Beta 28.3, Alpha 27.9, Gamma 25.9; cells hold PSNR ± h only
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.get_attribute("data-method") for r in rows] == ["Beta", "Alpha", "Gamma"]
    assert rows[0].find_element(By.CSS_SELECTOR, "td[data-table='paired|MITO|200']").text == "27.40 ± 0.30"
    alpha = rows[1].find_element(By.CSS_SELECTOR, "td[data-table='paired|MITO|200']")
    assert alpha.text == "27.00 ± 0.30≈" and "tie" in alpha.get_attribute("class")  # overlaps Beta's interval
    assert rows[1].find_elements(By.CSS_SELECTOR, "th .mark.verified")  # every Alpha entry verified: on the name
    assert "best" in rows[0].find_element(By.CSS_SELECTOR, "td[data-table='paired|MITO|full']").get_attribute("class")
    # the few-shot plot sits beside MITO's tables, in the same section
    assert driver.find_elements(By.CSS_SELECTOR, "section[data-dataset='MITO'] svg[data-dataset='MITO']")
    # the page fits a 1400 px window: no horizontal scrolling
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def test_column_chooser_adds_metrics_to_every_cell(served, driver):
    from selenium.webdriver.common.by import By

    _open(driver, served)
    driver.find_element(By.CSS_SELECTOR, "#columns-chooser summary").click()
    driver.find_element(By.CSS_SELECTOR, "#f-columns input[value='paper/ssim']").click()
    table = driver.find_element(By.CSS_SELECTOR, "table[data-grid='paired|MITO']")
    second = [th.get_attribute("data-col") for th in table.find_elements(By.CSS_SELECTOR, "thead tr:nth-child(2) th")]
    assert second == ["paper/psnr", "paper/ssim"] * 4
    gamma = table.find_element(
        By.CSS_SELECTOR, "tr[data-method='Gamma'] td[data-table='paired|MITO|200'][data-col='paper/ssim']"
    )
    # Gamma's SSIM 0.83 ± 0.003 is the column's best (Beta 0.79, Alpha 0.78)
    assert gamma.text == "0.8300 ± 0.0030" and "best" in gamma.get_attribute("class")
    driver.find_element(By.CSS_SELECTOR, "#f-columns input[value='paper/psnr']").click()  # SSIM alone
    table = driver.find_element(By.CSS_SELECTOR, "table[data-grid='paired|MITO']")  # re-rendered
    assert len(table.find_elements(By.CSS_SELECTOR, "thead tr")) == 1
    assert {td.get_attribute("data-col") for td in table.find_elements(By.CSS_SELECTOR, "tbody td")} == {"paper/ssim"}


def test_clicking_a_header_sorts_the_column(served, driver):
    from selenium.webdriver.common.by import By

    _open(driver, served)
    _ranked_view_with(driver, "paper/ssim")
    table = "paired|MITO|200"
    # initial order: rank by the paper's PSNR (Beta 27.4, Alpha 27.0, Gamma 25.0)
    assert [m for m, _ in _column(driver, table, "paper/psnr")] == ["Beta", "Alpha", "Gamma"]
    header = f"table[data-key='{table}'] th[data-col='paper/ssim']"
    driver.find_element(By.CSS_SELECTOR, header).click()
    # SSIM is higher-is-better: the first click puts the best first (Gamma 0.83, Beta 0.79, Alpha 0.78)
    assert _column(driver, table, "paper/ssim") == [
        ("Gamma", pytest.approx(0.83)),
        ("Beta", pytest.approx(0.79)),
        ("Alpha", pytest.approx(0.78)),
    ]
    assert "sorted-desc" in driver.find_element(By.CSS_SELECTOR, header).get_attribute("class")
    driver.find_element(By.CSS_SELECTOR, header).click()
    assert [m for m, _ in _column(driver, table, "paper/ssim")] == ["Alpha", "Beta", "Gamma"]
    # the other tables keep their own order
    assert [m for m, _ in _column(driver, "paired|MITO|400", "paper/psnr")] == ["Beta", "Alpha", "Gamma"]


def test_marks_filters_and_empty_board(served, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _open(driver, served)
    _ranked_view_with(driver)
    assert len(driver.find_elements(By.CSS_SELECTOR, "table.lb")) == 9
    first = driver.find_element(By.CSS_SELECTOR, "table[data-key='paired|MITO|200'] tbody tr:nth-child(2)")
    assert first.get_attribute("data-method") == "Alpha"
    assert first.find_elements(By.CSS_SELECTOR, ".mark.verified") and first.find_elements(By.CSS_SELECTOR, ".mark.tie")
    Select(driver.find_element(By.ID, "f-dataset")).select_by_value("NUC")
    keys = [t.get_attribute("data-key") for t in driver.find_elements(By.CSS_SELECTOR, "table.lb")]
    assert keys == ["paired|NUC|200", "paired|NUC|400", "paired|NUC|800", "paired|NUC|full"]
    driver.find_element(By.ID, "f-search").send_keys("gam")
    assert {r.get_attribute("data-method") for r in driver.find_elements(By.CSS_SELECTOR, "table.lb tbody tr")} == {
        "Gamma"
    }
    Select(driver.find_element(By.ID, "f-view")).select_by_value("compact")  # the filters hold in both views
    assert [t.get_attribute("data-grid") for t in driver.find_elements(By.CSS_SELECTOR, "table.lb")] == ["paired|NUC"]
    assert {r.get_attribute("data-method") for r in driver.find_elements(By.CSS_SELECTOR, "table.lb tbody tr")} == {
        "Gamma"
    }
    Select(driver.find_element(By.ID, "f-board")).select_by_value("real")
    assert "accepts no entry" in driver.find_element(By.ID, "compact").text
    assert driver.find_elements(By.CSS_SELECTOR, "table.lb") == []


def test_few_shot_plots_and_entry_links(served, driver):
    from selenium.webdriver.common.by import By

    _open(driver, served)
    # MITO: each method has zero-shot plus 200/400/800/full points; NUC has no zero-shot result
    for dataset, points in (("MITO", 5), ("NUC", 4)):
        series = driver.find_elements(By.CSS_SELECTOR, f"svg[data-dataset='{dataset}'] g.series")
        assert sorted(s.get_attribute("data-series") for s in series) == ["Alpha 1.0", "Beta 1.0", "Gamma 1.0"]
        assert all(len(s.find_elements(By.TAG_NAME, "circle")) == points for s in series)
    # the page loaded nothing but itself, and logged no error
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    link = driver.find_element(By.CSS_SELECTOR, "table[data-grid='paired|MITO'] td[data-table='paired|MITO|200'] a")
    href = link.get_attribute("href")
    assert href.endswith("/entries/simulated/Beta--1.0--paired--MITO--200.json")
    driver.get(href)
    assert json.loads(driver.find_element(By.TAG_NAME, "body").text)["submission"]["method"] == "Beta"


def test_screenshot_for_review(served, driver, tmp_path):
    _open(driver, served)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(int(height) + 40, 6000))
    path = tmp_path / "leaderboard.png"
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 20_000  # a blank page compresses to a few kB
    keep = os.environ.get("MICROSR_BENCH_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    print(f"screenshot: {path}")


def test_page_works_from_disk_without_a_server(root, lb, driver):
    """Opened as a file (file://), the page still renders: the data is inline, nothing is fetched."""
    from selenium.webdriver.common.by import By

    for entry in lb.fixture_set():
        lb.write_entry(root, entry)
    build(root)
    _open(driver, (root / "site" / "index.html").as_uri())
    assert len(driver.find_elements(By.CSS_SELECTOR, "table.lb")) == 3  # the compact view: three grids
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_seed_repeats_are_marked_in_both_views(root, lb, driver):
    """A record over training seeds shows ``[3 seeds]`` beside its value and says ± is an sd, not an interval."""
    from selenium.webdriver.common.by import By

    record = lb.make_record(psnr=28.0)
    spread = {"mean": 28.0, "sd": 1.0, "values": [27.0, 28.0, 29.0]}
    record["seed_spread"] = {"seeds": [0, 1, 2], "metrics": {"paper": {"psnr": spread}}}
    lb.write_entry(root, lb.make_entry(record))
    lb.write_entry(root, lb.make_entry(lb.make_record(psnr=27.0, shots=200, method="other")))
    build(root)
    _open(driver, (root / "site" / "index.html").as_uri())
    cell = driver.find_element(By.CSS_SELECTOR, "table[data-grid='paired|MITO'] td[data-table='paired|MITO|full']")
    assert "[3 seeds]" in cell.text and "28.00 ± 1.00" in cell.text
    assert cell.get_attribute("title").startswith("mean ± sd over 3 training seeds")
    _ranked_view_with(driver)
    row = driver.find_element(By.CSS_SELECTOR, "table[data-key='paired|MITO|full'] tbody tr")
    assert row.find_elements(By.CSS_SELECTOR, ".mark.seeds")
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
