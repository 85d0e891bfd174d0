"""create_app(): routers, middleware and the services every request shares."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncSession

from dongne import __version__
from dongne.accounts import api as accounts_api
from dongne.accounts import pages as accounts_pages
from dongne.business import api as business_api
from dongne.business import pages as business_pages
from dongne.business.reviews import api as business_reviews_api
from dongne.business.reviews import pages as business_reviews_pages
from dongne.business.staff import send_invitation_mail
from dongne.chat import api as chat_api
from dongne.chat import pages as chat_pages
from dongne.chat import ws as chat_ws
from dongne.chat.service import send_reminder
from dongne.config import Settings, get_settings
from dongne.db import Database
from dongne.geo import api as geo_api
from dongne.geo import pages as geo_pages
from dongne.geo.index import NeighbourhoodIndex
from dongne.geo.service import build_index
from dongne.inbox import api as inbox_api
from dongne.inbox import pages as inbox_pages
from dongne.insights import pages as insights_pages
from dongne.kit.errors import install_error_handlers
from dongne.kit.hub import Hub, make_hub
from dongne.kit.inputs import refuse_control_characters
from dongne.kit.jobs import Jobs
from dongne.kit.mail import Mailer, make_mailer
from dongne.kit.media import LocalMediaStorage
from dongne.kit.middleware import WebMiddleware
from dongne.kit.openapi import install_openapi
from dongne.kit.ratelimit import RateLimits
from dongne.kit.scheduler import Scheduler
from dongne.kit.security import CsrfTokens
from dongne.listings import api as listings_api
from dongne.listings import pages as listings_pages
from dongne.notifications import api as notifications_api
from dongne.notifications import pages as notifications_pages
from dongne.support import api as support_api
from dongne.support import pages as support_pages
from dongne.trust.moderation import api as moderation_api
from dongne.trust.moderation import pages as moderation_pages
from dongne.trust.reviews import api as reviews_api
from dongne.trust.reviews import pages as reviews_pages
from dongne.web import CSRF_COOKIE, authenticated_user_id, check_csrf, get_ctx

log = logging.getLogger(__name__)

_DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dongne API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/docs.js"></script></body></html>"""


@dataclass
class Services:
    settings: Settings
    db: Database
    limits: RateLimits
    csrf: CsrfTokens
    geo_index: NeighbourhoodIndex
    hub: Hub
    media: LocalMediaStorage
    jobs: Jobs
    scheduler: Scheduler
    mailer: Mailer

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.jobs.drain()
        await self.hub.close()
        await self.limits.close()
        await self.db.dispose()


async def build_services(settings: Settings) -> Services:
    db = Database(settings.resolved_database_url)
    async with db.sessions() as session:
        index = await build_index(session, settings.coverage_tolerance_km)
    if not len(index):
        log.warning("no neighbourhoods loaded: run `dongne geo load`")
    hub = make_hub(settings.redis_url)
    await hub.start()
    settings.media_dir.mkdir(parents=True, exist_ok=True)

    async def reminder(session: AsyncSession, payload: dict[str, Any]) -> None:
        await send_reminder(session, hub, payload)

    mailer = make_mailer(settings.smtp_url, settings.data_dir)
    if settings.is_production and not settings.smtp_url:
        log.warning("no DONGNE_SMTP_URL: mail is written to %s/mail/", settings.data_dir)

    async def invitation_mail(session: AsyncSession, payload: dict[str, Any]) -> None:
        await send_invitation_mail(session, mailer, settings, payload)

    return Services(
        settings=settings,
        db=db,
        limits=RateLimits(settings.redis_url),
        csrf=CsrfTokens(settings.resolved_secret_key()),
        geo_index=index,
        hub=hub,
        media=LocalMediaStorage(settings.media_dir),
        jobs=Jobs(),
        scheduler=Scheduler(
            db, {"appointment_reminder": reminder, "staff_invitation_mail": invitation_mail}
        ),
        mailer=mailer,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    secret = settings.resolved_secret_key()  # refuses to start without one in production
    csrf = CsrfTokens(secret)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = svc = await build_services(settings)
        svc.scheduler.start()
        # What start-up built lives as long as the process (the neighbourhood index, the
        # routes, the ORM's metadata, the modules): out of the cyclic collector's full
        # passes, which otherwise walked all of it each time, pausing the worker for
        # 250-450 ms under chat load (README, "Chat").
        gc.freeze()
        try:
            yield
        finally:
            await svc.close()

    from fastapi import Depends

    app = FastAPI(
        title="동네 dongne",
        version=__version__,
        summary="A hyperlocal second-hand marketplace: buy, sell and share with neighbours.",
        lifespan=lifespan,
        dependencies=[Depends(check_csrf), Depends(refuse_control_characters)],
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below from vendored files: no page loads from another host
        redoc_url=None,
    )
    install_error_handlers(app)
    install_openapi(app, authenticated=(get_ctx, authenticated_user_id))
    app.add_middleware(
        WebMiddleware,
        csrf=csrf,
        max_body_bytes=settings.max_body_bytes,
        secure_cookies=settings.is_production,
        csrf_cookie=CSRF_COOKIE,
    )
    static = resources.files("dongne") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/media", StaticFiles(directory=str(settings.media_dir)), name="media")
    for router in (
        accounts_api.router,
        geo_api.router,
        listings_api.router,
        chat_api.router,
        chat_ws.router,
        notifications_api.router,
        moderation_api.router,
        reviews_api.router,
        business_api.router,
        business_reviews_api.router,
        support_api.router,
        inbox_api.router,
        accounts_pages.router,
        geo_pages.router,
        listings_pages.router,
        notifications_pages.router,
        chat_pages.router,
        business_pages.router,
        business_reviews_pages.router,
        support_pages.router,
        inbox_pages.router,
        moderation_pages.router,
        reviews_pages.router,
        insights_pages.api_router,
        insights_pages.router,
    ):
        app.include_router(router)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_DOCS_HTML)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
