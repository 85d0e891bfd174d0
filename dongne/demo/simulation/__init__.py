"""A simulated neighbourhood, lived through the application's own services.

Residents of real Seoul-area neighbourhoods sign up, verify, post, browse the
feed, search (some searches find nothing), view, like, chat, answer with
their own habits of speed, set appointments, sell, review, report, and some
stop coming back. It is a discrete-event simulation on a simulated clock
(``db.simulated_clock``): every row and event carries the simulated time, and
unless told otherwise the days end at the last midnight in Korea before the
command runs, so the site looks lived in.

Everything random comes from one ``random.Random(seed)`` and happens in one
order, so a seed on an empty database always gives the same data, whatever
the hour of the run: the days are whole Korean days, so every resident's
08:00–23:00 falls inside the simulated day it was planned for. The
effects the insights must recover are in ``effects.py``.
"""

from dongne.demo.simulation.people import (
    DEMO_PASSWORD,
    Resident,
    Stats,
    as_person,
    korean_midnight,
)
from dongne.demo.simulation.run import Simulation, simulate

__all__ = [
    "DEMO_PASSWORD",
    "Resident",
    "Simulation",
    "Stats",
    "as_person",
    "korean_midnight",
    "simulate",
]
