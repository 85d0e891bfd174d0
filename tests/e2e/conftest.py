"""Browser fixtures: Debian's Chromium, driven by Playwright's sync API, against
the real server of tests/conftest.py (a real uvicorn on a real socket, a real
database with every Korean neighbourhood loaded).

Each test gets fresh browser contexts: Korean, a phone-sized viewport, and a
client address of its own in X-Forwarded-For (the server trusts it from
127.0.0.1), so per-address rate limits never leak from one test into another.
Screenshots go to ``test-artifacts/`` at the repository root, named after the
test; a failing test leaves one of every page it had open.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from tests.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}

# The server answers in milliseconds; generous waits absorb a busy 2-core CI machine.
expect.set_options(timeout=10_000)

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests after every other test. While Playwright's sync API is
    started it marks its event loop as running in the main thread, so
    ``asyncio.run()`` and async tests that came after them would fail."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test, for fixtures to see whether it failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def artifact_name(node: pytest.Item) -> str:
    return re.sub(r"[^\w.-]+", "-", node.name).strip("-")


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("browser tests need Debian's chromium on PATH (make system-deps installs it)")
    # The database and server fixtures use asyncio.run(), which fails while Playwright
    # runs: set them up before it starts, so that they also tear down after it stops.
    request.getfixturevalue("server")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


def client_address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


NewContext = Callable[..., BrowserContext]


@pytest.fixture
def new_context(
    browser: Browser, server: Server, request: pytest.FixtureRequest
) -> Iterator[NewContext]:
    """Makes browser contexts for this test: ``new_context()``, or
    ``new_context(geolocation=(lat, lon))`` for a device that shares its location,
    or ``new_context(allow_location=True)`` to set the position later with
    ``context.set_geolocation``. Uncaught script errors and CSP refusals fail the test."""
    contexts: list[BrowserContext] = []
    script_errors: list[str] = []

    def make(
        *, geolocation: tuple[float, float] | None = None, allow_location: bool = False
    ) -> BrowserContext:
        options: dict[str, object] = {
            "locale": "ko-KR",
            "timezone_id": "Asia/Seoul",
            "viewport": PHONE,
            "base_url": server.url,
            "extra_http_headers": {"X-Forwarded-For": client_address()},
        }
        if geolocation is not None:
            options["geolocation"] = {"latitude": geolocation[0], "longitude": geolocation[1]}
        if geolocation is not None or allow_location:
            options["permissions"] = ["geolocation"]
        context = browser.new_context(**options)  # type: ignore[arg-type]
        context.set_default_timeout(15_000)

        def watch(page: Page) -> None:
            page.on("pageerror", lambda exc: script_errors.append(f"{page.url}: {exc}"))
            page.on(
                "console",
                lambda m: (
                    script_errors.append(f"{page.url}: {m.text}")
                    if m.type == "error" and m.text.startswith("Refused to")
                    else None
                ),
            )

        context.on("page", watch)
        contexts.append(context)
        return context

    yield make

    reports = request.node.stash.get(_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    try:
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            n = 0
            for context in contexts:
                for page in context.pages:
                    n += 1
                    path = ARTIFACTS / f"{artifact_name(request.node)}-failed-{n}.png"
                    try:
                        page.screenshot(path=path, full_page=True)
                    except Exception as exc:  # a crashed page must not hide the real failure
                        print(f"no screenshot of {page.url}: {exc}")
    finally:
        for context in contexts:
            context.close()
    if script_errors and not failed:
        pytest.fail("errors in the page's scripts:\n" + "\n".join(script_errors))


@pytest.fixture
def page(new_context: NewContext) -> Page:
    """A Korean phone's browser tab in a context of its own."""
    return new_context().new_page()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``screenshot(page)`` saves test-artifacts/<test name>.png (or ``name``)."""

    def take(page: Page, name: str | None = None) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name or artifact_name(request.node)}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


def loaded_width(image: Locator) -> int:
    """Wait until the <img> has finished loading and return its natural width.

    A photo's ``src`` is set before the bytes arrive; checking ``complete`` at once
    races the download on a busy machine.
    """
    image.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0",
        arg=image.element_handle(),
        timeout=10_000,
    )
    width: int = image.evaluate("img => img.naturalWidth")
    return width
