"""The ceiling for bench/chat.py: a bare WebSocket echo endpoint on the same stack as dongne.

    python bench/echo_app.py --port 8100 [--workers 2]

FastAPI's ``@app.websocket`` on Starlette, served by uvicorn with exactly the settings
``dongne serve`` passes (``dongne/cli.py``): the same loop, HTTP and WebSocket protocol
implementations (uvicorn's "auto": uvloop, httptools, websockets-sansio without
permessage-deflate), no access log, proxy headers, INFO logging, and ``--workers``. Every text
frame comes straight back; nothing is parsed, stored or published.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        return


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # Workers are spawned processes that import "echo_app" again: make it importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(
        "echo_app:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        ws_per_message_deflate=False,  # as `dongne serve`
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
    )


if __name__ == "__main__":
    main()
