"""Results folders: one writer at a time, and only into a folder that is new, empty, or
holds results of the same kind; and the files in them, written whole or not at all.

A folder's results are marked by the file that says what wrote them: ``manifest.json`` (a
sweep), ``run.json`` (a run) or ``comparison.json`` (a comparison). A writer holds an
exclusive lock on ``DIR/.crisis-sim.lock`` (``flock``) for as long as it writes; the kernel
releases it when the process ends, however it ends (``kill -9`` included), so a lock can
never outlive its writer. The lock file names the writer (pid, host, command, start time):
a second writer is told who holds the folder, and a writer that finds the name of one that
ended without releasing the folder says so before it takes over.

Every check here only reads; :meth:`ResultsFolder.claim` is the first thing that writes,
and it runs only once the caller knows its arguments work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import socket
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np

from sim.errors import InputError, WriteError
from sim.outcomes import DAY_COLUMNS, NO_DAY, json_safe

LOCK = ".crisis-sim.lock"
MARKERS = {"sweep": "manifest.json", "run": "run.json", "comparison": "comparison.json",
           "scorecard": "scorecard.json", "calibration": "calibration.json"}
"""The file that marks a folder as holding each kind of results."""
NOUNS = {"sweep": "a sweep", "run": "a run", "comparison": "a comparison",
         "scorecard": "a scorecard", "calibration": "a calibration"}
RESUMABLE = ("sweep", "calibration")
"""Kinds of results a writer can continue (``--resume``)."""


def write_failure(path: Path | str, err: OSError, after: str = "") -> WriteError:
    """A :class:`WriteError` saying why ``path`` could not be written and what to do: free
    space only when space ran out."""
    advice = {errno.ENOSPC: "free space and run again (sweeps: --resume)",
              errno.EDQUOT: "free space and run again (sweeps: --resume)",
              errno.EROFS: "write somewhere else: the file system is read-only",
              errno.EACCES: "write to a folder you may write to",
              errno.EPERM: "write to a folder you may write to",
              errno.EISDIR: "a directory is in the way: remove it or choose another name",
              errno.ENOTDIR: "a file is in the way where a folder should be: choose "
                             "another path"}
    return WriteError(f"{path}: cannot write ({err.strerror or err}){after}; "
                      f"{advice.get(err.errno, 'run again')}")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


class ResultsFolder:
    """The folder one command writes its results into (``--out DIR``).

    Rules, the same for ``sweep``, ``run``, ``compare`` and ``scorecard``: a path that is a file is
    refused; a folder holding results of another kind is refused; a folder holding other
    files and no results is refused unless ``force``; a folder holding results of the same
    kind is refused unless ``force`` (start over) or, for sweeps, ``resume``; a folder
    another process is writing to is refused, whatever the flags.
    """

    def __init__(self, path: str | Path, kind: str, *, force: bool = False,
                 resume: bool = False, flag: str = "--out",
                 say: Callable[[str], None] = _stderr) -> None:
        self.path = Path(path)
        self.kind = kind
        self.force = force
        self.resume = resume
        self.flag = flag
        self.say = say
        self._handle: IO[bytes] | None = None

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK

    @property
    def holds_results(self) -> bool:
        """Whether the folder holds results of this kind already."""
        return (self.path / MARKERS[self.kind]).exists()

    def check(self) -> None:
        """Raise :class:`InputError` unless this command may write here. Only reads."""
        where = f"{self.flag} {self.path}"
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"{where}: is a file; allowed: a directory (new or empty, or "
                             f"holding results of {NOUNS[self.kind]})")
        if not self.path.is_dir():
            return
        if self._handle is None and self.lock_path.exists():
            self._try_lock(release=True)
        try:
            names = {p.name for p in self.path.iterdir()} - {LOCK}
        except OSError as err:
            raise InputError(f"{where}: cannot list the folder ({err.strerror})") from None
        if not names:
            return
        for kind, marker in MARKERS.items():
            if kind != self.kind and marker in names:
                raise InputError(f"{where}: holds the results of {NOUNS[kind]} ({marker}); "
                                 f"refusing to write {NOUNS[self.kind]} there (use another "
                                 f"{self.flag})")
        if MARKERS[self.kind] not in names:
            if not self.force:
                raise InputError(f"{where}: the folder holds other files and no crisis-sim "
                                 f"results; refusing to write there (use another "
                                 f"{self.flag}, or --force)")
        elif not self.force and not self.resume:
            again = ("use --resume to continue them, or --force to start over"
                     if self.kind in RESUMABLE else "use --force to replace them, or another "
                     f"{self.flag}")
            raise InputError(f"{where}: holds results already; "
                             f"{again}")

    def claim(self) -> ResultsFolder:
        """Check, create the folder, take its lock and check again under the lock (another
        writer may have finished or started meanwhile). Release with :meth:`release` (or
        use the folder as a context manager)."""
        self.check()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if self._handle is None:
                self._try_lock(release=False)
            handle = self._handle
            assert handle is not None
            handle.seek(0)
            previous = handle.read().decode("utf-8", "replace")
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                     "command": " ".join(sys.argv), "since": _now()}
                                    ).encode())
            handle.flush()
        except OSError as err:
            self.release()
            raise write_failure(self.lock_path, err) from None
        try:
            self.check()
        except BaseException:
            self.release()
            raise
        holder = _holder(previous)
        if holder:
            self.say(f"note: {self.flag} {self.path}: the last writer ({holder}) ended "
                     "without releasing the folder (killed, or its machine stopped); its "
                     "lock is stale and taken over")
        return self

    def release(self) -> None:
        """Give the folder up: empty the lock file (so no one takes it for stale) and
        unlock. The file itself stays: deleting it could let two writers lock two files."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with contextlib.suppress(OSError, ValueError):
            handle.seek(0)
            handle.truncate()
            handle.flush()
        with contextlib.suppress(OSError, ValueError):
            fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()

    def __enter__(self) -> ResultsFolder:
        return self.claim()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _try_lock(self, release: bool) -> None:
        """Lock the lock file, or raise :class:`InputError` naming who holds it. With
        ``release``, only test (and open the file without creating it)."""
        try:
            if release:
                handle = open(self.lock_path, "rb")
            else:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
                handle = open(fd, "r+b")
        except FileNotFoundError:
            return
        except OSError:
            if release:
                return  # unreadable: claiming it will say why
            raise
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = _holder(handle.read().decode("utf-8", "replace")) or \
                    "another process"
            except (OSError, ValueError):
                holder = "another process"
            handle.close()
            raise InputError(f"{self.flag} {self.path}: in use by another crisis-sim "
                             f"({holder}); wait for it to end, or use another "
                             f"{self.flag}") from None
        except OSError:  # the file system cannot lock (some network mounts): go on without
            if release:
                handle.close()
            else:
                self._handle = handle
            return
        if release:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        else:
            self._handle = handle


def _holder(text: str) -> str:
    """Who a lock file names, as text ('' when it names no one)."""
    try:
        info: Any = json.loads(text) if text.strip() else None
    except ValueError:
        return "an unreadable lock file"
    if not isinstance(info, dict):
        return ""
    parts = [f"pid {info.get('pid')}"]
    if info.get("host") and info.get("host") != socket.gethostname():
        parts.append(f"on {info['host']}")
    if info.get("since"):
        parts.append(f"since {info['since']}")
    if info.get("command"):
        parts.append(f"`{info['command']}`")
    return ", ".join(parts)


# --------------------------------------------------------------------------- the files in it


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same directory, flushed, then renamed: a
    reader (or a resumed sweep) sees the whole file or none of it. A failure (a full disk)
    removes the temporary file and raises :class:`WriteError`."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as err:
        discard(temporary)
        raise write_failure(path, err, "; what was written before is whole and kept") \
            from None
    except BaseException:
        discard(temporary)
        raise


def discard(path: Path) -> None:
    """Remove a file if it is there, saying nothing if it cannot be."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def write_json(path: Path, document: dict) -> None:
    text = json.dumps(json_safe(document), indent=2, sort_keys=True, allow_nan=False,
                      default=str)
    write_atomic(path, lambda p: p.write_text(text + "\n"))


def write_records(path: Path, columns: dict[str, np.ndarray]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {name: pa.array(values, mask=(values == NO_DAY) if name in DAY_COLUMNS else None)
              for name, values in columns.items()}
    write_atomic(path, lambda p: pq.write_table(pa.table(arrays), p))


def read_records(paths: Iterable[Path], names: Iterable[str] | None = None
                 ) -> dict[str, np.ndarray]:
    import pyarrow.parquet as pq

    names = list(names) if names is not None else None
    parts = [pq.read_table(p, columns=names) for p in paths]
    out = {}
    for name in parts[0].column_names:
        column = np.concatenate([t.column(name).to_numpy(zero_copy_only=False) for t in parts])
        if name in DAY_COLUMNS:
            column = np.where(np.isnan(column.astype(float)), NO_DAY, column).astype(np.int16)
        out[name] = column
    return out


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
