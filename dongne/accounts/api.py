"""JSON endpoints for accounts and neighbourhood verification (/api/v1)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from dongne.accounts import service
from dongne.accounts.queries import neighbourhood_out, user_out
from dongne.accounts.schemas import (
    AccountDeleteIn,
    LoginIn,
    MyNeighbourhoodOut,
    NeighbourhoodAddIn,
    PasswordChangeIn,
    RangeIn,
    SignupIn,
    SignupOut,
    TokenOut,
    UserOut,
    VerifyIn,
)
from dongne.web import CtxDep, bearer_token

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED)
async def signup(data: SignupIn, ctx: CtxDep) -> SignupOut:
    """Create an account and return a bearer token for it."""
    user = await service.signup(ctx, data)
    token, auth = await service.start_session(ctx, user, "bearer")
    return SignupOut(
        user=await user_out(ctx, user),
        token=TokenOut(access_token=token, expires_at=auth.expires_at),
    )


@router.post("/auth/token")
async def token(data: LoginIn, ctx: CtxDep) -> TokenOut:
    """Exchange email and password for a bearer token."""
    user = await service.authenticate(ctx, data)
    value, auth = await service.start_session(ctx, user, "bearer")
    return TokenOut(access_token=value, expires_at=auth.expires_at)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, ctx: CtxDep) -> Response:
    """Revoke the token used for this request."""
    ctx.require_user()
    await service.end_session(ctx, bearer_token(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(ctx: CtxDep) -> UserOut:
    return await user_out(ctx, ctx.require_user())


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(request: Request, data: PasswordChangeIn, ctx: CtxDep) -> Response:
    """Change the password; every other session and token is revoked."""
    await service.change_password(
        ctx, data.current_password, data.new_password, keep_token=bearer_token(request)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(data: AccountDeleteIn, ctx: CtxDep) -> Response:
    """Delete the account: personal data removed, events anonymised."""
    await service.delete_account(ctx, data.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/neighbourhoods")
async def list_neighbourhoods(ctx: CtxDep) -> list[MyNeighbourhoodOut]:
    return [
        await neighbourhood_out(ctx, link, p) for link, p in await service.my_neighbourhoods(ctx)
    ]


@router.post("/me/neighbourhoods", status_code=status.HTTP_201_CREATED)
async def add_neighbourhood(data: NeighbourhoodAddIn, ctx: CtxDep) -> MyNeighbourhoodOut:
    """Set a neighbourhood (unverified until proven by location)."""
    link = await service.add_neighbourhood(ctx, data.neighbourhood_id)
    return await _one(ctx, link.neighbourhood_id)


@router.post("/me/neighbourhoods/verify")
async def verify(data: VerifyIn, ctx: CtxDep) -> MyNeighbourhoodOut:
    """동네 인증: the device's position must lie in the neighbourhood. The
    position is checked and forgotten, never stored."""
    link = await service.verify_neighbourhood(
        ctx, data.neighbourhood_id, data.latitude, data.longitude
    )
    return await _one(ctx, link.neighbourhood_id)


@router.post("/me/neighbourhoods/{neighbourhood_id}/activate")
async def activate(neighbourhood_id: str, ctx: CtxDep) -> MyNeighbourhoodOut:
    link = await service.activate_neighbourhood(ctx, neighbourhood_id)
    return await _one(ctx, link.neighbourhood_id)


@router.put("/me/neighbourhoods/{neighbourhood_id}/range")
async def set_range(neighbourhood_id: str, data: RangeIn, ctx: CtxDep) -> MyNeighbourhoodOut:
    """Range levels: 0 = this neighbourhood only, 1 = ≤ 2 km, 2 = ≤ 4 km, 3 = ≤ 6 km."""
    link = await service.set_range(ctx, neighbourhood_id, data.level)
    return await _one(ctx, link.neighbourhood_id)


@router.delete("/me/neighbourhoods/{neighbourhood_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove(neighbourhood_id: str, ctx: CtxDep) -> Response:
    await service.remove_neighbourhood(ctx, neighbourhood_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _one(ctx: CtxDep, neighbourhood_id: str) -> MyNeighbourhoodOut:
    for link, place in await service.my_neighbourhoods(ctx):
        if link.neighbourhood_id == neighbourhood_id:
            return await neighbourhood_out(ctx, link, place)
    raise AssertionError("a neighbourhood just written is missing")
