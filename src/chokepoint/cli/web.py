"""`chokepoint serve` (the web dashboard) and `chokepoint report RUN_ID -o report.html`."""
from __future__ import annotations

import secrets
from pathlib import Path

import typer

from chokepoint import settings
from chokepoint.cli.common import DbOption, console, err_console, workbench


def serve(host: str = typer.Option("127.0.0.1", help="Address to bind (default: this machine only)."),
          port: int = typer.Option(8000, help="Port to listen on."),
          read_only: bool = typer.Option(False, "--read-only", help="Open the store read-only "
                                         "(other processes may read it too; runs are disabled)."),
          allow_host: list[str] = typer.Option(None, "--allow-host", help="Host name clients use to "
                                               "reach the server (Host header), repeatable; loopback "
                                               "names and --host are always allowed."),
          db: str = DbOption) -> None:
    """Serve the dashboard: overview, material, scenario and news pages plus a JSON API.

    Bound beyond loopback, every request needs a token: $CHOKEPOINT_TOKEN, or one generated
    and printed once here.
    """
    import uvicorn

    from chokepoint.web import create_app
    from chokepoint.web.guard import LOOPBACK_HOSTS, host_name

    with workbench(db, build=not read_only) as wb:  # build once, then hand the file to the server
        path = wb.path
    token = settings.get("token") or None
    if token is None and host_name(host) not in LOOPBACK_HOSTS:
        token = secrets.token_urlsafe(24)
        err_console.print(f"serving beyond this machine: token {token} (shown once; set "
                          "CHOKEPOINT_TOKEN to choose one)")
    # Loopback: only loopback names (a rebound DNS name is refused). Beyond it the token guards
    # every request, and the Host check applies when --allow-host names the server's names.
    loopback = host_name(host) in LOOPBACK_HOSTS
    hosts = {*LOOPBACK_HOSTS, host_name(host), *(host_name(h) for h in allow_host or [])} \
        if loopback or allow_host else None
    link = f"http://{host}:{port}/" + (f"?token={token}" if token else "")
    console.print(f"chokepoint at {link}  (store {path}; API docs at /docs)")
    uvicorn.run(create_app(path, read_only=read_only, token=token, hosts=hosts), host=host, port=port,
                log_level="warning")


def report(run_id: str = typer.Argument(..., help="Run id (see 'chokepoint runs')."),
           output: Path = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write."),
           with_impact: bool = typer.Option(False, "--impact", help="Add value added at risk by sector "
                                                                     "(chokepoint impact RUN_ID)."),
           db: str = DbOption) -> None:
    """Write one self-contained HTML report of a run (charts, tables, spec, sources)."""
    from chokepoint import report as reports

    with workbench(db, read_only=True) as wb:
        path = reports.write(wb, run_id, output, impact=with_impact)
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("report")(report)
