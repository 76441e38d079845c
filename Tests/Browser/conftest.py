"""Fixtures of the browser tests (issue 11).

`server`   the real built `faxdrop run` (loopback backend) on a free loopback port, with a
           temporary spool and a random API key; stopped (SIGTERM, then SIGKILL) at the end.
`browser`  headless Debian Chromium, window 1280x900.
`phone`    the same with a phone's screen (390x844, touch, device pixel ratio 3).
`screenshot(name)`  saves the page of the test's browser under
           .build/test-artifacts/screenshots/<name>.png and returns the path.
`wait(driver, condition, timeout)`  WebDriverWait with a deadline: no fixed sleeps.

Everything waits for a condition with a deadline, so a loaded 2-core CI machine is slow,
not flaky.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PACKAGE_ROOT / ".build" / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("FAXDROP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FAXDROP_CHROMEDRIVER", "/usr/bin/chromedriver")
# How long anything may take on a loaded CI machine before a test fails.
DEADLINE = float(os.environ.get("FAXDROP_BROWSER_DEADLINE", "60"))


@dataclass
class Server:
    base_url: str
    api_key: str
    spool: Path
    process: subprocess.Popen
    log: Path

    def get(self, path, headers=None, timeout=10.0):
        """(status, headers, body) of a GET; HTTP errors are answers too."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, what):
    """Polls `condition` until it returns a true value or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def faxdrop_binary():
    binary = os.environ.get("FAXDROP_BIN") or str(PACKAGE_ROOT / ".build" / "debug" / "faxdrop")
    if not os.access(binary, os.X_OK):
        pytest.exit(f"{binary} is missing: run swift build first", returncode=2)
    return binary


@pytest.fixture(scope="session")
def server():
    binary = faxdrop_binary()
    root = Path(tempfile.mkdtemp(prefix="faxdrop-browser-"))
    spool = root / "spool"
    port = free_port()
    api_key = secrets.token_hex(16)
    env = dict(os.environ)
    env.update({
        "FAXDROP_SPOOL": str(spool),
        "FAX_BACKEND": "loopback",
        "FAXDROP_HTTP": "true",
        "FAXDROP_HTTP_HOST": "127.0.0.1",
        "FAXDROP_HTTP_PORT": str(port),
        "API_KEY": api_key,
        "FAXDROP_SETTLE_MS": "200",
        "FAXDROP_LOOPBACK_PAGE_SECONDS": "0.5",  # a 5-page call outlasts loading the outbox
        "FAXDROP_LOG_LEVEL": "info",
    })
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "browser-faxdrop.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [binary, "run", "--spool", str(spool)], env=env, stdout=out, stderr=subprocess.STDOUT,
            cwd=str(root), start_new_session=True)
    instance = Server(f"http://127.0.0.1:{port}", api_key, spool, process, log)

    def healthy():
        if process.poll() is not None:
            raise AssertionError(f"faxdrop run exited with {process.returncode}; see {log}")
        try:
            return instance.get("/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    try:
        wait_until(healthy, DEADLINE, f"faxdrop to answer /healthz on port {port}")
        yield instance
    finally:
        stop(process)
        shutil.rmtree(root, ignore_errors=True)


def stop(process):
    """SIGTERM (the daemon's graceful stop), then SIGKILL if it does not end in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=DEADLINE / 2)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=DEADLINE / 2)


def chromium_options(width, height, phone=False):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    if phone:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 3.0, "touch": True},
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                         "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
        })
    return options


def start_chromium(width, height, phone=False):
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            pytest.exit(f"{tool} is missing: run scripts/install-deps.sh", returncode=2)
    service = Service(executable_path=CHROMEDRIVER, log_output=str(ARTIFACTS / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=chromium_options(width, height, phone))
    driver.set_page_load_timeout(DEADLINE)
    driver.set_script_timeout(DEADLINE)
    return driver


@pytest.fixture
def browser():
    driver = start_chromium(1280, 900)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def phone():
    driver = start_chromium(390, 844, phone=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def wait():
    def waiting(driver, condition, timeout=DEADLINE, message=""):
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition, message)
    return waiting


@pytest.fixture
def screenshot(request):
    """`screenshot(name)` saves the test's browser (or `driver=`) page as a PNG."""
    def take(name, driver=None):
        if driver is None:
            driver = next((request.getfixturevalue(n) for n in ("browser", "phone") if n in request.fixturenames), None)
            if driver is None:
                raise AssertionError("screenshot needs the test to use the browser or phone fixture")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        path = SCREENSHOTS / f"{safe}.png"
        assert driver.save_screenshot(str(path)), f"no screenshot saved at {path}"
        return path
    return take


def page_loaded(driver):
    return driver.execute_script("return document.readyState") == "complete"
