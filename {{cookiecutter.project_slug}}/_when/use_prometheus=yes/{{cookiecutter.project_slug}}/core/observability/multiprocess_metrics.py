"""The files behind prometheus_client's multiprocess mode, kept by gunicorn's master process.

Each gunicorn worker writes its samples to files of its own (counter_<pid>.db, ...) in
PROMETHEUS_MULTIPROC_DIR, and /metrics adds up every file, whichever worker answers the scrape.
gunicorn.conf.py calls these functions:

- reset() at start: files of a previous run would be counted again;
- worker_exited() whenever a worker exits: mark_process_dead() for live gauges, then its
  counters and histograms are added into one archive file. Workers are recycled every
  ~10,000 requests (max_requests), so without this the directory would gain two files per
  recycled worker (~3,500 a day at 200 requests/s) and every scrape would read them all;
- remove() at a clean stop.

This module imports nothing from Django: the gunicorn master never sets Django up.
"""

import contextlib
import fcntl
import glob
import os
from collections import defaultdict
from collections.abc import Iterator

from prometheus_client import multiprocess
from prometheus_client.mmap_dict import MmapedDict

# These only ever add up: the samples of a dead process can be summed into another file
# without changing any total. (Gauges are left to mark_process_dead.)
ADDITIVE_KINDS = ("counter", "histogram", "summary")
FILE_PATTERNS = ("counter_*.db", "histogram_*.db", "summary_*.db", "gauge_*.db")
LOCK_FILE = ".lock"


@contextlib.contextmanager
def locked(path: str, *, exclusive: bool) -> Iterator[None]:
    """Scrapes share the lock; folding a dead worker's files in takes it alone, so that no
    scrape sees the samples twice (or not at all) halfway through."""
    with open(os.path.join(path, LOCK_FILE), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield


def reset(path: str) -> None:
    os.makedirs(path, exist_ok=True)
    for pattern in FILE_PATTERNS:
        for name in glob.glob(os.path.join(path, pattern)):
            os.remove(name)


def worker_exited(path: str, pid: int) -> None:
    multiprocess.mark_process_dead(pid, path)
    with locked(path, exclusive=True):
        for kind in ADDITIVE_KINDS:
            dead = os.path.join(path, f"{kind}_{pid}.db")
            if os.path.exists(dead):
                _add_into_archive(dead, os.path.join(path, f"{kind}_archive.db"))
                os.remove(dead)


def remove(path: str) -> None:
    reset(path)
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(path, LOCK_FILE))
    # Fails, harmlessly, on a mount point or a directory holding other files.
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _add_into_archive(dead: str, archive: str) -> None:
    totals: defaultdict[str, float] = defaultdict(float)
    for source in (archive, dead):
        if os.path.exists(source):
            for key, value, _timestamp, _position in MmapedDict.read_all_values_from_file(source):
                totals[key] += value
    # Written aside (the collector reads only *.db) and moved into place in one step.
    partial = archive + ".partial"
    with contextlib.suppress(FileNotFoundError):
        os.remove(partial)  # left by a master killed halfway through
    merged = MmapedDict(partial)
    try:
        for key, value in totals.items():
            merged.write_value(key, value, 0.0)
    finally:
        merged.close()
    os.replace(partial, archive)
