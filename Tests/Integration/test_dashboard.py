"""The dashboard of `nagare serve` (issue 7) in a real headless browser (Debian's chromium through
chromedriver and selenium) against a real `nagare broker`, a real store and a real pipeline.

Known enriched events are produced to the datasource's topic with fixed timestamps; the page must
show exactly them: one chart point per minute with the expected count, a split table with the
expected per-site totals, a filter chosen through the value search that changes the query and
the table, a URL that restores the view when loaded again, a newly produced event appearing
through GET /api/live within seconds, the still-filling bucket flagged incomplete, and the health
panel of a running `nagare run --status` pipeline, its disappearance and its restart marker.
Screenshots go to test-artifacts/dashboard/.
"""
import datetime
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections import Counter

import pytest
from confluent_kafka import Producer
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import ROOT
from test_store import TOPIC, Serve


def wait_for(driver, timeout):
    """A wait that retries when the page re-rendered an element between finding and reading it."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))

ARTIFACTS = os.path.join(ROOT, "test-artifacts", "dashboard")
PIPELINE = os.path.join(ROOT, "examples", "access-logs", "pipeline.yml")
HOUR = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
SITES = ["news.example", "shop.example", "sport.example", "video.example"]
SITE_OF = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
COUNTRIES = ["US", "DE", "JP"]
VIEW = "?ds=access-logs&m=count&r=custom&from=2024-05-01T00:00Z&to=2024-05-01T01:00Z&g=minute"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def event(t, site, country, n):
    return {
        "ts": iso(t), "site_name": site, "category": "news", "account": "acct-1", "country": country,
        "device": "desktop", "browser": "firefox", "os": "linux", "sport": "",
        "revenue": 1.25, "user_id": f"user-{n}",
    }


def known_events():
    """Minute i of HOUR holds 1 + (3i mod 5) events; sites and countries cycle, the sites with
    different weights so that every site total differs. The hour before holds 2 events a minute, for the comparison."""
    events = []
    n = 0
    for i in range(60):
        for j in range(1 + (3 * i) % 5):
            site = SITES[SITE_OF[n % len(SITE_OF)]]  # 40/30/20/10 %: distinct totals per site
            events.append(event(HOUR + datetime.timedelta(minutes=i, seconds=j), site, COUNTRIES[(i + j) % 3], n))
            n += 1
    for i in range(60):
        for j in range(2):
            events.append(event(HOUR - datetime.timedelta(minutes=60 - i) + datetime.timedelta(seconds=j), "news.example", "US", n))
            n += 1
    return events


def produce(bootstrap, events):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for e in events:
        producer.produce(TOPIC, key=e["user_id"].encode(), value=json.dumps(e).encode())
    assert producer.flush(30) == 0


def in_hour(events):
    return [e for e in events if e["ts"].startswith("2024-05-01T00:")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pipeline:
    """`nagare run` of the example pipeline with its status endpoint on a fixed port, so that a
    restart answers at the same URL."""

    def __init__(self, nagare_bin, bootstrap, workdir, port):
        self.args = [nagare_bin, "run", PIPELINE, "--brokers", bootstrap, "--instance", "1",
                     "--status", f"127.0.0.1:{port}", "--log-level", "info"]
        self.log_path = os.path.join(str(workdir), "run.log")
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self):
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline().strip()
        assert line.startswith("status http://"), f"run did not start: {line!r}; see {self.log_path}"
        return self

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process:
            self.log.close()
        self.process = None


@pytest.fixture
def browser():
    if not (shutil.which("chromium") and os.path.exists("/usr/bin/chromedriver")):
        pytest.fail("chromium and chromium-driver are needed (Debian packages; scripts/setup.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        options.add_argument(arg)
    # An explicit driver path: selenium never tries to download one.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def assert_no_page_errors(driver):
    """Nothing the page did failed (script errors, failed requests), per the browser's console."""
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, f"the page logged errors: {errors}"


def screenshot(driver, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name)
    driver.save_screenshot(path)
    print(f"screenshot: {path}")
    return path


def refreshes(driver):
    return int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-refreshes") or 0)


def wait_ready(driver, after=0, timeout=15):
    """Waits for a completed refresh numbered above `after`, with no error shown."""
    def ready(d):
        body = d.find_element(By.TAG_NAME, "body")
        if body.get_attribute("data-state") == "error":
            raise AssertionError(f"dashboard error: {d.find_element(By.ID, 'status').text}")
        return body.get_attribute("data-state") == "ready" and refreshes(d) > after
    wait_for(driver, timeout).until(ready)
    return refreshes(driver)


def points(driver, role):
    """The chart's points as (bucket time, value, incomplete?), read in one script run so that a
    redraw in between cannot mix two charts."""
    return [tuple(p) for p in driver.execute_script(
        "return [...document.querySelectorAll(`g.series[data-role='${arguments[0]}'] circle.point`)]"
        ".map(c => [c.dataset.t, Number(c.dataset.v), c.dataset.incomplete === 'true'])", role)]


def table(driver):
    """The split table's rows as (value, measure), in their order on screen."""
    return [tuple(r) for r in driver.execute_script(
        "return [...document.querySelectorAll('#split-table tbody tr')]"
        ".map(r => [r.dataset.value, Number(r.dataset.measure)])")]


def assert_fits(driver):
    """Nothing on the page is wider than the window (no sideways scrolling)."""
    width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"page is {width[0]}px wide in a {width[1]}px window"


def last_query(driver):
    return json.loads(driver.find_element(By.ID, "last-query").get_attribute("data-query"))


def minute_counts(events):
    return Counter(e["ts"][:16] + ":00.000Z" for e in events)


def wait_queryable(serve, expected, timeout=60):
    body = json.dumps({
        "queryType": "timeseries", "dataSource": "access-logs", "granularity": "all",
        "intervals": ["2024-04-30T00:00:00Z/2024-05-02T00:00:00Z"],
        "aggregations": [{"type": "longSum", "name": "n", "fieldName": "count"}],
    }).encode()
    deadline = time.time() + timeout
    total = None
    while time.time() < deadline:
        status, answer = serve.post(body)
        total = answer[0]["result"]["n"] if status == 200 and answer else 0
        if total >= expected:
            return total
        time.sleep(0.2)
    raise AssertionError(f"store has {total} events, expected {expected}; see {serve.log_path}")


def test_dashboard_in_a_real_browser(nagare_bin, broker, tmp_path, browser):
    events = known_events()
    produce(broker.bootstrap, events)
    status_port = free_port()
    pipeline = Pipeline(nagare_bin, broker.bootstrap, tmp_path, status_port).start()
    serve = Serve(nagare_bin, broker, tmp_path / "store", ["--pipeline-status", pipeline.url]).start()
    try:
        assert wait_queryable(serve, len(events)) == len(events)
        check_chart_split_filter_and_url(browser, serve, events)
        check_live_update(browser, serve, broker, events)
        check_incomplete_bucket(browser, serve, broker)
        check_pipeline_health(browser, serve, pipeline)
        assert_no_page_errors(browser)
        browser.get("about:blank")  # closes the live stream before the server stops
    finally:
        pipeline.kill()
        if serve.process is not None:
            assert serve.stop() == 0, serve.logs()


def check_chart_split_filter_and_url(driver, serve, events):
    hour = in_hour(events)
    driver.get(serve.url + "/" + VIEW)
    n = wait_ready(driver)

    # One point per minute of the hour, each with that minute's count.
    expected = minute_counts(hour)
    shown = points(driver, "main")
    assert len(shown) == 60
    assert [t for t, _, _ in shown] == [iso(HOUR + datetime.timedelta(minutes=i)) for i in range(60)]
    assert {t: v for t, v, _ in shown} == {t: float(c) for t, c in expected.items()}
    assert not any(incomplete for _, _, incomplete in shown), "a past hour has no filling bucket"
    assert last_query(driver)["chart"]["granularity"] == "minute"
    screenshot(driver, "desktop-chart.png")

    # Comparison with the previous hour: 2 events a minute, drawn over the same minutes.
    driver.find_element(By.ID, "compare").click()
    n = wait_ready(driver, n)
    previous = points(driver, "previous")
    assert len(previous) == 60 and all(v == 2 for _, v, _ in previous)
    assert last_query(driver)["previous"]["intervals"] == ["2024-04-30T23:00:00.000Z/2024-05-01T00:00:00.000Z"]
    driver.find_element(By.ID, "compare").click()
    n = wait_ready(driver, n)

    # The other measures: revenue sums 1.25 per event; users counts distinct user ids (each
    # event has its own, and HyperLogLog is exact at these small counts to within one).
    Select(driver.find_element(By.ID, "measure")).select_by_value("revenue")
    n = wait_ready(driver, n)
    assert last_query(driver)["chart"]["aggregations"] == [{"type": "doubleSum", "name": "value", "fieldName": "revenue"}]
    assert {t: v for t, v, _ in points(driver, "main")} == {t: 1.25 * c for t, c in expected.items()}
    Select(driver.find_element(By.ID, "measure")).select_by_value("users")
    n = wait_ready(driver, n)
    assert last_query(driver)["chart"]["aggregations"][0]["type"] == "hyperUnique"
    users = {t: v for t, v, _ in points(driver, "main")}
    assert all(abs(users[t] - c) <= 1 for t, c in expected.items()), users
    Select(driver.find_element(By.ID, "measure")).select_by_value("count")
    n = wait_ready(driver, n)

    # Split by site: one line per site and a table of per-site totals.
    before = last_query(driver)
    Select(driver.find_element(By.ID, "split")).select_by_value("site_name")
    n = wait_ready(driver, n)
    query = last_query(driver)
    assert query != before
    assert query["top"]["queryType"] == "topN" and query["top"]["dimension"] == "site_name"
    assert query["split"]["dimensions"] == ["site_name"]
    by_site = Counter(e["site_name"] for e in hour)
    assert len(set(by_site.values())) == len(by_site), "site totals must differ for a stable order"
    assert table(driver) == [(s, float(c)) for s, c in by_site.most_common()]
    lines = driver.find_elements(By.CSS_SELECTOR, "g.series[data-role='split']")
    assert sorted(g.get_attribute("data-series") for g in lines) == sorted(by_site)
    for g in lines:
        site = g.get_attribute("data-series")
        values = [float(c.get_attribute("data-v")) for c in g.find_elements(By.CSS_SELECTOR, "circle.point")]
        per_minute = minute_counts([e for e in hour if e["site_name"] == site])
        assert values == [float(per_minute.get(iso(HOUR + datetime.timedelta(minutes=i)), 0)) for i in range(60)], site
    screenshot(driver, "desktop-split.png")

    # Split with the comparison: per site, the previous hour's total (only news.example had
    # events then: 2 a minute) and no previous-total line over the split lines.
    driver.find_element(By.ID, "compare").click()
    n = wait_ready(driver, n)
    previous_by_site = dict(driver.execute_script(
        "return [...document.querySelectorAll('#split-table tbody tr')].map(r => [r.dataset.value, Number(r.dataset.previous)])"))
    assert previous_by_site == {s: (120.0 if s == "news.example" else 0.0) for s in by_site}
    assert last_query(driver)["previousTop"]["intervals"] == ["2024-04-30T23:00:00.000Z/2024-05-01T00:00:00.000Z"]
    assert points(driver, "previous") == []
    driver.find_element(By.ID, "compare").click()
    n = wait_ready(driver, n)

    # Sorting the table by the site name (a click on its header) orders rows by value.
    driver.find_element(By.CSS_SELECTOR, "#split-table th[data-key='value']").click()
    n = wait_ready(driver, n)
    assert [v for v, _ in table(driver)] == sorted(by_site, reverse=True)
    driver.find_element(By.CSS_SELECTOR, "#split-table th[data-key='value']").click()
    n = wait_ready(driver, n)
    assert [v for v, _ in table(driver)] == sorted(by_site)

    # A filter chosen through the value search: country "de" finds DE only; include it.
    driver.find_element(By.CSS_SELECTOR, "#filter-editor summary").click()
    Select(driver.find_element(By.ID, "filter-dim")).select_by_value("country")
    driver.find_element(By.ID, "filter-search").send_keys("d")
    wait_for(driver, 10).until(lambda d: [b.get_attribute("data-value") for b in d.find_elements(By.CSS_SELECTOR, "#filter-values button")] == ["DE"])
    driver.find_element(By.CSS_SELECTOR, "#filter-values button[data-value='DE']").click()
    n = wait_ready(driver, n)
    assert last_query(driver)["top"]["filter"] == {"type": "in", "dimension": "country", "values": ["DE"]}
    de_by_site = Counter(e["site_name"] for e in hour if e["country"] == "DE")
    assert sorted(table(driver)) == sorted((s, float(c)) for s, c in de_by_site.items())
    assert table(driver) != [(s, float(c)) for s, c in by_site.most_common()]

    # And an exclusion from the table: drop the first row's site.
    dropped = table(driver)[0][0]
    driver.find_element(By.CSS_SELECTOR, "#split-table tbody tr:first-child button.ex").click()
    n = wait_ready(driver, n)
    assert dropped not in [v for v, _ in table(driver)]
    assert {"type": "not", "field": {"type": "in", "dimension": "site_name", "values": [dropped]}} in last_query(driver)["top"]["filter"]["fields"]

    # The URL holds the whole view: loading it again restores controls, query and table.
    url = driver.current_url
    assert "split=site_name" in url and "f=in%3Acountry%3ADE" in url, url
    view_query, view_table = last_query(driver), table(driver)
    chips = sorted(c.text for c in driver.find_elements(By.CSS_SELECTOR, "#filter-chips .chip"))
    driver.get("about:blank")
    driver.get(url)
    wait_ready(driver)
    assert driver.current_url == url
    assert Select(driver.find_element(By.ID, "split")).first_selected_option.get_attribute("value") == "site_name"
    assert sorted(c.text for c in driver.find_elements(By.CSS_SELECTOR, "#filter-chips .chip")) == chips
    assert last_query(driver) == view_query
    assert table(driver) == view_table
    assert_fits(driver)
    screenshot(driver, "desktop-filtered.png")

    # Phone width: the same view in one column, nothing wider than the screen.
    driver.set_window_size(390, 844)
    time.sleep(0.5)
    assert_fits(driver)
    screenshot(driver, "phone-filtered.png")
    driver.set_window_size(1280, 1000)


def check_live_update(driver, serve, broker, events):
    """A new event in the shown hour appears without reloading, through GET /api/live (a
    custom range is never re-polled on a timer, so only a commit notification refreshes it)."""
    driver.get(serve.url + "/" + VIEW)
    n = wait_ready(driver)
    wait_for(driver, 10).until(lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "open")
    minute = iso(HOUR + datetime.timedelta(minutes=30))
    before = dict((t, v) for t, v, _ in points(driver, "main"))[minute]
    produce(broker.bootstrap, [event(HOUR + datetime.timedelta(minutes=30, seconds=40), "blog.example", "FR", 999_999)])
    produced = time.time()
    wait_for(driver, 10).until(lambda d: dict((t, v) for t, v, _ in points(d, "main"))[minute] == before + 1)
    print(f"live update shown {time.time() - produced:.2f}s after the produce call returned")
    assert int(driver.find_element(By.ID, "live").get_attribute("data-events")) >= 1
    assert refreshes(driver) > n


def check_incomplete_bucket(driver, serve, broker):
    """In a relative range the bucket holding now is still filling: flagged, and the last one."""
    # The events must still be in the current minute when the page loads: too close to the
    # minute's end, wait for the next one (the store, like Druid, does not zero-fill buckets
    # after its newest data, so a minute passing in between would leave 14 buckets).
    now = datetime.datetime.now(datetime.timezone.utc)
    if now.second >= 45:
        time.sleep(60.5 - now.second - now.microsecond / 1e6)
    now = datetime.datetime.now(datetime.timezone.utc)
    produce(broker.bootstrap, [event(now, "news.example", "US", 1_000_000 + i) for i in range(2)])
    time.sleep(1.5)
    driver.get(serve.url + "/?ds=access-logs&m=count&r=15m&g=minute")
    wait_ready(driver)
    shown = points(driver, "main")
    assert len(shown) == 15
    assert [incomplete for _, _, incomplete in shown] == [False] * 14 + [True]
    end = driver.find_element(By.CSS_SELECTOR, "svg.chart").get_attribute("data-end")
    assert shown[-1][0] == iso(datetime.datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.timedelta(minutes=1))
    assert sum(v for _, v, _ in shown) == 2
    assert driver.find_elements(By.CSS_SELECTOR, "g.series.main path.line.incomplete")
    screenshot(driver, "desktop-live-15m.png")


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def check_pipeline_health(driver, serve, pipeline):
    """The health panel shows the running pipeline, then 'unreachable' once it is killed, and
    after its restart a restart marker on the chart's time axis."""
    driver.get(serve.url + "/?ds=access-logs&m=count&r=15m&g=minute")
    wait_ready(driver)
    card = "#health section.pipeline"
    wait_for(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, card + ":not(.unreachable) table.lag"))
    text = driver.find_element(By.CSS_SELECTOR, card).text
    assert "access-logs" in text and "input rate" in text and "dead letters" in text
    for figure in ["inputRate", "processingTime", "delay", "lag", "deadLetters"]:
        assert driver.find_elements(By.CSS_SELECTOR, f"{card} .figure[data-figure='{figure}']")

    pipeline.kill()
    wait_for(driver, 15).until(lambda d: "pipeline unreachable" in d.find_element(By.CSS_SELECTOR, card).text)
    screenshot(driver, "desktop-pipeline-unreachable.png")
    assert serve.process.poll() is None

    pipeline.start()
    try:
        wait_for(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart line.marker[data-kind='restart']"))
    except TimeoutException:
        raise AssertionError(f"no restart marker; /api/pipeline: {json.dumps(get_json(serve.url + '/api/pipeline'))[:2000]}")
    markers = get_json(serve.url + "/api/pipeline")["markers"]
    assert [m["kind"] for m in markers] == ["restart"]
    assert markers[0]["url"] == pipeline.url + "/status"
    screenshot(driver, "desktop-pipeline-restart.png")


def test_dashboard_with_an_access_token(nagare_bin, broker, tmp_path, browser):
    """A store started with --auth-token: the page opened as /?token=… sends the token with its
    queries, its pipeline poll and its live stream, keeps it in the URL, and shows the data."""
    events = known_events()
    produce(broker.bootstrap, events)
    token = "dashboard-test-token"
    serve = Serve(nagare_bin, broker, tmp_path / "store", ["--auth-token", token]).start()
    try:
        request = urllib.request.Request(serve.url + "/api/datasources", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as r:
            assert [d["name"] for d in json.load(r)] == ["access-logs"]
        deadline = time.time() + 60
        while True:
            driver_url = serve.url + "/" + VIEW + "&token=" + token
            browser.get(driver_url)
            wait_ready(browser)
            if sum(v for _, v, _ in points(browser, "main")) == len(in_hour(events)):
                break
            assert time.time() < deadline, "the store never showed the produced events"
            time.sleep(0.5)
        assert len(points(browser, "main")) == 60
        wait_for(browser, 10).until(lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "open")
        n = refreshes(browser)
        Select(browser.find_element(By.ID, "split")).select_by_value("country")
        wait_ready(browser, n)
        assert browser.current_url.endswith("&token=" + token) and "split=country" in browser.current_url
        assert sorted(v for v, _ in table(browser)) == sorted(COUNTRIES)
        assert "No pipeline is watched" in browser.find_element(By.ID, "health").text
        assert_no_page_errors(browser)
        browser.get("about:blank")
    finally:
        if serve.process is not None:
            assert serve.stop() == 0, serve.logs()
