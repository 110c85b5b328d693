"""The web console in a real browser: Debian's chromium through chromedriver (WebDriver, with
selenium), against the real `dlpjet gateway` binary with a vault, real traffic in its audit log
and a local OpenID Connect provider. Signs in through the bootstrap link and through the
provider, filters, pages, exports, creates and revokes a key (refused by the API within a
second), tries the policy, invites a member and switches roles; checks that no planted value
appears in any page or export; writes screenshots of the main pages."""
import http.client
import json
import os
import pathlib
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import CANARY, ROOT
from oidc_provider import Provider

CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.org"
OWNER, MEMBER, OTHER = "owner@example.com", "bo@example.com", "carl@example.com"
SHOTS = pathlib.Path(os.environ.get("DLPJET_SCREENSHOTS", ROOT / "target" / "console-screenshots"))


@pytest.fixture
def provider():
    p = Provider()
    yield p
    p.close()


@pytest.fixture
def browser():
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
              "--disable-gpu", "--no-first-run"):
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.implicitly_wait(0)
    yield d
    d.quit()


def chat(gw, key, text):
    c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    body = json.dumps({"model": "gpt-test", "messages": [{"role": "user", "content": text}]})
    c.request("POST", "/v1/chat/completions", body=body,
              headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def api_status(gw, key):
    c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    c.request("GET", "/v1/models", headers={"authorization": f"Bearer {key}"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def get(url, cookie):
    u = urllib.parse.urlparse(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request("GET", u.path + "?" + u.query, headers={"cookie": f"dlpjet_console={cookie}"})
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return r.status, data


def test_console_in_a_browser(make_gateway, tmp_path, provider, browser):
    (tmp_path / "oidc-secret").write_text(provider.client_secret)
    gw = make_gateway(f"""
[console]
listen = "127.0.0.1:0"
[console.oidc]
issuer = "{provider.issuer}"
client_id = "{provider.client_id}"
client_secret_file = "oidc-secret"
""")
    line = gw.proc.stdout.readline()
    assert line.startswith("dlpjet console listening on "), line
    console = line.split()[-1]

    # Real traffic, a few thousand requests from 16 clients at once: three users; plain text,
    # an e-mail address (redacted), a card (blocked).
    keys = {u: gw.create_key("acme", u) for u in (OWNER, MEMBER, OTHER)}

    def one(i):
        user = (OWNER, MEMBER, OTHER)[i % 3]
        return chat(gw, keys[user], ["hello there", f"write to {EMAIL}", f"pay with {CARD}"][i % 4 % 3])
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, range(2000)))
    blocked = statuses.count(403)
    assert blocked == 500 and statuses.count(200) == 1500

    pages = []
    SHOTS.mkdir(parents=True, exist_ok=True)

    def visit(path):
        browser.get(console + path)
        pages.append(browser.page_source)

    def shot(name):
        browser.save_screenshot(str(SHOTS / f"{name}.png"))

    def wait_url(part):
        WebDriverWait(browser, 10).until(lambda d: part in d.current_url)

    # The first owner signs in through the bootstrap link.
    link = gw.run("console", "invite", "--config", str(gw.config), "--tenant", "acme", "--role", "owner", OWNER,
                  vault=False).stdout.strip()
    token = link.rsplit("/invite/", 1)[1]
    visit(f"/invite/{token}")
    browser.find_element(By.ID, "use-invite").click()
    wait_url("/activity")
    cookie = browser.get_cookie("dlpjet_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    rows = browser.find_elements(By.CSS_SELECTOR, "#activity tbody tr")
    assert len(rows) == 50
    shot("activity")

    # Filter on the server; page; a malformed date says what is wrong.
    Select(browser.find_element(By.NAME, "action")).select_by_visible_text("block")
    browser.find_element(By.ID, "apply").click()
    WebDriverWait(browser, 10).until(lambda d: "action=block" in d.current_url)
    pages.append(browser.page_source)
    actions = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#activity .action")}
    assert actions == {"block"}, actions
    visit("/activity?tenant=acme")
    first = [r.get_attribute("data-seq") for r in browser.find_elements(By.CSS_SELECTOR, "#activity tbody tr")]
    browser.find_element(By.ID, "older").click()
    WebDriverWait(browser, 10).until(lambda d: "after=" in d.current_url)
    second = [r.get_attribute("data-seq") for r in browser.find_elements(By.CSS_SELECTOR, "#activity tbody tr")]
    assert second and not set(first) & set(second)
    box = browser.find_element(By.NAME, "from")
    box.send_keys("2026-13-45")
    browser.find_element(By.ID, "apply").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "filter-error"))
    assert 'from "2026-13-45"' in browser.find_element(By.ID, "filter-error").text

    # Exports of the current filter, with the browser's session.
    status, data = get(console + "/activity.jsonl?tenant=acme&action=block", cookie["value"])
    assert status == 200
    events = [json.loads(l) for l in data.splitlines()]
    assert len(events) == blocked and all(e["action"] == "block" for e in events)
    status, data = get(console + "/activity.csv?tenant=acme&action=block", cookie["value"])
    assert data.splitlines()[0].startswith("seq,time,tenant,") and len(data.splitlines()) == blocked + 1
    pages.append(data)

    # A record's detail and the overview.
    visit("/activity?tenant=acme&action=block")
    browser.find_element(By.CSS_SELECTOR, "#activity tbody tr a").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "record"))
    pages.append(browser.page_source)
    assert "credit_card" in browser.find_element(By.ID, "findings").text
    shot("record")
    visit("/overview?tenant=acme")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 4
    assert "credit_card" in browser.find_element(By.CSS_SELECTOR, ".ranking").text
    shot("overview")

    # Keys: create one (shown once), use it, revoke it in the page: refused within a second.
    visit("/keys?tenant=acme")
    assert 'data-secret="primary"' in browser.page_source and CANARY not in browser.page_source
    browser.find_element(By.NAME, "user").send_keys(OTHER)
    browser.find_element(By.ID, "create-key").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "new-key"))
    new_key = browser.find_element(By.ID, "new-key").text.strip()
    assert new_key.startswith("dlpjet_live_")
    assert api_status(gw, new_key) == 200
    visit("/keys?tenant=acme")
    assert new_key not in browser.page_source, "a key is shown once"
    key_id = new_key.split("_")[2]
    browser.find_element(By.CSS_SELECTOR, f'tr[data-key="{key_id}"] button.danger').click()
    browser.switch_to.alert.accept()
    revoked = time.monotonic()
    WebDriverWait(browser, 10).until(lambda d: "/keys" in d.current_url)
    while api_status(gw, new_key) != 401:
        assert time.monotonic() - revoked < 1.0, "a revoked key is refused within a second"
        time.sleep(0.02)
    shot("keys")  # the list, with the revoked key (never a key's secret)

    # Policies: the effective policy and "try it", with masked previews only.
    visit("/policies?tenant=acme")
    browser.find_element(By.ID, "text").send_keys(f"pay with {CARD} or mail {EMAIL}")
    browser.find_element(By.ID, "try").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "decision"))
    pages.append(browser.page_source)
    decision = browser.find_element(By.ID, "decision").text
    assert "block" in decision and "credit_card" in decision and "************1111" in decision
    shot("policies")

    # The owner invites a member; the member sees their own records only, and no policies.
    visit("/members?tenant=acme")
    browser.find_element(By.ID, "invite-email").send_keys(MEMBER)
    browser.find_element(By.ID, "invite").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "invite-link"))
    member_link = browser.find_element(By.ID, "invite-link").text.strip()
    shot("members")
    browser.find_element(By.CSS_SELECTOR, "form.out button").click()
    wait_url("/sign-in")
    browser.get(member_link)
    browser.find_element(By.ID, "use-invite").click()
    wait_url("/activity")
    pages.append(browser.page_source)
    users = {td.text for td in browser.find_elements(By.CSS_SELECTOR, "#activity tbody td:nth-child(2)")}
    assert users == {MEMBER}, users
    visit("/policies?tenant=acme")
    assert "needs the admin or owner role" in browser.page_source
    visit("/activity?tenant=globex")
    assert "not a member of tenant" in browser.page_source

    # Sign-in through the OpenID Connect provider (PKCE, state, nonce), and a stranger refused.
    browser.delete_all_cookies()
    provider.email = OWNER
    visit("/sign-in")
    browser.find_element(By.ID, "oidc").click()
    wait_url("/activity")
    assert OWNER in browser.page_source
    assert provider.token_requests[-1]["code_verifier"]
    browser.find_element(By.CSS_SELECTOR, "form.out button").click()
    wait_url("/sign-in")
    provider.email = "stranger@example.com"
    browser.find_element(By.ID, "oidc").click()
    WebDriverWait(browser, 10).until(lambda d: "not a member of any tenant" in d.page_source)

    # No planted value in any page or export: the card, the provider key, a key after its page.
    digits = CARD.replace(" ", "")
    for page in pages:
        for planted in (CARD, digits, CANARY, new_key, cookie["value"]):
            assert planted not in page
        assert "<script>" not in page, "no inline script"
