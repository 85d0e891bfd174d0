"""The people who act for a business: members, invitations by mail, leaving."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from dongne.business import queries, service, staff
from dongne.business.pages.common import (
    form_errors,
    redirect,
    refused,
)
from dongne.business.schemas import (
    InviteIn,
)
from dongne.kit.errors import DomainError
from dongne.kit.ids import Id
from dongne.notifications.pages import render_page
from dongne.web import Ctx, CtxDep

router = APIRouter(include_in_schema=False)

# ---- staff --------------------------------------------------------------------------------


async def staff_page(
    request: Request, ctx: Ctx, business_id: Id, errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    business, role = await service.access_managed_business_by_id(ctx, business_id, owner_only=False)
    context = {
        "business": business,
        "role": role,
        "members": await queries.members(ctx.db, business.id),
        "invitations": (
            await queries.pending_invitations(ctx.db, business.id) if role == "owner" else []
        ),
        "errors": errors,
    }
    return await render_page(request, ctx, "business/staff.html", context, status=status)


@router.get("/businesses/{business_id}/staff")
async def staff_members(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    return await staff_page(request, ctx, business_id, {})


@router.post("/businesses/{business_id}/staff/invite")
async def invite(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    form = await request.form()
    try:
        data = InviteIn.model_validate({"email": str(form.get("email", ""))})
        await staff.invite_staff(ctx, business_id, data.email)
        return redirect(f"/businesses/{business_id}/staff")
    except ValidationError as exc:
        errors = form_errors(exc)
    except DomainError as exc:
        errors = await refused(ctx, exc)
    return await staff_page(request, ctx, business_id, errors, status=422)


@router.post("/businesses/{business_id}/staff/invitations/{invitation_id}/revoke")
async def revoke(request: Request, ctx: CtxDep, business_id: Id, invitation_id: Id) -> Response:
    await staff.revoke_invitation(ctx, business_id, invitation_id)
    return redirect(f"/businesses/{business_id}/staff")


@router.post("/businesses/{business_id}/staff/{user_id}/remove")
async def remove(request: Request, ctx: CtxDep, business_id: Id, user_id: Id) -> Response:
    await staff.remove_member(ctx, business_id, user_id)
    if ctx.user is not None and user_id == ctx.user.id:
        return redirect("/me/businesses")
    return redirect(f"/businesses/{business_id}/staff")
