"""HTML pages for businesses: a profile (with 단골, 소식, 문의하기 and reviews),
opening one and editing it, opening hours, staff, my businesses, and 동네 소식
(the full list, and the strip the home page loads)."""

from __future__ import annotations

from fastapi import APIRouter

from dongne.business.pages import form, hours, mine, news, people, profile
from dongne.business.pages.common import TEMPLATES

router = APIRouter(include_in_schema=False)
# In this order: /businesses/new must match before /businesses/{business_id}.
for part in (form, profile, hours, people, mine, news):
    router.include_router(part.router)

__all__ = ["TEMPLATES", "router"]
