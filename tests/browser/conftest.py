"""Browser tests: headless Debian Chromium driven by Playwright against a live `codegen up` (gunicorn, gevent,
embedded Redis, one RQ worker), with the offline provider paced so that each agent can be watched working."""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import DEADLINE_S, ROOT, CodegenUp, require, unused_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
EMAIL, PASSWORD = "browser@example.com", "browser-password-1"
ADMIN_EMAIL, ADMIN_PASSWORD = "browser-admin@example.com", "browser-password-2"
# The two sizes every page is tried at: a laptop, and a phone (an iPhone 14's CSS pixels).
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# Milliseconds per offline answer: a job takes a few seconds, long enough to watch, short enough for CI.
PACE_MS = 400
SCREENSHOTS = ROOT / "docs" / "screenshots"
# Playwright waits (actions and `expect`) up to this long: a busy machine is slow, not broken.
BROWSER_TIMEOUT_MS = int(DEADLINE_S * 1000 / 4)


@dataclass
class Service:
    url: str
    instance: Path

    def events_of(self, job_id: str) -> list[str]:
        """The stream ids of a job's events, as the database keeps them (the worker writes both copies)."""
        with sqlite3.connect(self.instance / "codegen.db") as db:
            rows = db.execute("SELECT stream_id FROM job_events WHERE job_id = ? ORDER BY id", (job_id,))
            return [row[0] for row in rows]


@pytest.fixture(scope="session")
def playwright_sync():
    require(CHROMIUM.exists(), "Chromium is missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright is missing: pip install -e '.[dev]'")
    from playwright.sync_api import expect

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def service(playwright_sync, tmp_path_factory) -> Service:
    """The whole service, as `make run` starts it, in a fresh instance folder with one user and no admin."""
    folder = tmp_path_factory.mktemp("browser")
    # The browser tests start many jobs within a minute; the per-person limit is tested elsewhere.
    up = CodegenUp(folder / "instance", unused_port(), folder / "up.log", CODEGEN_OFFLINE_PACE_MS=str(PACE_MS),
                   RATE_LIMIT_JOBS="1000 per minute")
    up.cli("db", "upgrade")
    up.cli("create-user", "--email", EMAIL, "--password", PASSWORD)
    up.cli("create-user", "--admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD)
    up.start()
    try:
        up.wait_healthy()
        yield Service(up.url, up.instance)
    finally:
        up.stop()


@pytest.fixture(scope="session")
def browser(playwright_sync):
    browser = playwright_sync.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def sign_in(browser, base_url: str, viewport: dict | None = None, email: str = EMAIL, password: str = PASSWORD):
    context = browser.new_context(base_url=base_url, accept_downloads=True,
                                  viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    return context, page


@pytest.fixture
def signed_in(browser):
    """Open a signed-in page on any base URL (such as a proxy in front of the service); closed after the test."""
    contexts = []

    def open_page(base_url: str):
        context, page = sign_in(browser, base_url)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser, service):
    """A signed-in page; the test fails on any error the page's scripts raise or log (a 4xx answer the page asked
    for, such as a 422 form, is the browser's network log, not a script error)."""
    context, page = sign_in(browser, service.url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error"
            and not message.text.startswith("Failed to load resource") else None)
    yield page
    context.close()
    assert errors == [], errors


def watch_errors(page) -> list[str]:
    """Collect what the page's scripts raise or log as errors, CSP refusals included."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error"
            and not message.text.startswith("Failed to load resource") else None)
    return errors


@pytest.fixture(params=list(VIEWPORTS))
def device_page(request, browser, service):
    """A signed-in page at each of the two sizes (the test runs twice); fails on any script or CSP error."""
    context, page = sign_in(browser, service.url, VIEWPORTS[request.param])
    page.device = request.param
    errors = watch_errors(page)
    yield page
    context.close()
    assert errors == [], errors


@pytest.fixture
def admin_page(request, browser, service):
    """A signed-in admin page; pass the size with `@pytest.mark.parametrize("admin_page", [...], indirect=True)`."""
    size = getattr(request, "param", "desktop")
    context, page = sign_in(browser, service.url, VIEWPORTS[size], ADMIN_EMAIL, ADMIN_PASSWORD)
    page.device = size
    errors = watch_errors(page)
    yield page
    context.close()
    assert errors == [], errors


def check_accessibility(page, what: str = "") -> None:
    """Run axe-core on the page as it is now: no violation of serious or critical impact may remain.

    axe is injected through the DevTools protocol (`evaluate`), which the page's CSP does not govern; the file is
    checked against its pinned checksum first."""
    source = AXE.read_bytes()
    expected = (AXE.parent.parent / "SHA256SUMS").read_text().split()[0]
    assert hashlib.sha256(source).hexdigest() == expected, "axe.min.js does not match its pinned checksum"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source.decode())
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""")
    assert results == [], f"axe on {what or page.url}: {results}"


def page_fits(page) -> bool:
    """Nothing sticks out sideways: the page is no wider than its window (tables scroll inside their own box)."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def screenshot(tmp_path):
    """Save a full-page screenshot; into docs/screenshots/ when SAVE_SCREENSHOTS=1 (those are committed)."""
    folder = SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") == "1" else tmp_path

    def save(page, name: str) -> Path:
        target = folder / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
        return target

    return save


class DroppingProxy:
    """A TCP proxy in front of the service that can cut its WebSocket connections the way a network failure does:
    no closing handshake, just a reset, so the browser sees an abnormal closure (1006) and reconnects."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[tuple[socket.socket, socket.socket, bool]] = []
        self.lock = threading.Lock()
        self.closed = False
        self.refusing = False  # while set, new WebSocket connections are reset at once: the server looks down
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        first = client.recv(65536)
        if self.refusing and first.startswith(b"GET /ws/"):
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        with self.lock:
            self.sockets.append((client, upstream, first.startswith(b"GET /ws/")))
        upstream.sendall(first)
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.close()
            except OSError:
                pass

    def drop_websockets(self) -> int:
        """Reset every WebSocket connection at once; return how many there were."""
        dropped = 0
        with self.lock:
            for client, upstream, is_socket in self.sockets:
                if is_socket and client.fileno() != -1:
                    for sock in (client, upstream):
                        try:
                            # Linger 0: closing sends a reset, as a dead network path looks to the ends.
                            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                            sock.shutdown(socket.SHUT_RDWR)  # wakes the pumps, which close the socket
                        except OSError:
                            pass
                    dropped += 1
        return dropped

    def close(self) -> None:
        self.closed = True
        self.listener.close()


@pytest.fixture
def proxy(service):
    proxy = DroppingProxy(int(service.url.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()
