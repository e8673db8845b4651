"""Loading and reading the region tree."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pypinyin import lazy_pinyin
from sqlalchemy import select

from learnhub.extensions import db

from .models import Region, RegionLevel

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_REGION_FILE = DATA_DIR / "regions-liaoning.csv"
REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")

# Readings pypinyin gets wrong for place names (polyphonic characters).
_PLACE_READINGS = {
    "长海": "Changhai",
    "长春": "Changchun",
    "长沙": "Changsha",
    "朝阳": "Chaoyang",
    "喀喇沁左翼": "Harqin Left Wing",
    "喀喇沁": "Harqin",
    "蚌埠": "Bengbu",
    "六安": "Lu'an",
    "丽水": "Lishui",
    "乐山": "Leshan",
    "重庆": "Chongqing",
}
_ETHNIC_GROUPS = {"满族": "Manchu", "蒙古族": "Mongol", "回族": "Hui", "朝鲜族": "Korean"}
_SUFFIXES = (
    ("自治县", "Autonomous County"),
    ("新区", "New District"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("市", "City"),
)


class RegionFileError(ValueError):
    """A region file that cannot be loaded; ``problems`` lists every bad line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    name_en: str
    level: RegionLevel
    parent_code: str | None
    longitude: Decimal | None
    latitude: Decimal | None
    population: int | None


def english_name(name: str, level: RegionLevel) -> str:
    """A pinyin English name: 沈阳市 → Shenyang, 康平县 → Kangping County."""
    if level is not RegionLevel.DISTRICT:
        stem = name.removesuffix("省").removesuffix("市")
        return _pinyin(stem)
    for suffix, english_suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            ethnic = ""
            for group, english_group in _ETHNIC_GROUPS.items():
                if suffix == "自治县" and stem.endswith(group):
                    stem, ethnic = stem[: -len(group)], f" {english_group}"
            return f"{_pinyin(stem)}{ethnic} {english_suffix}"
    return _pinyin(name)


def _pinyin(stem: str) -> str:
    if stem in _PLACE_READINGS:
        return _PLACE_READINGS[stem]
    return "".join(lazy_pinyin(stem)).replace("v", "ü").capitalize()


def read_region_file(path: Path) -> list[RegionRow]:
    """Parse and check a region CSV; raise RegionFileError naming every bad line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RegionFileError([f"{path.name}: missing columns: {', '.join(missing)}"])
        rows, problems = [], []
        for line_no, raw in enumerate(reader, start=2):
            try:
                rows.append(_parse_row(raw))
            except ValueError as exc:
                problems.append(f"{path.name}:{line_no}: {exc}")
    problems += _tree_problems(rows, path.name)
    if problems:
        raise RegionFileError(problems)
    return rows


def _parse_row(raw: dict) -> RegionRow:
    code = (raw.get("code") or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"code {code!r} is not a 6-digit division code")
    name = (raw.get("name") or "").strip()
    if not name:
        raise ValueError(f"{code}: name is empty")
    try:
        level = RegionLevel((raw.get("level") or "").strip())
    except ValueError:
        raise ValueError(
            f"{code}: level {raw.get('level')!r} is not province/city/district"
        ) from None
    parent_code = (raw.get("parent_code") or "").strip() or None
    if (level is RegionLevel.PROVINCE) != (parent_code is None):
        raise ValueError(f"{code}: a province has no parent; every other level has one")
    return RegionRow(
        code=code,
        name=name,
        name_en=(raw.get("name_en") or "").strip() or english_name(name, level),
        level=level,
        parent_code=parent_code,
        longitude=_decimal(raw.get("longitude"), code, "longitude"),
        latitude=_decimal(raw.get("latitude"), code, "latitude"),
        population=_population(raw.get("population"), code),
    )


def _decimal(text: str | None, code: str, column: str) -> Decimal | None:
    if not (text or "").strip():
        return None
    try:
        return round(Decimal(text.strip()), 6)
    except InvalidOperation:
        raise ValueError(f"{code}: {column} {text!r} is not a number") from None


def _population(text: str | None, code: str) -> int | None:
    if not (text or "").strip():
        return None
    if not text.strip().isdigit() or int(text) <= 0:
        raise ValueError(f"{code}: population {text!r} is not a positive whole number")
    return int(text)


def _tree_problems(rows: list[RegionRow], file_name: str) -> list[str]:
    problems, levels = [], {}
    for row in rows:
        if row.code in levels:
            problems.append(f"{file_name}: code {row.code} appears twice")
        levels[row.code] = row.level
    known = dict(db.session.execute(select(Region.code, Region.level)).all()) | levels
    expected_parent = {RegionLevel.CITY: RegionLevel.PROVINCE}
    for row in rows:
        if row.parent_code is None:
            continue
        parent_level = known.get(row.parent_code)
        if parent_level is None:
            problems.append(f"{file_name}: {row.code}: parent {row.parent_code} is unknown")
        elif row.level is RegionLevel.DISTRICT:
            # Municipalities (e.g. 北京市) list districts directly under the province.
            if parent_level is RegionLevel.DISTRICT:
                problems.append(f"{file_name}: {row.code}: a district cannot contain another")
        elif parent_level is not expected_parent.get(row.level):
            problems.append(f"{file_name}: {row.code}: a city must belong to a province")
    return problems


def load_regions(
    path: Path = DEFAULT_REGION_FILE, progress: Callable[[Iterable], Iterable] = iter
) -> tuple[int, int]:
    """Insert or update every region of a file (parents first). Returns (added, updated).

    The caller commits; a bad file raises RegionFileError before anything is written.
    """
    rows = read_region_file(path)
    order = {RegionLevel.PROVINCE: 0, RegionLevel.CITY: 1, RegionLevel.DISTRICT: 2}
    rows.sort(key=lambda r: (order[r.level], r.code))
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    added = updated = 0
    for row in progress(rows):
        region = existing.get(row.code)
        if region is None:
            region = Region(code=row.code)
            db.session.add(region)
            added += 1
        elif _differs(region, row):
            updated += 1
        for field in RegionRow.__dataclass_fields__:
            setattr(region, field, getattr(row, field))
        db.session.flush()  # parents must exist before their children reference them
    return added, updated


def _differs(region: Region, row: RegionRow) -> bool:
    return any(getattr(region, f) != getattr(row, f) for f in RegionRow.__dataclass_fields__)


def cities_of(province_code: str) -> list[Region]:
    """The cities of a province, by code."""
    return list(
        db.session.scalars(
            select(Region)
            .where(Region.parent_code == province_code, Region.level == RegionLevel.CITY)
            .order_by(Region.code)
        )
    )


def districts_by_city(province_code: str) -> dict[Region, list[Region]]:
    """Each city of the province with its districts, for pickers: two queries, not one a
    city."""
    cities = cities_of(province_code)
    groups: dict[str, list[Region]] = {city.code: [] for city in cities}
    for district in db.session.scalars(
        select(Region)
        .where(Region.parent_code.in_(groups), Region.level == RegionLevel.DISTRICT)
        .order_by(Region.code)
    ):
        groups[district.parent_code].append(district)
    return {city: groups[city.code] for city in cities}


def get_region(code: str | None) -> Region | None:
    """The region with this code, or None."""
    return db.session.get(Region, code) if code else None


def regions_by_code(codes) -> dict[str, Region]:
    """The regions with these codes (None skipped), by code: one query for a whole list."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(wanted)))}
