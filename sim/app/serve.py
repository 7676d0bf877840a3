"""Starting the classroom page's server: ``solara run sim.app.page`` in production mode,
with every asset served from this machine (the ``solara-assets`` package puts them in
Solara's cache), no telemetry, and figures drawn to PNG only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import InputError

PAGE = "sim.app.page"
ASSET = "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js"
"""One of the files the page loads from Solara's asset cache: if it is missing, the page
would need the internet."""


def environment(scenarios: str | Path, offline_cdn: str | None = None) -> dict[str, str]:
    """The server's environment. ``offline_cdn`` replaces the CDN Solara would fall back
    to for an asset missing from its cache (tests give an address where nothing listens)."""
    env = dict(os.environ)
    env.update({"CRISIS_SIM_SCENARIOS": str(Path(scenarios).resolve()), "MPLBACKEND": "Agg",
                "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"})
    if offline_cdn is not None:
        env["SOLARA_ASSETS_CDN"] = offline_cdn
    return env


def check(scenarios: str | Path) -> None:
    """Fail with one line if the page could not start or could not work offline."""
    try:
        import solara.server.settings as settings
    except ImportError:
        raise InputError("crisis-sim app: Solara is not installed; run `make app` (or pip "
                         "install -e '.[app]')") from None
    if not (settings.assets.proxy_cache_dir / ASSET).exists():
        raise InputError(f"crisis-sim app: {settings.assets.proxy_cache_dir} has no {ASSET}; "
                         "install solara-assets (`make app`) so the page works offline")
    if not Path(scenarios).is_dir():
        raise InputError(f"--scenarios {scenarios}: not a directory; give the folder of "
                         "scenario files (default ./scenarios)")


def command(port: int, host: str, open_browser: bool = False) -> list[str]:
    return [sys.executable, "-m", "solara", "run", PAGE, "--production", "--port", str(port),
            "--host", host, "--open" if open_browser else "--no-open",
            "--log-level", "warning"]


def serve(port: int, host: str = "localhost", scenarios: str | Path = "scenarios", *,
          open_browser: bool = False) -> int:
    """Serve the page until interrupted; returns the server's exit status."""
    check(scenarios)
    print(f"crisis-sim app: open http://{host}:{port}/ in a browser (Ctrl-C stops it)",
          flush=True)
    process = subprocess.Popen(command(port, host, open_browser), env=environment(scenarios))
    signal.signal(signal.SIGTERM, _interrupt)  # a plain `kill` stops the server too
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        raise


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def running(port: int, scenarios: str | Path = "scenarios", *, timeout: float = 90,
            offline_cdn: str | None = None, log: Path | None = None) -> Iterator[str]:
    """A server in the background for tests and screenshots: yields its address once it
    answers, and stops it afterwards."""
    check(scenarios)
    out = open(log, "wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(command(port, "127.0.0.1"),
                               env=environment(scenarios, offline_cdn), stdout=out,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the page's server exited with status {process.returncode}"
                                   + (f"; see {log}" if log else ""))
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the page's server did not answer at {url} in {timeout} s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            out.close()


CHROMIUM = Path(os.environ.get("CRISIS_SIM_CHROMIUM", "/usr/bin/chromium"))
"""Debian's Chromium (packages chromium and chromium-driver), or the browser that
``CRISIS_SIM_CHROMIUM`` names; Playwright drives it and never downloads a browser of its
own."""
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium(playwright) -> object:
    """Launch headless Chromium from the system packages with a fresh profile."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_FLAGS)
