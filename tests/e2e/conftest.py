"""The ``slow`` marker (CI runs these too; ``-m "not slow"`` leaves them out), and on a
failed browser test a screenshot of the page in test-artifacts/e2e/."""

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: builds a virtual environment from the package index (> 60 s)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        page = getattr(item, "funcargs", {}).get("page")
        if page is not None:
            from .support import ARTIFACTS

            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(ARTIFACTS / f"failed_{item.name}.png"))
            except Exception as error:  # the page may be gone: the report matters more
                report.sections.append(("screenshot", f"no screenshot: {error}"))
