"""After-commit hooks (dongne/db.py) through real requests: the app in this
process, on the database under test, with probe routes that register hooks the
way services do. A hook registered in work that was rolled back never runs, be
it a form refusal that rolls the request back and goes on, or a savepoint; a
hook registered afterwards, in work that commits, runs."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from dongne.app import create_app
from dongne.config import Settings
from dongne.db import AfterCommit, on_commit
from dongne.events import Event
from dongne.kit.errors import InvalidInput
from dongne.kit.forms import refusal
from dongne.web import CtxDep
from tests.conftest import DatabaseUnderTest


def _probe_app(database: DatabaseUnderTest, data_dir: Path, ran: list[str]) -> FastAPI:
    app = create_app(Settings(database_url=database.url, data_dir=data_dir, env="test"))

    def hook(name: str) -> AfterCommit:
        async def run() -> None:
            ran.append(name)

        return run

    def register(ctx: CtxDep, name: str, tag: str) -> None:
        ctx.record("after_commit_probe", hook=name, tag=tag)  # work the hook goes with
        on_commit(ctx.db, hook(name))

    @app.post("/api/v1/probe/refused-form")
    async def refused_form(ctx: CtxDep, tag: str) -> dict[str, str]:
        register(ctx, "before the refusal", tag)
        await ctx.db.flush()
        async with refusal(ctx) as refused:
            raise InvalidInput("거절", field="title")  # what a service refuses
        register(ctx, "after the refusal", tag)
        return refused.errors

    @app.post("/api/v1/probe/savepoints")
    async def savepoints(ctx: CtxDep, tag: str) -> dict[str, str]:
        async with ctx.db.begin_nested():
            register(ctx, "released savepoint", tag)
        try:
            async with ctx.db.begin_nested():
                register(ctx, "rolled-back savepoint", tag)
                async with ctx.db.begin_nested():
                    register(ctx, "released inside the rolled-back one", tag)
                raise InvalidInput("거절")
        except InvalidInput:
            pass
        register(ctx, "outer", tag)
        return {}

    @app.post("/api/v1/probe/failed")
    async def failed(ctx: CtxDep, tag: str) -> dict[str, str]:
        register(ctx, "failed request", tag)
        raise InvalidInput("거절")

    return app


async def _recorded(app: FastAPI, tag: str) -> list[str]:
    svc = app.state.services
    async with svc.db.sessions() as db:
        rows = await db.scalars(
            select(Event).where(Event.name == "after_commit_probe").order_by(Event.id)
        )
        return [e.properties["hook"] for e in rows if e.properties.get("tag") == tag]


def _run(database: DatabaseUnderTest, tmp_path: Path, path: str) -> tuple[list[str], list[str]]:
    """(the hooks that ran, the probe events stored) after one POST to ``path``."""
    ran: list[str] = []
    app = _probe_app(database, tmp_path, ran)
    tag = secrets.token_hex(4)

    async def go() -> list[str]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
                await client.post(path, params={"tag": tag})
            return await _recorded(app, tag)

    stored = asyncio.run(go())
    return ran, stored


def test_a_form_refusal_drops_the_hooks_of_the_work_it_rolled_back(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    ran, stored = _run(database, tmp_path, "/api/v1/probe/refused-form")
    assert stored == ["after the refusal"]
    assert ran == ["after the refusal"]


def test_a_rolled_back_savepoint_drops_its_hooks_and_those_nested_in_it(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    ran, stored = _run(database, tmp_path, "/api/v1/probe/savepoints")
    assert stored == ["released savepoint", "outer"]
    assert ran == ["released savepoint", "outer"]


def test_a_failed_request_runs_no_hook(database: DatabaseUnderTest, tmp_path: Path) -> None:
    ran, stored = _run(database, tmp_path, "/api/v1/probe/failed")
    assert stored == []
    assert ran == []
