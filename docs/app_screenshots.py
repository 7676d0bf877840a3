"""Screenshots of the classroom page for the README: docs/figures/app_*.png.

    make screenshots    # or: .venv/bin/python docs/app_screenshots.py

Starts the page (`crisis-sim app`) on a free port, opens it in headless Chromium from the
system packages (Playwright, never a downloaded browser) and captures the ensemble view
with both governments' sensitivity to deaths at the top of its range and China's leverage
at zero, one future a few days after the branch, the paired comparison with the scenario as
written, and the Info tab.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from sim.app import serve

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "figures"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _idle(page) -> None:
    page.wait_for_selector(".crisis-done", timeout=60_000)
    page.wait_for_selector(".crisis-fan-figure", timeout=60_000)


def _slide(page, path: str, to: str) -> None:
    control = f".control-{path.replace('.', '-')}"
    thumb = page.locator(f"{control} .v-slider__thumb-container").bounding_box()
    track = page.locator(f"{control} .v-slider").bounding_box()
    page.mouse.move(thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2)
    page.mouse.down()
    end = track["x"] - 20 if to == "low" else track["x"] + track["width"] + 20
    page.mouse.move(end, thumb["y"] + thumb["height"] / 2, steps=8)
    page.mouse.up()
    time.sleep(0.3)
    _idle(page)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with serve.running(_free_port(), ROOT / "scenarios") as url, sync_playwright() as p:
        browser = serve.chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1050})
        page.goto(url)
        _idle(page)
        for party in ("IRN", "PAK"):
            _slide(page, f"actor.{party}.pressure_sensitivity", "high")
        for party in ("IRN", "PAK"):
            _slide(page, f"actor.CHN.leverage.{party}", "low")
        page.screenshot(path=OUT / "app_ensemble.png")
        page.get_by_role("tab", name="One future").click()
        page.wait_for_selector(".crisis-date", timeout=30_000)
        for _ in range(3):
            page.locator(".crisis-step").click()
            time.sleep(0.4)
        page.screenshot(path=OUT / "app_future.png")
        page.get_by_role("tab", name="Compare").click()
        page.locator(".crisis-compare").click()
        page.wait_for_selector(".crisis-compare-war", timeout=60_000)
        time.sleep(1.0)
        page.screenshot(path=OUT / "app_compare.png")
        page.get_by_role("tab", name="Info").click()
        page.wait_for_selector(".crisis-info h2", timeout=30_000)
        time.sleep(1.0)  # the tab slides in
        page.screenshot(path=OUT / "app_info.png")
        browser.close()
    for name in ("ensemble", "future", "compare", "info"):
        print(f"wrote {OUT / f'app_{name}.png'}")


if __name__ == "__main__":
    main()
