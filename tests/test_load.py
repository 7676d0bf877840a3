"""Load: a sweep of ten million simulated crises on this machine, its memory and its
progress bar watched throughout. Slow (about two minutes): `make test-slow`."""

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from .conftest import FLAGSHIP, ROOT

POINTS, REPLICATES = 100, 100_000
LIMIT = 2 * 2**30


def tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                status = handle.read()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(re.search(r"PPid:\s+(\d+)", status).group(1))
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        rss[pid] = int(found.group(1)) * 1024 if found else 0
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in members]
        members.update(children)
        frontier += children
    return sum(rss.get(p, 0) for p in members)


@pytest.mark.slow
def test_ten_million_crises_in_under_two_gib_with_a_live_progress_bar(tmp_path):
    values = ", ".join(f"{i / POINTS:.2f}" for i in range(POINTS))
    spec = tmp_path / "load.toml"
    spec.write_text(f"""
[experiment]
id = "load"
scenario = "{FLAGSHIP.as_posix()}"
replicates = {REPLICATES}
seed = 1
design = "grid"

[parameters]
"actor.CHN.leverage" = [{values}]
""")
    leader, follower = pty.openpty()  # a terminal (24 × 120), so the progress bar draws
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out",
                                str(tmp_path / "out"), "--workers", "2"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    peak, updates, text, open_ = 0, [], b"", True
    while open_ or process.poll() is None:
        ready = select.select([leader], [], [], 0.5)[0] if open_ else time.sleep(0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end has closed
                chunk = b""
            if chunk:
                text += chunk
                updates.append(time.monotonic())
            else:
                open_ = False
        if process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
    os.close(leader)
    elapsed = time.monotonic() - start
    assert process.returncode == 0, text[-2000:].decode(errors="replace")
    total = POINTS * REPLICATES
    gaps = [b - a for a, b in zip([start, *updates], [*updates, time.monotonic()],
                                  strict=True)]
    screen = text.decode(errors="replace")
    print(f"\n{total:,} crises in {elapsed:.0f} s; peak RSS of the process tree "
          f"{peak / 2**20:.0f} MiB; progress-bar updates {len(updates)}, longest gap "
          f"{max(gaps):.1f} s")
    assert total >= 10**7
    assert peak < LIMIT
    assert f"{POINTS}/{POINTS} points" in screen
    assert max(gaps) < 30, "the progress bar went quiet"
