"""`dongne demo`: the simulated neighbourhood (see simulation/), run through
the same services a person uses."""

from __future__ import annotations

from rich.console import Console

from dongne.app import build_services
from dongne.config import Settings
from dongne.db import utcnow
from dongne.demo.shops import open_shops
from dongne.demo.simulation import DEMO_PASSWORD, korean_midnight, simulate

__all__ = ["DEMO_PASSWORD", "run_demo"]


async def run_demo(
    settings: Settings, *, users: int, seed: int, console: Console, days: int = 14
) -> None:
    svc = await build_services(settings)
    try:
        end = korean_midnight(utcnow())
        try:
            stats = await simulate(svc, users=users, days=days, seed=seed, console=console, end=end)
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/red]")
            return
        shops = await open_shops(svc, seed, end)
        await svc.jobs.drain()  # keyword alerts of the listings just posted
        console.print(
            f"demo: {stats.residents} residents over {days} days: {stats.listings} listings, "
            f"{stats.conversations} conversations, {stats.deals} deals, {stats.reviews} reviews, "
            f"{stats.reports} reports, {stats.searches} searches; {stats.left} stopped coming"
        )
        console.print(
            f"shops: {shops.shops} business profiles, {shops.posts} news posts, "
            f"{shops.follows} 단골, {shops.reviews} reviews"
        )
        if stats.skipped:
            console.print(
                "refused by the rules (as for a real person): "
                + ", ".join(f"{k} {v}" for k, v in sorted(stats.skipped.items()))
            )
        console.print(
            f"log in as demo1@dongne.example / {DEMO_PASSWORD}; "
            f"operator@dongne.example / {DEMO_PASSWORD} sees the insights"
        )
    finally:
        await svc.close()
