"""Scenario runs as background jobs: one worker thread, the store's only writer."""
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


@dataclass
class Job:
    """What the page polls: state, progress and, when done, the run id or the error."""

    job_id: str
    label: str
    state: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int = 0
    run_id: str | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class JobRunner:
    """A queue drained by one daemon thread; jobs run one at a time, in order."""

    def __init__(self, db: Database):
        self.db = db
        self.jobs: dict[str, Job] = {}
        self._queue: queue.Queue[tuple[Job, Work] | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self._loop, name="chokepoint-writer", daemon=True)
        self._thread.start()

    def submit(self, label: str, work: Work) -> Job:
        job = Job(job_id=f"job-{next(self._ids)}", label=label)
        self.jobs[job.job_id] = job
        self._queue.put((job, work))
        return job

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            job, work = item
            job.state = "running"

            def progress(done: int, total: int, job: Job = job) -> None:
                job.done, job.total = int(done), int(total)

            try:
                with self.db.writer() as wb:
                    job.run_id = work(wb, progress)
                job.state = "done"
            except ChokepointError as exc:
                job.state, job.error = "failed", str(exc)
            except Exception as exc:  # a bug in a run must not kill the writer thread
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
            job.finished = time.time()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
