"""Browser tests of the web console (issue 11), on the harness in conftest.py (fixtures
`server`, `browser`, `phone`, `screenshot`). Every test drives headless Chromium against the
real `faxdrop run` (loopback backend: numbers ending 0486 are always busy, so their job waits
for a retry). Nothing sleeps: every wait is a condition with a deadline."""
import json
import os
import shutil

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import DEADLINE, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.abspath(os.path.join(HERE, "..", "..", "..", "shared", "corpus", "pdf"))
LETTER = os.path.join(CORPUS, "23-onepage-letter.pdf")
# Five A3 pages: a call long enough that the outbox shows the job before it ends.
EXAM = os.path.join(CORPUS, "20-a3-exam.pdf")
GARBAGE = os.path.join(CORPUS, "29-garbage-not-pdf.pdf")


@pytest.fixture(autouse=True)
def console_mounted(server):
    """The console is part of `faxdrop run`: without it every test here fails, never skips."""
    status = server.get("/login")[0]
    assert status == 200, "GET /login answered %d: the web console is not mounted" % status


def wait(driver, seconds=DEADLINE):
    return WebDriverWait(driver, seconds, poll_frequency=0.1)


def sign_in(browser, server, with_key=None):
    browser.get(server.base_url + "/login")
    field = browser.find_element(By.ID, "key")
    field.send_keys(with_key or server.api_key)
    field.send_keys(Keys.ENTER)
    if with_key is None:
        wait(browser).until(EC.url_contains("/outbox"))


def send(browser, server, number, document=LETTER):
    """Fills the send form, submits it and, on the preview page, waits for every page image,
    then confirms. Returns the new job's id (the job page it lands on)."""
    browser.get(server.base_url + "/send")
    browser.find_element(By.ID, "to").send_keys(number)
    browser.find_element(By.ID, "file").send_keys(document)
    browser.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    wait(browser).until(EC.url_contains("/send/preview/"))
    images_loaded(browser)
    browser.find_element(By.ID, "confirm-send").click()
    wait(browser).until(EC.url_contains("/jobs/"))
    return browser.current_url.rsplit("/", 1)[1]


def images_loaded(driver):
    """Waits until the page shows at least one thumbnail and every one has loaded as an image."""
    def loaded(d):
        return d.execute_script(
            "var imgs = document.querySelectorAll('.thumbs img');"
            "if (!imgs.length) { return false; }"
            "for (var i = 0; i < imgs.length; i++) { imgs[i].loading = 'eager';"
            "  if (!imgs[i].complete || imgs[i].naturalWidth === 0) { return false; } }"
            "return imgs.length;")
    return wait(driver).until(loaded, "the page thumbnails never loaded")


def fit_page(driver):
    """Makes the window as tall as the page, so its screenshot shows all of it."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(driver.get_window_size()["width"], min(2400, height + 140))


def sidecar_of(server, name):
    """The id of the ended job whose document was `name` (its sidecar in done/ or failed/)."""
    def found():
        for folder in ("done", "failed"):
            for path in (server.spool / folder).glob("*.json"):
                try:
                    sidecar = json.loads(path.read_text())
                except (OSError, ValueError):
                    continue  # being written: the next look reads it whole
                documents = sidecar.get("documents") or [sidecar.get("document") or {}]
                if any(d.get("original_name") == name for d in documents):
                    return sidecar["job_id"]
        return None
    return wait_until(found, DEADLINE, "a sidecar naming %s" % name)


def audit_lines(server):
    path = server.spool / "audit.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def test_sign_in(browser, server, screenshot):
    screenshot("login")
    sign_in(browser, server)
    assert "Outbox" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot("outbox-empty")


def test_sign_in_is_audited_with_the_clients_address(browser, server):
    sign_in(browser, server)
    lines = wait_until(lambda: [l for l in audit_lines(server) if l["action"] == "sign_in"], DEADLINE, "a sign_in audit line")
    assert lines[-1].get("remote") == "127.0.0.1", lines[-1]
    assert server.api_key not in (server.spool / "audit.log").read_text()


def test_wrong_key_refused(browser, server, screenshot):
    sign_in(browser, server, with_key="not-the-key-at-all-0000")
    alert = wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    assert "not accepted" in alert.text
    screenshot("login-refused")
    browser.get(server.base_url + "/outbox")
    assert "/login" in browser.current_url


def test_keyboard_only_sign_in_and_navigation(browser, server):
    browser.get(server.base_url + "/login")
    browser.execute_script("document.activeElement.blur()")
    keys = ActionChains(browser)

    def focused_id():
        return browser.execute_script("return document.activeElement && document.activeElement.id")

    # Tab from the top of the page to the key field: a few presses at most.
    for _ in range(6):
        if focused_id() == "key":
            break
        keys.send_keys(Keys.TAB).perform()
    assert focused_id() == "key", "tabbing never reached the key field"
    keys.send_keys(server.api_key).perform()
    keys.send_keys(Keys.TAB).perform()
    assert browser.execute_script("return document.activeElement.textContent") == "Sign in"
    keys.send_keys(Keys.ENTER).perform()
    wait(browser).until(EC.url_contains("/outbox"))
    # On to the send form with the keyboard alone.
    for _ in range(12):
        if browser.execute_script("return document.activeElement.getAttribute('href')") == "/send":
            break
        keys.send_keys(Keys.TAB).perform()
    assert browser.execute_script("return document.activeElement.getAttribute('href')") == "/send"
    keys.send_keys(Keys.ENTER).perform()
    wait(browser).until(EC.url_contains("/send"))
    assert browser.find_element(By.ID, "to").is_displayed()


def test_send_with_preview_reaches_sent_without_reload(browser, server, screenshot):
    sign_in(browser, server)
    browser.get(server.base_url + "/send")
    browser.find_element(By.ID, "to").send_keys("+15550100100")
    browser.find_element(By.ID, "file").send_keys(EXAM)
    screenshot("send-form")
    browser.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    wait(browser).until(EC.url_contains("/send/preview/"))
    assert images_loaded(browser) == 5
    assert "5 pages to" in browser.find_element(By.TAG_NAME, "main").text
    screenshot("send-preview")
    browser.find_element(By.ID, "confirm-send").click()
    wait(browser).until(EC.url_contains("/jobs/"))
    job = browser.current_url.rsplit("/", 1)[1]
    browser.get(server.base_url + "/outbox")
    row = '[data-job="%s"]' % job
    assert browser.find_elements(By.CSS_SELECTOR, row), "the job is not in the outbox it was just sent to"
    browser.execute_script("window.faxdropNotReloaded = true")
    screenshot("outbox")
    # The outbox's script redraws the rows and drops the job once it ends; no reload.
    wait(browser, 2 * DEADLINE).until(lambda b: not b.find_elements(By.CSS_SELECTOR, row))
    assert browser.execute_script("return window.faxdropNotReloaded === true"), "the outbox was reloaded"
    browser.get(server.base_url + "/jobs/" + job)
    assert "Sent" in browser.find_element(By.CSS_SELECTOR, ".status").text
    screenshot("job-sent")


def test_open_page_thumbnails(browser, server, screenshot):
    sign_in(browser, server)
    job = send(browser, server, "+15550100101")
    url = server.base_url + "/jobs/" + job

    def sent(b):
        b.get(url)
        return "Sent" in b.find_element(By.CSS_SELECTOR, ".status").text

    wait(browser, 2 * DEADLINE).until(sent)
    assert images_loaded(browser) == 1
    fit_page(browser)
    screenshot("job-thumbnails")
    browser.find_element(By.CSS_SELECTOR, ".thumbs a").click()
    wait(browser).until(EC.url_matches(r"/jobs/%s/pages/1\.png$" % job))
    width = browser.execute_script("return document.images.length && document.images[0].naturalWidth")
    assert width > 1000, "the full-size page is %s px wide" % width
    screenshot("page-full")


def test_retry_a_failed_job(browser, server, screenshot, tmp_path):
    # A document that is no document, dropped into the drop zone: the job fails at rendering.
    folder = server.spool / "outgoing" / "+15550100102"
    folder.mkdir(parents=True, exist_ok=True)
    staged = tmp_path / "not-a-document.pdf"
    shutil.copyfile(GARBAGE, staged)
    # Complete before it appears (the drop zone also waits for the file to settle).
    shutil.copyfile(staged, folder / ".not-a-document.part")
    os.rename(folder / ".not-a-document.part", folder / "not-a-document.pdf")
    job = sidecar_of(server, "not-a-document.pdf")
    sign_in(browser, server)
    browser.get(server.base_url + "/jobs/" + job)
    assert "Failed" in browser.find_element(By.CSS_SELECTOR, ".status").text
    assert browser.find_element(By.CSS_SELECTOR, ".problem").text  # the error in words
    screenshot("job-failed")
    browser.find_element(By.XPATH, "//button[text()='Retry']").click()
    notice = wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".notice")))
    assert "Queued again" in notice.text
    assert any(l["action"] == "retry" and l["job_id"] == job for l in audit_lines(server))


def test_cancel_a_queued_job(browser, server, screenshot):
    sign_in(browser, server)
    job = send(browser, server, "+15550000486")  # busy: then held by its retry wait
    url = server.base_url + "/jobs/" + job

    def waiting_to_retry(b):
        b.get(url)
        return "Waiting to retry" in b.find_element(By.CSS_SELECTOR, ".status").text

    wait(browser, 2 * DEADLINE).until(waiting_to_retry)
    browser.get(server.base_url + "/outbox")
    row = browser.find_element(By.CSS_SELECTOR, '[data-job="%s"]' % job)
    assert "Waiting to retry" in row.text
    screenshot("outbox-waiting")
    row.find_element(By.XPATH, ".//button[text()='Cancel']").click()
    wait(browser).until(EC.url_contains("/outbox"))

    def cancelled(b):
        b.get(url)
        return "Failed" in b.find_element(By.CSS_SELECTOR, ".status").text and "cancelled" in b.page_source

    wait(browser, 2 * DEADLINE).until(cancelled)
    browser.get(server.base_url + "/history")
    assert browser.find_elements(By.CSS_SELECTOR, 'a[href="/jobs/%s"]' % job)
    screenshot("history")


def test_forged_cross_site_post_refused(browser, server, tmp_path):
    sign_in(browser, server)
    job = send(browser, server, "+15550000486")
    page = tmp_path / "evil.html"
    page.write_text(
        '<form id="f" method="post" action="%s/jobs/%s/cancel">'
        '<input name="csrf" value="guess"></form>' % (server.base_url, job)
    )
    browser.get("file://" + str(page))
    browser.execute_script("document.getElementById('f').submit()")
    wait(browser).until(lambda b: b.current_url.startswith(server.base_url))
    assert "Forbidden" in browser.find_element(By.TAG_NAME, "h1").text
    assert not any(l["action"] == "cancel" and l.get("job_id") == job for l in audit_lines(server))
    browser.get(server.base_url + "/jobs/" + job)
    assert "Failed" not in browser.find_element(By.CSS_SELECTOR, ".status").text


def test_phone_sized_layout(phone, server, screenshot):
    sign_in(phone, server)
    overflow = "return document.documentElement.scrollWidth - window.innerWidth"
    for path in ("/outbox", "/history", "/errors", "/send"):
        phone.get(server.base_url + path)
        assert phone.execute_script(overflow) <= 0, "%s scrolls sideways on a phone" % path
        screenshot("phone" + path.replace("/", "-"), driver=phone)
    for link in phone.find_elements(By.CSS_SELECTOR, "header nav a"):
        assert link.is_displayed() and link.size["height"] > 0
    field = phone.find_element(By.ID, "to")
    assert field.is_displayed() and field.location["x"] + field.size["width"] <= 390
