"""The insights, in the order the operator pages show them."""

from __future__ import annotations

from types import ModuleType

from dongne.insights import activity, concentration, demand, funnel, loyalty, prices, response

INSIGHTS: dict[str, ModuleType] = {
    m.KEY: m for m in (activity, funnel, response, concentration, loyalty, demand, prices)
}
