"""Scenario runs as background jobs: one worker thread, the store's only writer.

The queue is capped (a full one refuses new work), each job has a time limit, and a job can
be cancelled: queued, it never starts; running, it stops at its next progress report, and
since a run writes only after it has finished solving, a stopped run leaves no row.
"""
from __future__ import annotations

import itertools
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from chokepoint.errors import ChokepointError
from chokepoint.web.database import Database
from chokepoint.workbench import Workbench

Work = Callable[[Workbench, Callable[[int, int], None]], str]
OPEN = ("queued", "running")


class QueueFull(ChokepointError):
    """The job queue holds its cap of unfinished jobs."""


class Stopped(ChokepointError):
    """Raised inside a running job's progress report when it was cancelled or ran out of time."""


@dataclass
class Job:
    """What the page polls: state, progress and, when done, the run id or the error."""

    job_id: str
    label: str
    state: str = "queued"  # queued | running | done | failed | cancelled
    done: int = 0
    total: int = 0
    run_id: str | None = None
    error: str | None = None
    cost: int | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


class JobRunner:
    """A queue drained by one daemon thread; jobs run one at a time, in order."""

    def __init__(self, db: Database, max_open: int = 4, timeout_s: float = 300.0, keep: int = 200):
        self.db, self.max_open, self.timeout_s, self.keep = db, max_open, timeout_s, keep
        self.jobs: dict[str, Job] = {}
        self.on_commit: Callable[[], None] = lambda: None  # the response cache drops its answers
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Job, Work] | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self._loop, name="chokepoint-writer", daemon=True)
        self._thread.start()

    def open_jobs(self) -> int:
        return sum(j.state in OPEN for j in self.jobs.values())

    def submit(self, label: str, work: Work, cost: int | None = None) -> Job:
        """Queue `work`; QueueFull when `max_open` jobs are already queued or running."""
        with self._lock:
            if self.open_jobs() >= self.max_open:
                raise QueueFull(f"{self.max_open} runs are already queued or running; try again later")
            job = Job(job_id=f"job-{next(self._ids)}", label=label, cost=cost)
            self.jobs[job.job_id] = job
            self._forget_old()
        self._queue.put((job, work))
        return job

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a job (None if unknown); a finished job is returned unchanged."""
        job = self.jobs.get(job_id)
        if job is not None and job.state in OPEN:
            job.cancel_requested = True
            if job.state == "queued":
                job.state, job.finished = "cancelled", time.time()
        return job

    def _forget_old(self) -> None:
        finished = [k for k, j in self.jobs.items() if j.state not in OPEN]
        for k in finished[:max(0, len(self.jobs) - self.keep)]:
            del self.jobs[k]

    def _progress(self, job: Job) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            job.done, job.total = int(done), int(total)
            if job.cancel_requested:
                raise Stopped("cancelled")
            if time.time() - job.started > self.timeout_s:
                raise Stopped(f"stopped after the {self.timeout_s:.0f} s time limit")
        return report

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            job, work = item
            if job.state == "cancelled":
                continue
            job.state, job.started = "running", time.time()
            try:
                try:
                    with self.db.writer() as wb:
                        job.run_id = work(wb, self._progress(job))
                finally:  # even a failed job may have committed part of its work
                    self.on_commit()
                job.state = "done"
            except Stopped as exc:
                job.state = "cancelled" if job.cancel_requested else "failed"
                job.error = str(exc)
            except ChokepointError as exc:
                job.state, job.error = "failed", str(exc)
            except Exception as exc:  # a bug in a run must not kill the writer thread
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
            job.finished = time.time()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
