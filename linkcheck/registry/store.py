"""Writing files safely: atomically (a crash leaves the old file or the new one, never a
mixture) and, for the registry, under a lock so that two runs never interleave their
load-modify-save cycles. Every writer of files in linkcheck goes through `write_atomically`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from linkcheck.errors import LockTimeout, WriteError

__all__ = ["locked", "write_atomically"]


def _umask() -> int:
    """The process's umask (reading it means setting it: put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _target(path: Path) -> Path:
    """Where a write to `path` should land: through a symlink, its target (the link stays)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def write_atomically(path: Path, text: str | bytes | Iterable[str], *, remove_stale: bool = False) -> Path:
    """Write `text` (or its pieces, written as they come: a registry or report of 100,000 links
    is never whole in memory) to a temporary file beside `path`, fsync it, rename it over `path`, and
    make the rename durable. With `remove_stale` (only under the registry's lock, when no one
    else writes), temporary files of writers killed mid-write are removed. A symlink is
    written through: its target gets the new text, and the link stays a link."""
    path = _target(path)
    directory = path.parent if str(path.parent) else Path(".")
    temporary = ""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(text, bytes):
                handle.write(text)  # written exactly as given
            elif isinstance(text, str):
                handle.write(text.encode("utf-8"))
            else:
                _write_pieces(handle, text)
            handle.flush()
            os.fsync(handle.fileno())
        try:  # an existing file keeps its mode; a new one gets what the umask allows
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as exc:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(exc, OSError):
            reason = exc.strerror or type(exc).__name__
            raise WriteError(f"{path}: cannot write ({reason}); what was there is left as it was") from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    if remove_stale:
        for stale in directory.glob(f".{glob.escape(path.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
    return path


def _write_pieces(handle: BinaryIO, pieces: Iterable[str]) -> None:
    """UTF-8 of `pieces`, a megabyte at a time (one write per piece would cost a call each)."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= 1 << 20:
            handle.write("".join(buffer).encode("utf-8"))
            buffer, size = [], 0
    handle.write("".join(buffer).encode("utf-8"))


@contextlib.contextmanager
def locked(path: Path, timeout: float = -1, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the registry's lock file (`<registry>.lock`) for a whole load-modify-save cycle.

    `timeout` < 0 waits forever; when the lock is busy, `notify` is told once that we wait.
    """
    import filelock

    lock = filelock.FileLock(f"{_target(path)}.lock")  # beside the file itself, whatever links to it
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if notify is not None:
            wait = "until it finishes" if timeout < 0 else f"up to {timeout:g} s"
            notify(f"{path} is locked by another linkcheck run; waiting {wait}")
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise LockTimeout(f"{path}: still locked by another linkcheck run after {timeout:g} s") from None
    try:
        yield
    finally:
        lock.release()
