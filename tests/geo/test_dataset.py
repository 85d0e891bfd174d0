"""Loading neighbourhood CSVs: the bundled Korean data, its repairs, and bad files."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from dongne.geo.dataset import (
    DROP_OBSOLETE_JEONBUK,
    DROP_RI_TWIN,
    Dataset,
    DatasetError,
    NeighbourhoodRow,
    bundled_csv_path,
    read_csv,
    short_name,
)

HEADER = "dnid,dnname,dnlatitude,dnlongitude,dnradius\n"
GOOD = "1168010100,서울특별시 강남구 역삼동,37.50007841,127.0385488,1.473\n"


@pytest.fixture(scope="module")
def bundled() -> Dataset:
    return read_csv(bundled_csv_path())


@pytest.fixture(scope="module")
def raw_rows() -> list[dict[str, str]]:
    text = bundled_csv_path().read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def write(tmp_path: Path, text: str, name: str = "n.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_csv_is_found_without_its_date() -> None:
    path = bundled_csv_path()
    assert path.name.endswith(".csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfdnid,")


def test_bundled_data_loads_with_both_repairs(
    bundled: Dataset, raw_rows: list[dict[str, str]]
) -> None:
    assert len(raw_rows) == 21_701
    assert bundled.dropped == {DROP_OBSOLETE_JEONBUK: 1463, DROP_RI_TWIN: 5}
    assert len(bundled.rows) == 21_701 - 1463 - 5 == 20_233
    assert len(bundled.aliases) == 1468


def test_kept_rows_have_unique_ids_and_full_names(bundled: Dataset) -> None:
    ids = Counter(row.id for row in bundled.rows)
    names = Counter(row.full_name for row in bundled.rows)
    assert ids.most_common(1)[0][1] == 1
    assert names.most_common(1)[0][1] == 1


def test_no_obsolete_jeonbuk_row_survives_beside_its_twin(bundled: Dataset) -> None:
    kept = {row.full_name for row in bundled.rows}
    for row in bundled.rows:
        assert not row.id.startswith("45")
        if row.full_name.startswith("전라북도 "):
            assert "전북특별자치도 " + row.full_name.split(" ", 1)[1] not in kept
    # Every 45 code maps to the 52 code with the same tail (the names match too).
    by_id = {row.id: row for row in bundled.rows}
    old_ids = [old for old in bundled.aliases if old.startswith("45")]
    assert len(old_ids) == 1463
    assert all(bundled.aliases[old] == "52" + old[2:] for old in old_ids)
    assert by_id["5271025622"].full_name == "전북특별자치도 완주군 용진읍 구억리"
    assert bundled.aliases["4571025622"] == "5271025622"


def test_ri_identical_to_its_eup_myeon_is_merged_into_it(bundled: Dataset) -> None:
    twins = {old: new for old, new in bundled.aliases.items() if not old.startswith("45")}
    assert twins == {
        "4136026521": "4136026500",  # 경기도 남양주시 퇴계원읍 퇴계원리
        "5178037024": "5178037000",  # 강원특별자치도 철원군 임남면 수동리
        "5177025321": "5177025300",  # 강원특별자치도 정선군 고한읍 고한리
        "2872038021": "2872038000",  # 인천광역시 옹진군 연평면 연평리
        "5011033021": "5011033000",  # 제주특별자치도 제주시 우도면 연평리
    }
    by_id = {row.id: row for row in bundled.rows}
    assert by_id["4136026500"].name == "퇴계원읍"
    # No kept 리 still has exactly its 읍/면's circle.
    for row in bundled.rows:
        parent = by_id.get(row.id[:8] + "00")
        if parent is not None and parent is not row and parent.name.endswith(("읍", "면")):
            assert (row.lat, row.lon, row.radius_km) != (parent.lat, parent.lon, parent.radius_km)


def test_distinct_places_sharing_a_centroid_are_kept(bundled: Dataset) -> None:
    """Different 리 placed on one centroid are different places, not one place twice."""
    groups: dict[tuple[float, float], list[str]] = {}
    for row in bundled.rows:
        groups.setdefault((row.lat, row.lon), []).append(row.id)
    shared = sorted(sorted(ids) for ids in groups.values() if len(ids) > 1)
    assert shared == [
        ["4423035027", "4423035028"],  # 논산 부적면 신풍리 / 안천리
        ["4682025032", "4682025038"],  # 해남 해남읍 내사리 / 부호리
        ["5011033000", "5011033022", "5011033023", "5011033024", "5011033025"],  # 우도
    ]


def test_exact_coordinate_groups_of_the_source_are_all_accounted_for(
    raw_rows: list[dict[str, str]], bundled: Dataset
) -> None:
    groups: dict[tuple[float, float], list[str]] = {}
    for raw in raw_rows:
        key = (float(raw["dnlatitude"]), float(raw["dnlongitude"]))
        groups.setdefault(key, []).append(raw["dnid"])
    shared = [ids for ids in groups.values() if len(ids) > 1]
    assert Counter(len(ids) for ids in shared) == {2: 115, 6: 1}
    jeonbuk = [ids for ids in shared if sorted(i[:2] for i in ids) == ["45", "52"]]
    assert len(jeonbuk) == 109
    kept = {row.id for row in bundled.rows}
    for ids in shared:
        survivors = [i for i in ids if i in kept]
        assert survivors, ids
        for i in ids:
            assert i in kept or bundled.aliases[i] in survivors


def test_aliases_point_at_kept_ids(bundled: Dataset) -> None:
    kept = {row.id for row in bundled.rows}
    assert bundled.aliases
    assert all(new in kept for new in bundled.aliases.values())
    assert not kept & bundled.aliases.keys()


def test_rows_carry_short_names(bundled: Dataset) -> None:
    by_id = {row.id: row for row in bundled.rows}
    assert by_id["1168010100"] == NeighbourhoodRow(
        "1168010100", "서울특별시 강남구 역삼동", "역삼동", 37.50007841, 127.0385488, 1.329
    )
    hanja = sorted(row.name for row in bundled.rows if "(" in row.name)
    assert hanja == [
        "기암리(基岩)",
        "기암리(岐岩)",
        "평(坪)사리",
        "평(平)사리",
        "화산리(花山)",
        "화산리(華山)",
    ]


@pytest.mark.parametrize(
    ("full_name", "name"),
    [
        ("서울특별시 강남구 역삼동", "역삼동"),
        ("충청북도 청주시 상당구 미원면 기암리(岐岩)", "기암리(岐岩)"),
        ("Springfield (North)", "Springfield (North)"),
        ("Montmartre", "Montmartre"),
        ("Paris 1er Arrondissement", "Paris 1er Arrondissement"),
    ],
)
def test_short_name(full_name: str, name: str) -> None:
    assert short_name(full_name) == name


def test_a_small_korean_file_gets_both_repairs(tmp_path: Path) -> None:
    text = HEADER + (
        "4571025622,전라북도 완주군 용진읍 구억리,35.9,127.1,1.0\n"
        "5271025622,전북특별자치도 완주군 용진읍 구억리,35.91,127.1,1.1\n"
        "4571025623,전라북도 완주군 용진읍 없는리,35.95,127.1,1.0\n"  # no twin: kept
        "4136026500,경기도 남양주시 퇴계원읍,37.6,127.1,1.791\n"
        "4136026521,경기도 남양주시 퇴계원읍 퇴계원리,37.6,127.1,1.791\n"
        "4136026522,경기도 남양주시 퇴계원읍 다른리,37.6,127.1,1.5\n"  # same centre only
        "4136026523,경기도 남양주시 퇴계원읍 옆리,37.6,127.2,1.791\n"  # same radius only
    )
    data = read_csv(write(tmp_path, text))
    assert data.aliases == {"4571025622": "5271025622", "4136026521": "4136026500"}
    assert data.dropped == {DROP_OBSOLETE_JEONBUK: 1, DROP_RI_TWIN: 1}
    assert [row.id for row in data.rows] == [
        "5271025622",
        "4571025623",
        "4136026500",
        "4136026522",
        "4136026523",
    ]


def test_a_foreign_file_loads_untouched(tmp_path: Path) -> None:
    text = (
        "dnname,dnid,dnradius,dnlatitude,dnlongitude,extra\r\n"  # any column order, extras
        "Paris 1er Arrondissement,FR-75101,0.9,48.8625,2.3364,x\r\n"
        "Paris 2e Arrondissement,FR-75102,0.6,48.8683,2.3428,y\r\n"
        '"Springfield, (North)",US.12345,3.5,39.7817,-89.6501,\r\n'
        "\r\n"
        "Wellington Central,4500000001,1.2,-41.2865,174.7762,z\r\n"
        "Same Spot Too,4500000000,1.2,-41.2865,174.7762,z\r\n"
        "Suva,5200000001,4,-18.1416,178.4419,\r\n"
    )
    data = read_csv(write(tmp_path, text))
    assert data.aliases == {}
    assert data.dropped == {}
    assert [(row.id, row.name, row.lat, row.lon, row.radius_km) for row in data.rows] == [
        ("FR-75101", "Paris 1er Arrondissement", 48.8625, 2.3364, 0.9),
        ("FR-75102", "Paris 2e Arrondissement", 48.8683, 2.3428, 0.6),
        ("US.12345", "Springfield, (North)", 39.7817, -89.6501, 3.5),
        ("4500000001", "Wellington Central", -41.2865, 174.7762, 1.2),
        ("4500000000", "Same Spot Too", -41.2865, 174.7762, 1.2),
        ("5200000001", "Suva", -18.1416, 178.4419, 4.0),
    ]


def test_utf8_without_bom_and_trailing_blank_lines(tmp_path: Path) -> None:
    data = read_csv(write(tmp_path, HEADER + GOOD + "\n\n"))
    assert [row.id for row in data.rows] == ["1168010100"]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("x y,이상한 동,37.5,127.0,1.0\n", 3, "bad id"),
        (",빈 코드,37.5,127.0,1.0\n", 3, "bad id"),
        ("12345678901234567890123456789012345,긴 코드,37.5,127.0,1.0\n", 3, "bad id"),
        ("1168010101,,37.5,127.0,1.0\n", 3, "empty name"),
        ("1168010101,논현동,abc,127.0,1.0\n", 3, "dnlatitude"),
        ("1168010101,논현동,37.5,,1.0\n", 3, "dnlongitude"),
        ("1168010101,논현동,nan,127.0,1.0\n", 3, "dnlatitude"),
        ("1168010101,논현동,37.5,inf,1.0\n", 3, "dnlongitude"),
        ("1168010101,논현동,37.5,1_27.0,1.0\n", 3, "dnlongitude"),
        ("1168010101,논현동,37.5,127.0,0\n", 3, "dnradius"),
        ("1168010101,논현동,37.5,127.0,-1.2\n", 3, "dnradius"),
        ("1168010101,논현동,37.5,127.0,1e400\n", 3, "dnradius"),
        ("1168010101,논현동,37.5,127.0,250\n", 3, "dnradius"),
        ("1168010101,논현동,91.0,127.0,1.0\n", 3, "dnlatitude"),
        ("1168010101,논현동,-89.0,127.0,1.0\n", 3, "dnlatitude"),
        ("1168010101,논현동,37.5,181.0,1.0\n", 3, "dnlongitude"),
        ("1168010101,논현동,37.5,127.0\n", 3, "expected 5 fields"),
        ("1168010101,논현동,37.5,127.0,1.0,9\n", 3, "expected 5 fields"),
        ("\n\n1168010100,역삼동 또,37.5,127.0,1.0\n", 5, "duplicate id '1168010100'"),
        ('1168010101,"논현동,37.5,127.0,1.0\n', 3, "bad CSV"),
    ],
)
def test_a_malformed_row_rejects_the_file_naming_its_line(
    tmp_path: Path, body: str, line: int, words: str
) -> None:
    with pytest.raises(DatasetError) as caught:
        read_csv(write(tmp_path, HEADER + GOOD + body))
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_multiline_quoted_name_counts_physical_lines(tmp_path: Path) -> None:
    body = '1168010101,"논현\n동",37.5,127.0,1.0\n1168010102,신사동,37.5,x,1.0\n'
    with pytest.raises(DatasetError) as caught:
        read_csv(write(tmp_path, HEADER + GOOD + body))
    assert caught.value.line == 5


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "empty"),
        (HEADER, None, "no neighbourhood rows"),
        ("dnid,dnname,lat,lon,dnradius\n" + GOOD, 1, "dnlatitude, dnlongitude"),
    ],
)
def test_files_without_usable_rows_are_rejected(
    tmp_path: Path, text: str, line: int | None, words: str
) -> None:
    with pytest.raises(DatasetError) as caught:
        read_csv(write(tmp_path, text))
    assert caught.value.line == line
    assert words in str(caught.value)


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "cp949.csv"
    path.write_bytes(
        (HEADER + GOOD).encode() + "1168010101,논현동,37.5,127.0,1.0\n".encode("cp949")
    )
    with pytest.raises(DatasetError) as caught:
        read_csv(path)
    assert caught.value.line == 3
    assert "UTF-8" in str(caught.value)
