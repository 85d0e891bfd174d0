"""Imports every table so that metadata (Alembic, tests) sees the whole schema."""

from dongne.accounts.models import AuthSession, User, UserNeighbourhood
from dongne.events import Event
from dongne.geo.models import Neighbourhood, NeighbourhoodAlias, NeighbourhoodRange

__all__ = [
    "AuthSession",
    "Event",
    "Neighbourhood",
    "NeighbourhoodAlias",
    "NeighbourhoodRange",
    "User",
    "UserNeighbourhood",
]
