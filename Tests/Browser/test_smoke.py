"""The daemon answers over HTTP, and Chromium loads what it serves (until the console
exists, `/` may be a 404 answer: an answer all the same; `/healthz` is the daemon's)."""

import json

from conftest import page_loaded


def test_daemon_answers_at_root_and_healthz(server):
    status, _, _ = server.get("/")
    assert 200 <= status < 500, f"GET / answered {status}"
    status, headers, body = server.get("/healthz")
    assert status == 200
    assert headers.get("Content-Type", "").startswith("application/json")
    assert isinstance(json.loads(body), dict)


def test_chromium_loads_the_daemons_pages(server, browser, wait, screenshot):
    browser.get(server.base_url + "/healthz")
    wait(browser, page_loaded, message="/healthz never finished loading")
    assert browser.current_url == server.base_url + "/healthz"
    text = browser.find_element("tag name", "body").text
    assert isinstance(json.loads(text), dict), text
    assert screenshot("smoke-healthz-desktop").stat().st_size > 0

    browser.get(server.base_url + "/")
    wait(browser, page_loaded, message="/ never finished loading")
    assert browser.current_url.startswith(server.base_url), browser.current_url
    assert not browser.current_url.startswith("chrome-error://")
    assert browser.get_window_size()["width"] == 1280
    screenshot("smoke-root-desktop")


def test_phone_sized_browser(server, phone, wait, screenshot):
    phone.get(server.base_url + "/")
    wait(phone, page_loaded, message="/ never finished loading on the phone")
    assert phone.current_url.startswith(server.base_url)
    # The device's screen (a page without a viewport meta tag is laid out 980 px wide, as
    # on a real phone; the console's pages set one).
    assert phone.execute_script("return [screen.width, window.devicePixelRatio]") == [390, 3]
    path = screenshot("smoke-root-phone")
    # A PNG of the phone's screen at its pixel ratio.
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 390 * 3


def test_api_key_is_the_fixtures(server):
    job = "/fax/01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert server.get(job, headers={"X-API-Key": "wrong"})[0] == 401
    status, _, body = server.get(job, headers={"X-API-Key": server.api_key})
    assert status == 404, body
