"""`chokepoint serve` (the web dashboard) and `chokepoint report RUN_ID -o report.html`."""
from __future__ import annotations

from pathlib import Path

import typer

from chokepoint.cli.common import DbOption, console, workbench


def serve(host: str = typer.Option("127.0.0.1", help="Address to bind (default: this machine only)."),
          port: int = typer.Option(8000, help="Port to listen on."),
          read_only: bool = typer.Option(False, "--read-only", help="Open the store read-only "
                                         "(other processes may read it too; runs are disabled)."),
          db: str = DbOption) -> None:
    """Serve the dashboard: overview, material, scenario and news pages plus a JSON API."""
    import uvicorn

    from chokepoint.web import create_app

    with workbench(db, build=not read_only) as wb:  # build once, then hand the file to the server
        path = wb.path
    console.print(f"chokepoint at http://{host}:{port}/  (store {path}; API docs at /docs)")
    uvicorn.run(create_app(path, read_only=read_only), host=host, port=port, log_level="warning")


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
