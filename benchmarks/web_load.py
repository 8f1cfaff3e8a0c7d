"""Requests/s and latency of the web API under 50 concurrent loopback clients, per endpoint.

Run: .venv/bin/python benchmarks/web_load.py [--clients 50] [--seconds 10] [--during-run]

Starts `chokepoint serve` on 127.0.0.1 (a free port) over a store built from the bundled
data, then, for each endpoint in turn, keeps `--clients` keep-alive connections busy for
`--seconds` and prints requests/s, p50 and p99 latency and errors. The server runs twice
in the same run: first with its response cache off (CHOKEPOINT_WEB_CACHE=0, the baseline),
then on. `--during-run` keeps a long scenario run executing on the server's writer while
the endpoints are measured. The load generator shares the machine's cores with the server.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import chokepoint

ENDPOINTS = ["/api/materials", "/api/overview?country=KOR", "/api/material/rare-earths?country=KOR",
             "/api/scenarios", "/api/scenarios/cn-ree-6m", "/api/news/events"]
LONG_RUN = b'{"scenario": "cn-ree-6m", "engine": "lp", "spec": {"weeks": 520, "window_weeks": 26}}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _get(reader, writer, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _client(port: int, path: str, until: float, lat: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            t = time.perf_counter()
            try:
                status = await asyncio.wait_for(_get(reader, writer, path), 30)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as exc:
                errors.append(type(exc).__name__)
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            lat.append(time.perf_counter() - t)
            if status != 200:
                errors.append(str(status))
    finally:
        writer.close()


async def hammer(port: int, path: str, clients: int, seconds: float) -> dict:
    lat: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, path, start + seconds, lat, errors) for _ in range(clients)))
    took = time.perf_counter() - start
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [float("nan")] * 99
    return {"endpoint": path, "requests": len(lat), "req_s": len(lat) / took, "p50_ms": 1000 * q[49],
            "p99_ms": 1000 * q[98], "errors": len(errors)}


def serve(db: Path, port: int, cache: bool) -> subprocess.Popen:
    env = {**os.environ, "CHOKEPOINT_WEB_CACHE": "1" if cache else "0"}
    proc = subprocess.Popen([sys.executable, "-m", "chokepoint", "serve", "--port", str(port), "--db", str(db)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/materials", timeout=5).read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"server did not start: {proc.stderr.read().decode()[-2000:]}")


def start_long_run(port: int) -> str:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/runs", data=LONG_RUN, method="POST",
                                 headers={"Content-Type": "application/json"})
    import json

    return json.loads(urllib.request.urlopen(req, timeout=60).read())["job_id"]


def job_state(port: int, job_id: str) -> str:
    import json

    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/jobs/{job_id}", timeout=30).read())["state"]


def measure(db: Path, cache: bool, args) -> list[dict]:
    port = free_port()
    proc = serve(db, port, cache)
    try:
        for path in ENDPOINTS:  # warm: first answers compute, as a page view would
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60).read()
        rows = []
        for path in ENDPOINTS:
            job = start_long_run(port) if args.during_run else None
            row = asyncio.run(hammer(port, path, args.clients, args.seconds))
            if job:
                row["run"] = job_state(port, job)  # 'running' means it overlapped the whole window
                try:
                    urllib.request.urlopen(urllib.request.Request(
                        f"http://127.0.0.1:{port}/api/runs/{job}", method="DELETE"), timeout=30).read()
                except OSError:  # a server without cancel (an older one): the run just finishes
                    pass
            rows.append(row)
        return rows
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--during-run", action="store_true", help="keep a long lp run executing meanwhile")
    ap.add_argument("--only", choices=["baseline", "cached"], help="measure one mode only")
    args = ap.parse_args()
    db = Path(tempfile.mkdtemp()) / "bench.duckdb"
    with chokepoint.open(db) as wb:
        wb.ensure_built()
        fixtures = Path(__file__).parents[1] / "tests" / "fixtures" / "news"
        if fixtures.exists():
            wb.news.ingest([fixtures])
    print(f"{args.clients} clients, {args.seconds:.0f} s per endpoint, {os.cpu_count()} cores"
          + (", a long lp run executing" if args.during_run else ""))
    modes = [m for m in ("baseline", "cached") if args.only in (None, m)]
    for mode in modes:
        print(f"\n{mode} (response cache {'on' if mode == 'cached' else 'off'})")
        print(f"{'endpoint':44} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
              + ("  run" if args.during_run else ""))
        for r in measure(db, mode == "cached", args):
            print(f"{r['endpoint']:44} {r['requests']:9d} {r['req_s']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
                  f"{r['errors']:7d}" + (f"  {r['run']}" if "run" in r else ""))


if __name__ == "__main__":
    main()
