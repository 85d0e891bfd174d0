"""Jobs to run at a given time, kept in the database so a restart loses none
(appointment reminders). Every worker polls; a job is claimed atomically by
one of them; a claim older than ``STALE_CLAIM`` is taken over, so a worker
killed mid-job does not lose it (the job may then run twice: handlers are
written to be idempotent)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, Database, UTCDateTime, utcnow

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=5)

Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


class ScheduledJob(Base):
    __tablename__ = "scheduled_jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64), unique=True)  # a later schedule replaces it
    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


async def schedule(db: AsyncSession, kind: str, key: str, run_at: datetime, **payload: Any) -> None:
    """Schedule (or reschedule) the job ``key``, in the caller's transaction."""
    job = await db.scalar(select(ScheduledJob).where(ScheduledJob.key == key))
    if job is None:
        db.add(ScheduledJob(kind=kind, key=key, run_at=run_at, payload=payload))
    else:
        job.kind, job.run_at, job.payload = kind, run_at, payload
        job.claimed_at = job.done_at = None
    await db.flush()


async def enqueue(db: AsyncSession, kind: str, run_at: datetime, **payload: Any) -> None:
    """A job of its own, in the caller's transaction: unlike :func:`schedule`, a
    later call never replaces it (each of two mails is sent)."""
    key = f"{kind}:{secrets.token_hex(12)}"
    db.add(ScheduledJob(kind=kind, key=key, run_at=run_at, payload=payload))
    await db.flush()


async def cancel(db: AsyncSession, key: str) -> None:
    await db.execute(
        update(ScheduledJob)
        .where(ScheduledJob.key == key, ScheduledJob.done_at.is_(None))
        .values(done_at=utcnow())
    )


class Scheduler:
    def __init__(self, db: Database, handlers: dict[str, Handler], every: float = 2.0) -> None:
        self.db = db
        self.handlers = handlers
        self.every = every
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Run a pass now (after a commit that scheduled a job due at once) instead
        of at the next poll; other workers still find it at theirs."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every)
            self._wake.clear()

    async def run_due(self, now: datetime | None = None) -> int:
        """Run every due job once; returns how many ran."""
        now = now or utcnow()
        async with self.db.sessions() as db:
            due = (
                await db.scalars(
                    select(ScheduledJob.id)
                    .where(
                        ScheduledJob.run_at <= now,
                        ScheduledJob.done_at.is_(None),
                        or_(
                            ScheduledJob.claimed_at.is_(None),
                            ScheduledJob.claimed_at < now - STALE_CLAIM,
                        ),
                    )
                    .order_by(ScheduledJob.run_at)
                    .limit(50)
                )
            ).all()
        ran = 0
        for job_id in due:
            async with self.db.transaction() as db:
                claimed = await db.execute(
                    update(ScheduledJob)
                    .where(
                        ScheduledJob.id == job_id,
                        ScheduledJob.done_at.is_(None),
                        or_(
                            ScheduledJob.claimed_at.is_(None),
                            ScheduledJob.claimed_at < now - STALE_CLAIM,
                        ),
                    )
                    .values(claimed_at=now)
                )
                if not getattr(claimed, "rowcount", 0):
                    continue  # another worker took it
            async with self.db.transaction() as db:
                job = await db.get(ScheduledJob, job_id)
                if job is None:
                    continue
                handler = self.handlers.get(job.kind)
                if handler is None:
                    log.error("no handler for scheduled job kind %s", job.kind)
                else:
                    await handler(db, dict(job.payload))
                job.done_at = utcnow()
                ran += 1
        return ran
