"""One inbox with 50 agents and 5,000 open conversations: listing and filtering it.

    python bench/inbox.py [--engines sqlite,postgresql] [--open 5000] [--resolved 20000]
                          [--agents 50] [--runs 300]

A migrated database with every neighbourhood (the real loader), one business with 50
members, its inbox with N open conversations (and more resolved ones, as a month brings),
labels on a tenth of them and a last message each. Then, per engine:

* through the application's own query function (``dongne.inbox.queries.conversation_page``)
  on a real AsyncSession: the open list's first page, one agent's open conversations, a
  label filter, page 10 by keyset cursor, and changes since a version (the live resume);
* the same list over real HTTP (``GET /api/v1/inboxes/{id}/conversations``, a real uvicorn,
  a bearer token), with the filters;
* the baseline in the same run: the list's indexes dropped and page 10 read by OFFSET, the
  way an unindexed, offset-paginated inbox would do it.

Target: p99 ≤ 100 ms for listing and filtering. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import (
    BenchDatabase,
    Timing,
    create_database,
    drop_database,
    measure,
    prepare_schema,
    start_server,
    stop_server,
)
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dongne.accounts.models import User
from dongne.business.models import Business, BusinessMember
from dongne.db import make_engine
from dongne.inbox import queries
from dongne.inbox.models import Inbox, InboxConversation, InboxLabel, InboxMessage

LABELS = ["예약", "환불", "배송", "가격", "재고", "기타"]
INDEXES = (
    "ix_inbox_conversations_list",
    "ix_inbox_conversations_assignee",
    "ix_inbox_conversations_recent",
)


async def populate(url: str, agents: int, open_n: int, resolved_n: int) -> tuple[int, int, int]:
    """Returns (business id, inbox id, first agent id)."""
    engine = make_engine(url)
    rnd = random.Random(7)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            total = open_n + resolved_n
            people = [
                {
                    "email": f"b{i}@bench.example",
                    "nickname": f"bench{i}",
                    "role": "user",
                    "locale": "ko",
                    "created_at": now,
                }
                for i in range(agents + total)
            ]
            await conn.execute(insert(User), people)
            ids = list((await conn.execute(select(User.id).order_by(User.id))).scalars())
            agent_ids, customer_ids = ids[:agents], ids[agents:]
            nid = (
                await conn.execute(text("SELECT id FROM neighbourhoods WHERE id = '1168010100'"))
            ).scalar_one()
            bid = (
                await conn.execute(
                    insert(Business).returning(Business.id),
                    [
                        {
                            "name": "벤치 가게",
                            "category": "shop",
                            "description": "",
                            "address": "",
                            "show_phone": False,
                            "neighbourhood_id": nid,
                            "follower_count": 0,
                            "created_by": agent_ids[0],
                            "created_at": now,
                            "updated_at": now,
                        }
                    ],
                )
            ).scalar_one()
            await conn.execute(
                insert(BusinessMember),
                [
                    {
                        "business_id": bid,
                        "user_id": a,
                        "role": "owner" if i == 0 else "staff",
                        "created_at": now,
                    }
                    for i, a in enumerate(agent_ids)
                ],
            )
            inbox_id = (
                await conn.execute(
                    insert(Inbox).returning(Inbox.id),
                    [
                        {
                            "key": f"b{bid}",
                            "business_id": bid,
                            "version": total,
                            "away_message": "",
                            "greeting": "",
                            "csat_enabled": True,
                            "csat_question": "",
                            "agent_limit": 200,
                            "auto_assign": True,
                            "created_at": now,
                        }
                    ],
                )
            ).scalar_one()
            rows = []
            for i, customer in enumerate(customer_ids):
                is_open = i < open_n
                at = now - timedelta(seconds=rnd.randrange(0, 30 * 86400))
                rows.append(
                    {
                        "inbox_id": inbox_id,
                        "customer_id": customer,
                        "status": "open" if is_open else "resolved",
                        "assignee_id": agent_ids[i % agents] if rnd.random() < 0.9 else None,
                        "labels": [],
                        "origin": "",
                        "last_seq": 1,
                        "version": i + 1,
                        "created_at": at,
                        "last_message_at": at,
                        "first_response_at": None if is_open else at + timedelta(minutes=5),
                        "resolved_at": None if is_open else at + timedelta(hours=1),
                        "csat_comment": "",
                    }
                )
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(InboxConversation), rows[start : start + 2000])
            cids = list(
                (
                    await conn.execute(select(InboxConversation.id).order_by(InboxConversation.id))
                ).scalars()
            )
            messages = [
                {
                    "conversation_id": c,
                    "seq": 1,
                    "sender_id": customer_ids[k],
                    "client_id": f"m{c}",
                    "kind": "customer",
                    "body": "문의드려요 " * 3,
                    "data": {},
                    "created_at": now,
                }
                for k, c in enumerate(cids)
            ]
            for start in range(0, len(messages), 2000):
                await conn.execute(insert(InboxMessage), messages[start : start + 2000])
            labels = [
                {"conversation_id": c, "label": LABELS[c % len(LABELS)], "inbox_id": inbox_id}
                for c in cids
                if c % 10 == 0
            ]
            await conn.execute(insert(InboxLabel), labels)
            if engine.dialect.name == "postgresql":
                await conn.execute(text("ANALYZE"))
            else:
                await conn.execute(text("ANALYZE"))
        return bid, inbox_id, agent_ids[0]
    finally:
        await engine.dispose()


async def in_process(url: str, inbox_id: int, agent: int, runs: int) -> dict[str, Timing]:
    engine = make_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    out: dict[str, Timing] = {}
    try:
        async with sessions() as db:
            inbox = await db.get(Inbox, inbox_id)
            assert inbox is not None
            page = await queries.conversation_page(db, inbox, status="open")
            cursor = page.next_cursor
            for _ in range(8):
                page = await queries.conversation_page(db, inbox, status="open", cursor=cursor)
                cursor = page.next_cursor
            tenth = cursor

            async def first(db: AsyncSession = db) -> object:
                return await queries.conversation_page(db, inbox, status="open")

            async def mine(db: AsyncSession = db) -> object:
                return await queries.conversation_page(db, inbox, status="open", assignee=agent)

            async def label(db: AsyncSession = db) -> object:
                return await queries.conversation_page(db, inbox, status="open", label="예약")

            async def page10(db: AsyncSession = db) -> object:
                return await queries.conversation_page(db, inbox, status="open", cursor=tenth)

            async def changes(db: AsyncSession = db) -> object:
                rows = await queries.changes_after(db, inbox, inbox.version - 50)
                return await queries.conversation_outs(db, inbox, rows)

            for name, call in (
                ("open, first page", first),
                ("open, one agent's", mine),
                ("open, label 예약", label),
                ("open, page 10 (keyset)", page10),
                ("changes since v-50", changes),
            ):
                out[name] = await measure(call, runs)
                db.expunge_all()
                inbox = await db.get(Inbox, inbox_id)
                assert inbox is not None
    finally:
        await engine.dispose()
    return out


async def baseline(url: str, inbox_id: int, agent: int, runs: int) -> dict[str, Timing]:
    """No list indexes; page 10 by OFFSET."""
    engine = make_engine(url)
    out: dict[str, Timing] = {}
    try:
        async with engine.begin() as conn:
            for ix in INDEXES:
                await conn.execute(text(f"DROP INDEX {ix}"))
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as db:
            inbox = await db.get(Inbox, inbox_id)
            assert inbox is not None

            def stmt(offset: int, assignee: int | None = None) -> object:
                s = select(InboxConversation).where(
                    InboxConversation.inbox_id == inbox_id, InboxConversation.status == "open"
                )
                if assignee is not None:
                    s = s.where(InboxConversation.assignee_id == assignee)
                return (
                    s.order_by(
                        InboxConversation.last_message_at.desc(), InboxConversation.id.desc()
                    )
                    .offset(offset)
                    .limit(queries.PAGE_SIZE)
                )

            async def run(offset: int, assignee: int | None = None) -> object:
                rows = list((await db.scalars(stmt(offset, assignee))).all())  # type: ignore[call-overload]
                return await queries.conversation_outs(db, inbox, rows)

            out["open, first page"] = await measure(lambda: run(0), runs)
            out["open, one agent's"] = await measure(lambda: run(0, agent), runs)
            out["open, page 10 (keyset)"] = await measure(lambda: run(9 * queries.PAGE_SIZE), runs)
    finally:  # the database is dropped after the run: no need to restore the indexes
        await engine.dispose()
    return out


def over_http(
    db: BenchDatabase, data_dir: Path, inbox_id: int, bid: int, runs: int
) -> dict[str, Timing]:
    import httpx

    server = start_server(db.url, data_dir)
    out: dict[str, Timing] = {}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            r = client.post(
                "/api/v1/auth/signup",
                json={
                    "email": "agent@bench.example",
                    "nickname": "벤치상담원",
                    "password": "correct horse battery",
                },
            )
            r.raise_for_status()
            uid, token = r.json()["user"]["id"], r.json()["token"]["access_token"]

            async def join() -> None:
                engine = make_engine(db.url)
                async with engine.begin() as conn:
                    await conn.execute(
                        insert(BusinessMember),
                        [
                            {
                                "business_id": bid,
                                "user_id": uid,
                                "role": "staff",
                                "created_at": datetime.now(UTC),
                            }
                        ],
                    )
                await engine.dispose()

            asyncio.run(join())
            headers = {"Authorization": f"Bearer {token}"}
            url = f"/api/v1/inboxes/{inbox_id}/conversations"
            cases = {
                "HTTP open, first page": {"status": "open"},
                "HTTP open, unassigned": {"status": "open", "assignee": "none"},
                "HTTP open, label 환불": {"status": "open", "label": "환불"},
                "HTTP all statuses": {},
            }
            for name, params in cases.items():
                for _ in range(20):
                    client.get(url, params=params, headers=headers).raise_for_status()
                t = Timing()
                for _ in range(runs):
                    started = time.perf_counter()
                    client.get(url, params=params, headers=headers).raise_for_status()
                    t.samples.append(time.perf_counter() - started)
                out[name] = t
    finally:
        stop_server(server)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--open", type=int, default=5000)
    parser.add_argument("--resolved", type=int, default=20000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    print(f"inbox: {args.agents} agents, {args.open} open + {args.resolved} resolved conversations")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = Path(tmp)
            db = create_database(engine, data_dir, prefix="dongne_bench_inbox")
            try:
                prepare_schema(db, data_dir)
                started = time.perf_counter()
                bid, inbox_id, agent = asyncio.run(
                    populate(db.url, args.agents, args.open, args.resolved)
                )
                print(f"\n[{db.label}] data built in {time.perf_counter() - started:.1f} s")
                ours = asyncio.run(in_process(db.url, inbox_id, agent, args.runs))
                http = over_http(db, data_dir, inbox_id, bid, args.runs)
                base = asyncio.run(baseline(db.url, inbox_id, agent, max(args.runs // 3, 30)))
                print(
                    f"{'case':32} {'p50 ms':>8} {'p99 ms':>8} {'baseline p99':>13} {'ratio':>7}  target"
                )
                for name, t in {**ours, **http}.items():
                    b = base.get(name)
                    ratio = f"{b.p99_ms / t.p99_ms:6.1f}x" if b else "      –"
                    bp = f"{b.p99_ms:13.2f}" if b else f"{'–':>13}"
                    ok = "ok" if t.p99_ms <= 100 else "MISS"
                    print(f"{name:32} {t.p50_ms:8.2f} {t.p99_ms:8.2f} {bp} {ratio}  {ok}")
            finally:
                drop_database(db)


if __name__ == "__main__":
    main()
