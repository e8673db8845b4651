"""Setting and closing tasks: who must submit, what, by when (China time)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.audit import AuditAction, record
from learnhub.catalogue.content import sanitise_html
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel

from .access import may_set_tasks, owner_region_of, owns
from .errors import SubmissionError, SubmissionRefused
from .files import MAX_ITEM_MB
from .models import ItemKind, SubmissionTask, TaskItem, TaskUnit

MAX_TEXT_MINIMUM = 20_000
MAX_FILES_MINIMUM = 50
MAX_FIGURES = 12
MAX_REMIND_DAYS = 60


@dataclass(frozen=True)
class ItemRule:
    """A required item as the owner describes it."""

    kind: ItemKind
    label: str
    min_count: int = 0
    max_mb: int = 20
    field_names: list[str] = field(default_factory=list)


def reader_length(text: str) -> int:
    """Characters as a reader counts them: 300 字 is 300 characters of any script, whatever
    their bytes; spaces, line breaks and combining marks are not counted."""
    text = unicodedata.normalize("NFC", text or "")
    return sum(
        1
        for ch in text
        if not ch.isspace() and unicodedata.category(ch)[0] != "M" and ch != "\ufeff"
    )


def region_label(region_code: str) -> tuple[str | None, str | None]:
    """(city_code, district_code) of a unit, for the audit log."""
    region = db.session.get(Region, region_code)
    if region is None or region.level is RegionLevel.PROVINCE:
        return None, None
    if region.level is RegionLevel.CITY:
        return region.code, None
    return region.parent_code, region.code


def owner_home(staff: User) -> Region | None:
    """The region (the province, or a city) whose tasks the staff member sets."""
    code = owner_region_of(staff)
    return db.session.get(Region, code) if code else None


def _allowed_units(staff: User) -> dict[str, Region]:
    """The units this staff member may ask: the province's cities and districts for
    province staff, their own city's districts for city staff."""
    owner = owner_home(staff)
    if owner is None:
        return {}
    if owner.level is RegionLevel.PROVINCE:
        cities = owner.children
        return {r.code: r for city in cities for r in (city, *city.children)}
    if owner.level is RegionLevel.CITY:
        return {r.code: r for r in owner.children}
    return {}


def unit_codes_for(staff: User, choice: str, cities: list[str], city: str | None) -> list[str]:
    """The units of a choice: every city, the chosen cities, or every district of a city."""
    allowed = _allowed_units(staff)
    home = owner_home(staff)
    if choice == "all_cities" and home is not None and home.level is RegionLevel.PROVINCE:
        return [c.code for c in home.children]
    if choice == "chosen_cities" and home is not None and home.level is RegionLevel.PROVINCE:
        return sorted(set(cities))
    if choice == "city_districts":
        region = db.session.get(Region, city or "") if city else home
        if (
            region is not None
            and region.level is RegionLevel.CITY
            and region.code in (allowed.keys() | {home.code if home else ""})
        ):
            return [d.code for d in region.children]
        raise SubmissionError(_l("Choose a city of your region."), "city")
    raise SubmissionError(_l("Choose which units must submit."), "units")


def _check_items(items: list[ItemRule]) -> None:
    if not items:
        raise SubmissionError(_l("Add at least one required item."), "items")
    for item in items:
        if not item.label or len(item.label) > 40:
            raise SubmissionError(_l("Each item needs a name of at most 40 characters."), "items")
        limit = MAX_TEXT_MINIMUM if item.kind is ItemKind.TEXT else MAX_FILES_MINIMUM
        if not 0 <= item.min_count <= limit:
            raise SubmissionError(
                _l("The minimum of %(item)s is at most %(limit)d.", item=item.label, limit=limit),
                "items",
            )
        if not 1 <= item.max_mb <= MAX_ITEM_MB:
            raise SubmissionError(
                _l("A file may be allowed at most %(size)d MB.", size=MAX_ITEM_MB), "items"
            )
        if item.kind is ItemKind.FIGURES and not 1 <= len(item.field_names) <= MAX_FIGURES:
            raise SubmissionError(
                _l("A form of figures needs 1 to %(count)d names, one per line.",
                   count=MAX_FIGURES), "items",
            )  # fmt: skip
        if len(set(item.field_names)) != len(item.field_names) or any(
            not name or len(name) > 40 for name in item.field_names
        ):
            raise SubmissionError(
                _l("The names of figures must differ, each at most 40 characters."), "items"
            )


def create_task(
    staff: User,
    title: str,
    instructions: str,
    due_at: datetime,
    remind_days: int,
    unit_codes: list[str],
    items: list[ItemRule],
    now: datetime | None = None,
) -> SubmissionTask:
    """Set a task (audited). Every unit must lie in the staff member's region."""
    if not may_set_tasks(staff):
        raise SubmissionError(_l("Only province and city staff set tasks."))
    allowed = _allowed_units(staff)
    if not unit_codes:
        raise SubmissionError(_l("Choose which units must submit."), "units")
    if any(code not in allowed for code in unit_codes):
        raise SubmissionError(_l("A unit you chose is outside your region."), "units")
    if not title.strip():
        raise SubmissionError(_l("Enter a title."), "title")
    if due_at <= (now or utcnow()):
        raise SubmissionError(_l("The due time must be in the future."), "due_date")
    if not 0 <= remind_days <= MAX_REMIND_DAYS:
        raise SubmissionError(
            _l("Remind at most %(days)d days before.", days=MAX_REMIND_DAYS), "remind_days"
        )
    _check_items(items)
    task = SubmissionTask(
        title=title.strip()[:120], instructions_html=sanitise_html(instructions),
        owner_region_code=owner_region_of(staff), due_at=due_at, remind_days=remind_days,
        created_by_id=staff.id,
    )  # fmt: skip
    task.units = [TaskUnit(region_code=code) for code in sorted(set(unit_codes))]
    task.items = [
        TaskItem(
            position=index,
            kind=item.kind,
            label=item.label,
            min_count=item.min_count,
            max_mb=item.max_mb,
            fields_json=json.dumps(item.field_names, ensure_ascii=False),
        )
        for index, item in enumerate(items)
    ]
    db.session.add(task)
    db.session.flush()
    city, district = region_label(task.owner_region_code)
    record(AuditAction.SUBMISSION_TASK_SET, actor=staff, city_code=city, district_code=district,
           details={"task": task.id, "title": task.title, "units": len(task.units)})  # fmt: skip
    return task


def close_task(staff: User, task: SubmissionTask, now: datetime | None = None) -> None:
    """Close a task: no more drafts, files or submissions (audited)."""
    if not owns(staff, task):
        raise SubmissionRefused(_l("Only the staff who set this task may close it."))
    if task.closed:
        raise SubmissionError(_l("This task is already closed."))
    task.closed_at = now or utcnow()
    city, district = region_label(task.owner_region_code)
    record(AuditAction.SUBMISSION_TASK_CLOSED, actor=staff, city_code=city,
           district_code=district, details={"task": task.id})  # fmt: skip
    db.session.flush()


def tasks_owned_by(staff: User) -> list[SubmissionTask]:
    if not may_set_tasks(staff):
        return []
    return list(
        db.session.scalars(
            select(SubmissionTask)
            .where(SubmissionTask.owner_region_code == owner_region_of(staff))
            .order_by(SubmissionTask.due_at.desc())
        )
    )


def tasks_for_unit(region_code: str | None) -> list[SubmissionTask]:
    """The tasks a unit must submit for, soonest due first."""
    if region_code is None:
        return []
    return list(
        db.session.scalars(
            select(SubmissionTask)
            .join(TaskUnit)
            .where(TaskUnit.region_code == region_code)
            .order_by(SubmissionTask.due_at)
        )
    )


def city_choices(staff: User) -> list[Region]:
    """The cities a staff member may ask for (province staff: all; city staff: their own)."""
    home = owner_home(staff)
    if home is None:
        return []
    if home.level is RegionLevel.PROVINCE:
        return list(home.children)
    return [home] if home.level is RegionLevel.CITY else []
