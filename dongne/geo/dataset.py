"""Reading a neighbourhood CSV into clean rows.

The CSV has the columns ``dnid,dnname,dnlatitude,dnlongitude,dnradius`` (the format of
the ``dongnae-kr`` package; any deployment may bring its own file in that format). A
malformed row rejects the whole file with a :class:`DatasetError` naming its line.

Two defects of the Korean data are repaired here, so that no place is ever offered under
two names (each rule needs Korean legal-dong codes and names, so it finds nothing in
foreign data):

* ``obsolete_jeonbuk_code``: a ``전라북도`` row (code ``45…``) whose name, after the
  province, is also the name of a ``전북특별자치도`` row (code ``52…``) is dropped; its id
  becomes an alias of the 52 row.
* ``ri_twin_of_eup_myeon``: a 리 (code not ending in ``00``) with exactly the centroid and
  radius of its own 읍/면 (same first 8 digits, code ending in ``00``) is dropped; its id
  becomes an alias of the 읍/면, which contains it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

COLUMNS = ("dnid", "dnname", "dnlatitude", "dnlongitude", "dnradius")
MAX_ID_LENGTH = 32
MAX_FULL_NAME_LENGTH = 200
MAX_NAME_LENGTH = 100
# The planar metric used for reverse geocoding degenerates near the poles.
MAX_ABS_LATITUDE = 85.0
MAX_ABS_LONGITUDE = 180.0
# A neighbourhood, not a province: the Korean data's largest circle is ~54 km.
MAX_RADIUS_KM = 100.0

DROP_OBSOLETE_JEONBUK = "obsolete_jeonbuk_code"
DROP_RI_TWIN = "ri_twin_of_eup_myeon"

_ID_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]*")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_LEGAL_CODE_RE = re.compile(r"\d{10}")
_OLD_JEONBUK = ("45", "전라북도")
_NEW_JEONBUK = ("52", "전북특별자치도")


class DatasetError(ValueError):
    """A neighbourhood file that cannot be loaded; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line


@dataclass(frozen=True, slots=True)
class NeighbourhoodRow:
    """One neighbourhood: a circle around a centroid, in degrees and kilometres."""

    id: str
    full_name: str
    name: str
    lat: float
    lon: float
    radius_km: float


@dataclass
class Dataset:
    """Kept rows, ids of dropped rows mapped to the kept id, and drop counts by reason."""

    rows: list[NeighbourhoodRow]
    aliases: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def bundled_csv_path() -> Traversable:
    """The CSV shipped in the ``dongnae_kr`` package, whatever its dated file name."""
    data = files("dongnae_kr") / "data"
    found = sorted(
        (item for item in data.iterdir() if item.name.lower().endswith(".csv")),
        key=lambda item: item.name,
    )
    if len(found) != 1:
        names = ", ".join(item.name for item in found) or "none"
        raise DatasetError(f"expected one CSV in dongnae_kr/data, found {names}")
    return found[0]


def read_csv(path: Path | Traversable) -> Dataset:
    """Parse, validate and de-duplicate a neighbourhood CSV (UTF-8, BOM allowed)."""
    rows = list(_parse(_decode(path.read_bytes())))
    if not rows:
        raise DatasetError("the file has no neighbourhood rows")
    aliases: dict[str, str] = {}
    dropped: dict[str, int] = {}
    for reason, rule in (
        (DROP_OBSOLETE_JEONBUK, _obsolete_jeonbuk_aliases),
        (DROP_RI_TWIN, _ri_twin_aliases),
    ):
        found = rule(rows)
        if found:
            dropped[reason] = len(found)
            aliases.update(found)
            rows = [row for row in rows if row.id not in found]
    return Dataset(rows=rows, aliases=_flatten(aliases), dropped=dropped)


def short_name(full_name: str) -> str:
    """The everyday name of a Korean place: the last word of its administrative
    full name ("서울특별시 강남구 역삼동" → "역삼동"). Names in other scripts are
    not hierarchical in that way and stay whole ("Paris 1er Arrondissement").

    A last word that is only a parenthesised qualifier stays attached to the word
    before it.
    """
    words = full_name.split()
    name = words[-1]
    if name.startswith("(") and len(words) > 1:
        name = f"{words[-2]} {name}"
    if not any("\uac00" <= ch <= "\ud7a3" for ch in name):
        return full_name
    return name


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DatasetError("not valid UTF-8", line) from exc


def _parse(text: str) -> Iterator[NeighbourhoodRow]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise DatasetError("the file is empty")
        columns = [name.strip() for name in header]
        missing = [name for name in COLUMNS if name not in columns]
        if missing:
            raise DatasetError(f"missing column(s): {', '.join(missing)}", reader.line_num)
        position = [columns.index(name) for name in COLUMNS]
        first_line: dict[str, int] = {}
        for fields in reader:
            line = reader.line_num
            if not fields or all(not value.strip() for value in fields):
                continue
            if len(fields) != len(columns):
                raise DatasetError(f"expected {len(columns)} fields, found {len(fields)}", line)
            row = _row([fields[i].strip() for i in position], line)
            if row.id in first_line:
                raise DatasetError(
                    f"duplicate id {row.id!r} (first on line {first_line[row.id]})", line
                )
            first_line[row.id] = line
            yield row
    except csv.Error as exc:
        raise DatasetError(f"bad CSV: {exc}", reader.line_num) from exc


def _row(values: list[str], line: int) -> NeighbourhoodRow:
    raw_id, raw_name, raw_lat, raw_lon, raw_radius = values
    if not _ID_RE.fullmatch(raw_id) or len(raw_id) > MAX_ID_LENGTH:
        raise DatasetError(
            f"bad id {raw_id!r}: use 1-{MAX_ID_LENGTH} letters, digits, '_', '.' or '-'", line
        )
    full_name = " ".join(raw_name.split())
    if not full_name:
        raise DatasetError("empty name", line)
    if len(full_name) > MAX_FULL_NAME_LENGTH:
        raise DatasetError(f"name longer than {MAX_FULL_NAME_LENGTH} characters", line)
    name = short_name(full_name)
    if len(name) > MAX_NAME_LENGTH:
        raise DatasetError(f"last word of the name longer than {MAX_NAME_LENGTH}", line)
    lat = _number("dnlatitude", raw_lat, line)
    lon = _number("dnlongitude", raw_lon, line)
    radius = _number("dnradius", raw_radius, line)
    if abs(lat) > MAX_ABS_LATITUDE:
        raise DatasetError(f"dnlatitude {raw_lat} outside ±{MAX_ABS_LATITUDE:g}", line)
    if abs(lon) > MAX_ABS_LONGITUDE:
        raise DatasetError(f"dnlongitude {raw_lon} outside ±{MAX_ABS_LONGITUDE:g}", line)
    if not 0.0 < radius <= MAX_RADIUS_KM:
        raise DatasetError(f"dnradius {raw_radius} not in (0, {MAX_RADIUS_KM:g}] km", line)
    return NeighbourhoodRow(raw_id, full_name, name, lat, lon, radius)


def _number(column: str, raw: str, line: int) -> float:
    if not _NUMBER_RE.fullmatch(raw):
        raise DatasetError(f"{column} {raw!r} is not a decimal number", line)
    value = float(raw)
    if not math.isfinite(value):
        raise DatasetError(f"{column} {raw!r} is out of range", line)
    return value


def _province_tail(row: NeighbourhoodRow, code: str, province: str) -> str | None:
    """The name after ``province`` if ``row`` is a legal-dong code of that province."""
    if not (_LEGAL_CODE_RE.fullmatch(row.id) and row.id.startswith(code)):
        return None
    head, _, tail = row.full_name.partition(" ")
    return tail if head == province and tail else None


def _obsolete_jeonbuk_aliases(rows: list[NeighbourhoodRow]) -> dict[str, str]:
    new_by_tail: dict[str, str] = {}
    for row in rows:
        tail = _province_tail(row, *_NEW_JEONBUK)
        if tail is not None:
            new_by_tail[tail] = row.id
    found: dict[str, str] = {}
    for row in rows:
        tail = _province_tail(row, *_OLD_JEONBUK)
        if tail is not None and tail in new_by_tail:
            found[row.id] = new_by_tail[tail]
    return found


def _ri_twin_aliases(rows: list[NeighbourhoodRow]) -> dict[str, str]:
    parents: dict[str, NeighbourhoodRow] = {}
    children: list[NeighbourhoodRow] = []
    for row in rows:
        if not _LEGAL_CODE_RE.fullmatch(row.id):
            continue
        if row.id.endswith("00"):
            if row.name.endswith(("읍", "면")):
                parents[row.id[:8]] = row
        elif row.name.endswith("리"):
            children.append(row)
    found: dict[str, str] = {}
    for child in children:
        parent = parents.get(child.id[:8])
        if (
            parent is not None
            and child.full_name == f"{parent.full_name} {child.name}"
            and (child.lat, child.lon, child.radius_km)
            == (parent.lat, parent.lon, parent.radius_km)
        ):
            found[child.id] = parent.id
    return found


def _flatten(aliases: dict[str, str]) -> dict[str, str]:
    """Follow chains so every alias points at a kept id."""
    flat: dict[str, str] = {}
    for old, new in aliases.items():
        seen = {old}
        while new in aliases and new not in seen:
            seen.add(new)
            new = aliases[new]
        flat[old] = new
    return flat
