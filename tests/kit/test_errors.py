"""Validation errors name the field a person has to fix."""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError

from dongne.kit.errors import validation_errors


class Note(BaseModel):
    body: str = Field(min_length=2)
    query: int


def test_a_field_named_like_a_location_keeps_its_name() -> None:
    try:
        Note.model_validate({"body": "x", "query": "many"})
    except ValidationError as exc:
        errors = exc.errors()
    as_fastapi_reports_them = [{**e, "loc": ("body", *e["loc"])} for e in errors]
    assert [e["field"] for e in validation_errors(as_fastapi_reports_them, located=True)] == [
        "body",
        "query",
    ]
    # Pages validate forms themselves: no location in front.
    assert [e["field"] for e in validation_errors(errors)] == ["body", "query"]
    assert all(e["message"] for e in validation_errors(errors))


def test_where_fastapi_found_a_value_is_not_part_of_its_name() -> None:
    found = [
        {"loc": ("query", "cursor"), "type": "string_type", "msg": "x"},
        {"loc": ("path", "listing_id"), "type": "int_parsing", "msg": "x"},
        {"loc": ("body", "items", 2, "price"), "type": "int_parsing", "msg": "x"},
    ]
    assert [e["field"] for e in validation_errors(found, located=True)] == [
        "cursor",
        "listing_id",
        "items.2.price",
    ]
