"""Reports for one inbox: first response and resolution times, conversations
by hour and weekday, CSAT average and distribution — overall and per agent,
counting all hours or business hours only. Computed from the conversations of
the period (thousands at most per inbox and month), in Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean, median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.business.hours import SEOUL, Schedule
from dongne.db import utcnow
from dongne.inbox.models import InboxConversation
from dongne.kit.spreadsheet import csv_text


def open_seconds(schedule: Schedule, start: datetime, end: datetime) -> float:
    """How much of [start, end) the schedule is open (only the public
    is_open / closes_at / next_opening API of business.hours)."""
    if schedule.is_empty or end <= start:
        return max(0.0, (end - start).total_seconds())
    total, at = 0.0, start
    for _ in range(200):
        if at >= end:
            break
        if schedule.is_open(at):
            closes = schedule.closes_at(at) or end
            stop = min(closes, end)
            total += (stop - at).total_seconds()
            at = stop
        else:
            nxt = schedule.next_opening(at)
            if nxt is None or nxt >= end:
                break
            at = nxt
    return total


@dataclass
class Figures:
    conversations: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    csat: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, float | int | list[int] | None]:
        return {
            "conversations": self.conversations,
            "answered": len(self.first_response),
            "first_response_median": _round(median(self.first_response))
            if self.first_response
            else None,
            "first_response_average": _round(mean(self.first_response))
            if self.first_response
            else None,
            "resolved": len(self.resolution),
            "resolution_median": _round(median(self.resolution)) if self.resolution else None,
            "resolution_average": _round(mean(self.resolution)) if self.resolution else None,
            "csat_count": len(self.csat),
            "csat_average": round(mean(self.csat), 2) if self.csat else None,
            "csat_distribution": [self.csat.count(score) for score in range(1, 6)],
        }


def _round(x: float) -> int:
    return round(x)


@dataclass
class Report:
    days: int
    business_hours: bool
    overall: dict[str, float | int | list[int] | None]
    agents: list[dict[str, object]]
    by_hour: list[int]
    by_weekday: list[int]


async def build_report(
    db: AsyncSession,
    inbox_id: int,
    schedule: Schedule,
    *,
    days: int = 30,
    business_hours: bool = False,
) -> Report:
    since = utcnow() - timedelta(days=days)
    rows = (
        await db.scalars(
            select(InboxConversation).where(
                InboxConversation.inbox_id == inbox_id, InboxConversation.created_at >= since
            )
        )
    ).all()

    def span(start: datetime, end: datetime) -> float:
        if business_hours:
            return open_seconds(schedule, start, end)
        return (end - start).total_seconds()

    overall = Figures()
    per_agent: dict[int, Figures] = {}
    by_hour, by_weekday = [0] * 24, [0] * 7
    for c in rows:
        local = c.created_at.astimezone(SEOUL)
        by_hour[local.hour] += 1
        by_weekday[local.weekday()] += 1
        figures = [overall]
        agent = c.first_responder_id or c.assignee_id
        if agent is not None:
            figures.append(per_agent.setdefault(agent, Figures()))
        for f in figures:
            f.conversations += 1
            if c.first_response_at is not None:
                f.first_response.append(span(c.created_at, c.first_response_at))
            if c.resolved_at is not None:
                f.resolution.append(span(c.created_at, c.resolved_at))
            if c.csat_score is not None:
                f.csat.append(c.csat_score)
    names = (
        dict(
            (
                await db.execute(select(User.id, User.nickname).where(User.id.in_(list(per_agent))))
            ).all()
        )
        if per_agent
        else {}
    )
    agents: list[dict[str, object]] = [
        {"agent_id": a, "nickname": names.get(a) or "", **f.summary()}
        for a, f in sorted(per_agent.items(), key=lambda kv: names.get(kv[0]) or "")
    ]
    return Report(days, business_hours, overall.summary(), agents, by_hour, by_weekday)


def report_csv(report: Report) -> str:
    columns = [
        "conversations",
        "answered",
        "first_response_median",
        "first_response_average",
        "resolved",
        "resolution_median",
        "resolution_average",
        "csat_count",
        "csat_average",
    ]
    lines: list[list[object]] = [
        ["agent_id", "agent", *columns, *[f"csat_{s}" for s in range(1, 6)]]
    ]
    rows: list[tuple[object, object, dict[str, object]]] = [("", "*", dict(report.overall))]
    rows += [(a["agent_id"], a["nickname"], a) for a in report.agents]
    for agent_id, name, figures in rows:
        dist = figures.get("csat_distribution") or [0] * 5
        assert isinstance(dist, list)
        lines.append([agent_id, name, *[figures.get(c, "") for c in columns], *dist])
    return csv_text(lines)  # nicknames are anyone's text: neutralised for spreadsheets


def bar_chart(values: list[int], labels: list[str], *, width: int = 480, height: int = 120) -> str:
    """A small server-rendered SVG bar chart (escaped text only)."""
    from markupsafe import escape

    top = max(values) or 1
    step = width / max(len(values), 1)
    bars = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        h = (height - 20) * v / top
        x = i * step
        bars.append(
            f'<rect x="{x + 1:.1f}" y="{height - 14 - h:.1f}" width="{step - 2:.1f}" '
            f'height="{h:.1f}" fill="#ff7e36"><title>{escape(label)}: {v}</title></rect>'
            f'<text x="{x + step / 2:.1f}" y="{height - 2}" font-size="9" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" class="inbox-chart">{"".join(bars)}</svg>'
    )
