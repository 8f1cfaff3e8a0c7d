"""The Ray backend of `montecarlo.run`: one task per chunk of draws, on a cluster or a local Ray.

`pip install chokepoint[ray]`. An address ('auto' or host:port) joins an existing cluster;
without one a local Ray starts on this machine and stops afterwards. A Ray already started
in this process (ray.init) is used as it is.
"""
from __future__ import annotations

from collections.abc import Iterator

from chokepoint.chain.montecarlo import Partial, Plan, simulate_range
from chokepoint.errors import BadInput


def ray_module():
    try:
        import ray
    except ImportError as exc:
        raise BadInput("the ray backend needs Ray", field="backend",
                       hint="pip install 'chokepoint[ray]', or use --backend local") from exc
    return ray


def _task(plan: Plan, start: int, stop: int) -> Partial:
    return simulate_range(plan, start, stop)


def run(plan: Plan, chunks: list[tuple[int, int]], address: str | None = None,
        workers: int | None = None) -> Iterator[tuple[int, Partial]]:
    """Submit every chunk as a task; yield (start, partial) as tasks finish. `workers` sets the
    CPUs of a local Ray this call starts (default: all)."""
    ray = ray_module()
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=address, num_cpus=workers, include_dashboard=False, log_to_driver=False)
        except ConnectionError as exc:
            raise BadInput(f"no Ray cluster at '{address}': {exc}", field="address",
                           hint="start one with `ray start --head`, or leave out --address for a local Ray") from exc
    try:
        ref = ray.put(plan)
        task = ray.remote(_task)
        pending = {task.remote(ref, a, b): a for a, b in chunks}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for d in done:
                yield pending.pop(d), ray.get(d)
    finally:
        if started:
            ray.shutdown()
