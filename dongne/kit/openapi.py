"""The OpenAPI document tells the truth about errors and limits.

FastAPI documents a 422 with its own body shape, which we never send, and no
other error. Here every operation declares the ``application/problem+json``
answers it can give (:func:`dongne.kit.errors.problem`):

- 422 everywhere (any input can be refused, control characters included);
- 401 and bearer security where the route resolves who is asking (an unknown
  or expired token is a 401 even where signing in is optional);
- 403 wherever such a caller may be refused (a suspension, an operator's
  page, CSRF), and 404 and 409 where they change something (what they name may
  be gone, or in conflict); 404 where the path names an object; 400 and 413
  where there is a body, and 415 where it is an upload; 429 where rate limits
  may apply.

Strings get the pattern the control-character check enforces
(:mod:`dongne.kit.inputs`) unless they already have a format or a pattern,
so fuzzers and generated clients see every limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from dongne.kit.errors import PROBLEM_JSON

NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
UNSAFE = frozenset({"post", "put", "patch", "delete"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each field to fix.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

DESCRIPTIONS = {
    "400": "The body is not well-formed (not the JSON or form it declares).",
    "401": "Not signed in, or the bearer token is unknown or expired.",
    "403": "Not allowed: another person's object, an operator's action, or a missing CSRF token.",
    "404": "Nothing with that id (or not visible to the caller).",
    "409": "In conflict with the current state (already done, taken, or changed meanwhile).",
    "413": "The request body is too large.",
    "415": "The upload is not a supported image type.",
    "422": "Invalid input: each field and what to fix.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}


def _calls(dependant: Dependant, wanted: tuple[Callable[..., Any], ...]) -> bool:
    stack = [dependant]
    while stack:
        d = stack.pop()
        if d.call in wanted:
            return True
        stack.extend(d.dependencies)
    return False


def _bound_strings(node: Any, schemas: dict[str, Any], seen: set[str]) -> None:
    """Give every string of a request (parameters, bodies, and the component
    schemas they refer to) the control-character pattern."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen and name in schemas:
                seen.add(name)
                _bound_strings(schemas[name], schemas, seen)
        if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(node):
            node["pattern"] = NO_CONTROL_CHARACTERS
        for value in node.values():
            _bound_strings(value, schemas, seen)
    elif isinstance(node, list):
        for value in node:
            _bound_strings(value, schemas, seen)


def _problem(code: str) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[code],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def truthful_openapi(app: FastAPI, authenticated: Iterable[Callable[..., Any]]) -> dict[str, Any]:
    wanted = tuple(authenticated)
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    routes: dict[tuple[str, str], APIRoute] = {}
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if isinstance(original, APIRoute) and original.include_in_schema:
            for method in original.methods or ():
                routes[(original.path_format, method.lower())] = original
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            route = routes.get((path, method))
            responses = operation.setdefault("responses", {})
            codes = ["422", "429"]
            if route is not None and _calls(route.dependant, wanted):
                # Signed-in callers may be refused (a suspension, an operator's
                # page) and their changes may name what is gone or conflict.
                codes += ["401", "403"]
                operation["security"] = [{"bearer": []}, {}]
                if method in UNSAFE:
                    codes += ["404", "409"]
            if "{" in path:
                codes.append("404")
            body = operation.get("requestBody")
            if body is not None:
                codes += ["400", "413"]
                if "multipart/form-data" in body.get("content", {}):
                    codes.append("415")
            codes = list(dict.fromkeys(codes))
            for code in sorted(codes):
                responses[code] = _problem(code)
            seen: set[str] = set()
            _bound_strings(operation.get("parameters", []), schemas, seen)
            _bound_strings(operation.get("requestBody", {}), schemas, seen)
    return schema


def install_openapi(app: FastAPI, authenticated: Iterable[Callable[..., Any]]) -> None:
    wanted = tuple(authenticated)
    cache: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not cache:
            cache.append(truthful_openapi(app, wanted))
        return cache[0]

    app.openapi = openapi  # type: ignore[method-assign]
