"""Where a sweep's tasks run: in this process, in local worker processes, or on a Dask
cluster. Each executor takes a list of ``(function, arguments)`` calls and yields
``(index, result)`` as they finish; the sweep writes the results, so nothing an executor
does can change them.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from sim.errors import InputError

Call = tuple[Callable[..., Any], tuple]

EXECUTORS = ("local", "dask")

START_METHOD = "forkserver"


class InProcess:
    """Runs the calls one after another here (the default: safe in Jupyter)."""

    def run(self, calls: list[Call]) -> Iterator[tuple[int, Any]]:
        for index, (function, args) in enumerate(calls):
            yield index, function(*args)

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class LocalProcesses:
    """Runs the calls in ``workers`` processes forked from a fresh server process that has
    already imported the model (so they start fast and safely even when the caller runs
    threads). Policies a user registered in ``__main__`` are not seen there; use the
    in-process executor for those.

    The workers end when the process that started them ends, however it ends (``kill -9``
    included; see :func:`exit_with`), and the server ends with its last worker; leaving the
    ``with`` block on an exception (Ctrl-C, SIGTERM) stops them at once."""

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context(START_METHOD)
        if START_METHOD == "forkserver":
            context.set_forkserver_preload(["sim.model", "sim.experiment"])
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                        initializer=exit_with, initargs=(os.getpid(),))

    def run(self, calls: list[Call]) -> Iterator[tuple[int, Any]]:
        from concurrent.futures import as_completed

        futures = {self.pool.submit(function, *args): i for i, (function, args) in
                   enumerate(calls)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def __enter__(self) -> LocalProcesses:
        return self

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is not None:  # interrupted or failed: do not wait for the running tasks
            for process in list(getattr(self.pool, "_processes", {}).values()):
                with contextlib.suppress(OSError):
                    process.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


def exit_with(parent: int) -> None:
    """A worker's initializer: end this worker as soon as process ``parent`` ends. A
    daemon thread waits on the parent's pidfd (Linux), or polls it once a second."""
    threading.Thread(target=_wait_for_exit, args=(parent,), daemon=True,
                     name="crisis-sim-exit-with-parent").start()


def _wait_for_exit(parent: int) -> None:
    try:
        handle = os.pidfd_open(parent)
    except (AttributeError, OSError):  # not Linux, or the parent is already gone
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
            time.sleep(1.0)
    else:
        select.select([handle], [], [])
    os._exit(1)


class DaskCluster:
    """Runs the calls on a Dask distributed cluster: the scheduler at ``address``, or a
    ``LocalCluster`` of ``workers`` single-threaded worker processes on 127.0.0.1."""

    def __init__(self, workers: int, address: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError("--executor dask: dask.distributed is not installed; "
                             "pip install 'crisis-sim[dask]'") from None
        self.cluster = None
        if address is not None:
            check_scheduler(address)
        if address is None:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                        processes=True, host="127.0.0.1",
                                        dashboard_address=None)
            address = self.cluster.scheduler_address
        try:
            self.client = Client(address, timeout=30)
        except (OSError, ValueError) as err:
            if self.cluster is not None:
                self.cluster.close()
            raise InputError(f"--scheduler {address}: cannot reach a Dask scheduler "
                             f"({err})") from None

    def run(self, calls: list[Call]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        futures = [self.client.submit(function, *args, pure=False)
                   for function, args in calls]
        index = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                yield index[future.key], future.result()
        finally:
            self.client.cancel(futures)

    def __enter__(self) -> DaskCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


SCHEDULER = re.compile(r"(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+):(\d{1,5})")


def check_scheduler(address: str, timeout: float = 10.0) -> None:
    """Raise :class:`InputError` unless ``address`` is a Dask scheduler's address
    (``tcp://HOST:PORT``, ``tls://HOST:PORT`` or ``HOST:PORT``) that accepts connections."""
    found = SCHEDULER.fullmatch(address)
    if not found or not 0 < int(found.group(3)) < 65536:
        raise InputError(f"--scheduler {address}: not a Dask scheduler address; allowed: "
                         "tcp://HOST:PORT, tls://HOST:PORT or HOST:PORT (e.g. "
                         "tcp://10.0.0.5:8786)")
    host = found.group(2).strip("[]")
    try:
        socket.create_connection((host, int(found.group(3))), timeout=timeout).close()
    except OSError as err:
        reason = err.strerror or type(err).__name__.replace("Error", "").lower() or str(err)
        raise InputError(f"--scheduler {address}: cannot reach a Dask scheduler there "
                         f"({reason}); start one (dask scheduler) or leave --scheduler out "
                         "for a cluster on this machine") from None


def make_executor(name: str, workers: int = 1, scheduler: str | None = None) -> Any:
    """An executor by name: ``local`` (``workers`` = 1 runs in this process) or ``dask``."""
    if name not in EXECUTORS:
        raise InputError(f"--executor {name}: allowed: {', '.join(EXECUTORS)}")
    if workers < 1:
        raise InputError(f"--workers {workers}: allowed: a whole number >= 1")
    if name == "dask":
        return DaskCluster(workers, scheduler)
    if scheduler is not None:
        raise InputError("--scheduler: only with --executor dask")
    return InProcess() if workers == 1 else LocalProcesses(workers)
