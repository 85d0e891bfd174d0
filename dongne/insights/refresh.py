"""Bringing the export up to date from inside the server: always in a child
process (``python -m dongne.insights.export``), never in the server's own.

The export reads SQLite through Apache Arrow's ADBC driver, which carries its
own copy of the SQLite library. Two copies of SQLite in one process corrupt
each other's locks (POSIX locks belong to the process, so one copy's close
drops the other's: https://www.sqlite.org/howtocorrupt.html, section 2.2);
under the server's WAL writers that gave bus errors and stale reads. In a
child process the driver is just another reader of the file. This module
therefore imports nothing that reads the database: the server never loads
``dongne.insights.export`` or ``dongne.insights.source``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

# An export of the whole log takes about 25 s for 10 M events on the
# development machine; a child still running after this long is killed (the
# export is safe to kill: the next run writes the same files).
TIMEOUT_SECONDS = 600.0


class ExportFailed(RuntimeError):
    """The child process exited without finishing the export."""


async def export_in_child(url: str, root: Path) -> None:
    """Run the incremental export of ``url`` into ``root`` in a child process
    and wait for it; the export's own lock serialises concurrent runs."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dongne.insights.export",
        str(root),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        # The address in the environment, not in argv: ``ps`` shows argv to anyone.
        env={**os.environ, "DONGNE_EXPORT_DATABASE_URL": url},
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
    except BaseException:
        # A timeout, or the request cancelled: no child outlives its reason to run.
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        tail = stderr.decode(errors="replace")[-2000:]
        log.error("export child exited with %s: %s", process.returncode, tail)
        raise ExportFailed(f"the export exited with {process.returncode}")
