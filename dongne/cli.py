"""The ``dongne`` command."""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from dongne import migrate
from dongne.config import ConfigurationError, Settings, get_settings

app = typer.Typer(help="동네 — a hyperlocal second-hand marketplace.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
geo_app = typer.Typer(help="Neighbourhood data.", no_args_is_help=True)
user_app = typer.Typer(help="User administration.", no_args_is_help=True)
events_app = typer.Typer(help="The event log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(events_app, name="events")
app.add_typer(geo_app, name="geo")
app.add_typer(user_app, name="user")
console = Console()


def _settings() -> Settings:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(_settings().resolved_database_url, revision)
    console.print(f"[green]database at {revision}[/green]")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ("base" removes everything)."""
    migrate.downgrade(_settings().resolved_database_url, revision)
    console.print(f"[yellow]database at {revision}[/yellow]")


async def _load_geo(settings: Settings, path: Path | None) -> None:
    from dongne.accounts.queries import neighbourhoods_in_use
    from dongne.db import Database
    from dongne.geo.dataset import DatasetError, bundled_csv_path, read_csv
    from dongne.geo.service import load_dataset

    try:
        dataset = read_csv(path if path is not None else bundled_csv_path())
    except (DatasetError, OSError) as exc:
        console.print(f"[red]cannot load {path}: {exc}[/red]")
        raise typer.Exit(2) from None
    db = Database(settings.resolved_database_url)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("neighbourhoods and ranges", total=None)
        async with db.transaction() as session:
            report = await load_dataset(
                session,
                dataset,
                progress=lambda _what, n: bar.advance(task, n),
                in_use=await neighbourhoods_in_use(session),
            )
    await db.dispose()
    console.print(
        f"loaded {report.neighbourhoods:,} neighbourhoods, {report.ranges:,} range pairs, "
        f"{report.aliases:,} aliases; dropped {report.dropped}"
        + (f"; kept {report.kept_referenced} in use" if report.kept_referenced else "")
    )


@geo_app.command("load")
def geo_load(
    file: Annotated[
        Path | None, typer.Argument(help="CSV: dnid,dnname,dnlatitude,dnlongitude,dnradius")
    ] = None,
) -> None:
    """Load neighbourhoods (default: the bundled dongnae-kr data) and compute ranges."""
    asyncio.run(_load_geo(_settings(), file))


@user_app.command("promote")
def user_promote(
    email: str,
    role: Annotated[str, typer.Option(help="user | operator | admin")] = "operator",
) -> None:
    """Give a user a role (e.g. operator, for the moderation and insights pages)."""
    from dongne.accounts.service import set_role
    from dongne.app import build_services
    from dongne.context import job_ctx
    from dongne.kit.errors import DomainError

    async def run() -> None:
        svc = await build_services(_settings())
        try:
            async with job_ctx(svc) as ctx:
                user = await set_role(ctx, email, role)
                console.print(f"{user.nickname} <{user.email}> is now {user.role}")
        except DomainError as exc:
            console.print(f"[red]{exc.text()}[/red]")
            raise typer.Exit(1) from None
        finally:
            await svc.close()

    asyncio.run(run())


@events_app.command("export")
def events_export(
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Skip events before this date (YYYY-MM-DD)"),
    ] = None,
    to: Annotated[
        Path | None, typer.Option(help="Export directory (default: $DATA_DIR/export)")
    ] = None,
    chunk: Annotated[int, typer.Option(min=1, hidden=True)] = 200_000,
) -> None:
    """Write new events to date-partitioned Parquet (incremental, idempotent)."""
    from dongne.insights.export import export_events
    from dongne.insights.files import export_root

    settings = _settings()
    root = to or export_root(settings)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("events", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = asyncio.run(
            export_events(
                settings.resolved_database_url,
                root,
                since=since.date() if since else None,
                progress=advance,
                chunk=chunk,
            )
        )
    for path in report.files:
        console.print(f"wrote {path.relative_to(root)}")
    console.print(
        f"exported {report.events:,} events in {report.seconds:.1f} s "
        f"({report.per_second:,.0f}/s) to {root}; last id {report.last_id:,}; "
        f"{report.rewritten} files anonymised; tables: "
        + ", ".join(f"{k} {v:,}" for k, v in report.tables.items())
    )


@app.command("demo")
def demo(
    users: Annotated[int, typer.Option(min=1, max=100_000)] = 24,
    days: Annotated[int, typer.Option(min=1, max=730)] = 14,
    seed: Annotated[int, typer.Option()] = 1,
) -> None:
    """Simulate residents around Seoul over DAYS days (deterministic for a seed)."""
    from dongne.demo.service import run_demo

    asyncio.run(run_demo(_settings(), users=users, seed=seed, days=days, console=console))


async def _prepare(settings: Settings, with_demo: bool) -> None:
    """First start: migrate, load neighbourhoods, and add demo residents."""
    from sqlalchemy import func, select

    from dongne.accounts.models import User
    from dongne.db import Database
    from dongne.geo.service import neighbourhood_count

    # Alembic drives its own event loop, so it runs in a thread of its own.
    await asyncio.to_thread(migrate.upgrade, settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    async with db.sessions() as session:
        empty = await neighbourhood_count(session) == 0
        no_users = (await session.scalar(select(func.count()).select_from(User))) == 0
    await db.dispose()
    if empty:
        console.print("first start: loading Korean neighbourhoods (about a minute)…")
        await _load_geo(settings, None)
    if with_demo and no_users:
        from dongne.demo.service import run_demo

        await run_demo(settings, users=24, seed=1, days=14, console=console)


class RedactQueryStrings(logging.Filter):
    """Drops the query string from every URL a log line carries: a query may hold
    a secret (a client that still sends ``/ws?token=…``) or a place (coordinates).
    On uvicorn's handlers, so its WebSocket and error lines are covered too."""

    _QUERY = re.compile(r"(/[^\s\"?]*)\?[^\s\"]*")

    def _clean(self, value: object) -> object:
        return self._QUERY.sub(r"\1?[redacted]", value) if isinstance(value, str) else value

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(a) for a in record.args)
        return True


def _log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "dongne.cli.RedactQueryStrings"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    return config


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    prepare: Annotated[bool, typer.Option(help="Migrate and load data on first start")] = True,
    demo_data: Annotated[bool, typer.Option("--demo/--no-demo")] = True,
) -> None:
    """Run the web server (uvicorn)."""
    import uvicorn

    settings = _settings()
    try:
        settings.resolved_secret_key()
    except ConfigurationError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if workers > 1 and settings.resolved_database_url.startswith("sqlite"):
        console.print(
            "[yellow]several workers on SQLite: writes will queue; use PostgreSQL to scale[/yellow]"
        )
    if prepare:
        asyncio.run(_prepare(settings, demo_data and not settings.is_production))
    console.print(f"[bold]동네 is running at http://{host}:{port}/[/bold]  (Ctrl+C to stop)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactQueryStrings())
    uvicorn.run(
        "dongne.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # our own access log never records query strings (coordinates)
        log_config=_log_config(),
        # Chat frames are a few hundred bytes: per-message deflate saves little on
        # them and keeps a zlib context of about 40 KiB in every open socket.
        ws_per_message_deflate=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level="info",
    )


if __name__ == "__main__":
    app()
