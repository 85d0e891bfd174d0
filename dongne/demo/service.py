"""`dongne demo`: the simulated neighbourhood (see simulation.py), run through
the same services a person uses."""

from __future__ import annotations

from rich.console import Console

from dongne.config import Settings
from dongne.demo.simulation import DEMO_PASSWORD, simulate

__all__ = ["DEMO_PASSWORD", "run_demo"]


async def run_demo(
    settings: Settings, *, users: int, seed: int, console: Console, days: int = 14
) -> None:
    from dongne.app import build_services

    svc = await build_services(settings)
    try:
        try:
            stats = await simulate(svc, users=users, days=days, seed=seed, console=console)
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/red]")
            return
        await svc.jobs.drain()  # keyword alerts of the listings just posted
        console.print(
            f"demo: {stats.residents} residents over {days} days: {stats.listings} listings, "
            f"{stats.conversations} conversations, {stats.deals} deals, {stats.reviews} reviews, "
            f"{stats.reports} reports, {stats.searches} searches; {stats.left} stopped coming"
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
