"""Browser tests of the web console (issue 11), on F2's harness (conftest.py: fixtures
`server`, `browser`, `screenshot`). Every test drives headless Chromium against the real
`faxdrop run` (loopback backend): loopback numbers ending 0486 are always busy."""
import os
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
LETTER = os.path.abspath(os.path.join(HERE, "..", "..", "..", "shared", "corpus", "pdf", "23-onepage-letter.pdf"))


def base(server):
    return getattr(server, "url", None) or getattr(server, "base_url")


def key(server):
    return getattr(server, "api_key")


@pytest.fixture(autouse=True)
def console_mounted(server):
    """The console is mounted on the daemon's Hummingbird server once branch `hb` is merged and
    `Console.addRoutes` is added to `HTTPRoutes.mounts`; until then these tests cannot run."""
    status = server.get("/login")[0]
    if status != 200:
        pytest.skip("the web console is not mounted on this faxdrop run (GET /login answered %d)" % status)


def wait(browser, seconds=30):
    return WebDriverWait(browser, seconds)


def sign_in(browser, server, with_key=None):
    browser.get(base(server) + "/login")
    field = browser.find_element(By.ID, "key")
    field.send_keys(with_key or key(server))
    field.send_keys(Keys.ENTER)  # keyboard only
    if with_key is None:
        wait(browser).until(EC.url_contains("/outbox"))


def send(browser, server, number, document=LETTER):
    browser.get(base(server) + "/send")
    browser.find_element(By.ID, "to").send_keys(number)
    browser.find_element(By.ID, "file").send_keys(document)
    browser.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()


def test_sign_in(browser, server, screenshot):
    screenshot("login")
    sign_in(browser, server)
    assert "Outbox" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot("outbox-empty")


def test_wrong_key_refused(browser, server, screenshot):
    sign_in(browser, server, with_key="not-the-key-at-all-0000")
    alert = wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    assert "not accepted" in alert.text
    screenshot("login-refused")
    browser.get(base(server) + "/outbox")
    assert "/login" in browser.current_url


def test_send_with_preview_reaches_sent_without_reload(browser, server, screenshot):
    sign_in(browser, server)
    send(browser, server, "+15550100100")
    if "/send/preview/" in browser.current_url:
        thumbs = wait(browser).until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, ".thumbs img")))
        assert thumbs and all(img.get_property("naturalWidth") > 0 for img in thumbs)
        screenshot("send-preview")
        browser.find_element(By.ID, "confirm-send").click()
    wait(browser).until(EC.url_contains("/jobs/"))
    job = browser.current_url.rsplit("/", 1)[1]
    browser.get(base(server) + "/outbox")
    marker = browser.find_element(By.TAG_NAME, "h1")
    # The outbox's script removes the row when the job ends; the page itself is never reloaded.
    wait(browser, 90).until(lambda b: not b.find_elements(By.CSS_SELECTOR, '[data-job="%s"]' % job))
    assert marker.is_displayed()  # the same element: no reload happened
    browser.get(base(server) + "/jobs/" + job)
    assert "Sent" in browser.find_element(By.CSS_SELECTOR, ".status").text
    screenshot("job-sent")


def test_open_page_thumbnails(browser, server, screenshot):
    sign_in(browser, server)
    send(browser, server, "+15550100101")
    if "/send/preview/" in browser.current_url:
        browser.find_element(By.ID, "confirm-send").click()
    wait(browser).until(EC.url_contains("/jobs/"))
    url = browser.current_url

    def thumbnails(b):
        b.get(url)
        return b.find_elements(By.CSS_SELECTOR, ".thumbs img")

    imgs = wait(browser, 90).until(thumbnails)
    assert all(img.get_property("naturalWidth") > 0 for img in imgs)
    imgs[0].find_element(By.XPATH, "..").click()
    assert browser.current_url.endswith(".png")
    screenshot("page-full")


def test_retry_a_failed_job(browser, server, screenshot, tmp_path):
    sign_in(browser, server)
    junk = tmp_path / "not-a-document.bin"
    junk.write_bytes(os.urandom(2048))
    send(browser, server, "+15550100102", str(junk))
    wait(browser).until(EC.url_contains("/jobs/"))
    url = browser.current_url

    def failed(b):
        b.get(url)
        return "Failed" in b.find_element(By.CSS_SELECTOR, ".status").text

    wait(browser, 60).until(failed)
    screenshot("job-failed")
    browser.find_element(By.XPATH, "//button[text()='Retry']").click()
    notice = wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".notice")))
    assert "Queued again" in notice.text


def test_cancel_a_queued_job(browser, server, screenshot):
    sign_in(browser, server)
    send(browser, server, "+15550000486")  # busy: waits for its retry
    if "/send/preview/" in browser.current_url:
        browser.find_element(By.ID, "confirm-send").click()
    wait(browser).until(EC.url_contains("/jobs/"))
    job = browser.current_url.rsplit("/", 1)[1]
    browser.get(base(server) + "/outbox")
    row = wait(browser, 60).until(lambda b: b.find_element(By.CSS_SELECTOR, '[data-job="%s"]' % job))
    screenshot("outbox")
    row.find_element(By.XPATH, ".//button[text()='Cancel']").click()
    browser.get(base(server) + "/jobs/" + job)

    def cancelled(b):
        b.get(base(server) + "/jobs/" + job)
        return "cancelled" in b.page_source

    wait(browser, 60).until(cancelled)
    browser.get(base(server) + "/history")
    screenshot("history")


def test_forged_cross_site_post_refused(browser, server, tmp_path):
    sign_in(browser, server)
    page = tmp_path / "evil.html"
    page.write_text(
        '<form id="f" method="post" action="%s/jobs/01JABCDEFGHJKMNPQRSTVWXYZ0/cancel">'
        '<input name="csrf" value="guess"></form>' % base(server)
    )
    browser.get("file://" + str(page))
    browser.execute_script("document.getElementById('f').submit()")
    wait(browser).until(lambda b: b.current_url.startswith(base(server)))
    assert "Forbidden" in browser.find_element(By.TAG_NAME, "h1").text
