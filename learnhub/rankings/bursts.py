"""Bursts of self-registrations from one network, and staff excluding them from the ranking.

A self-registration is *flagged* when some stretch of ``RANKINGS_BURST_MINUTES`` holds
more than ``RANKINGS_BURST_REGISTRATIONS`` self-registrations from its network (/24, /64,
by pseudonym). Whether one is flagged depends only on the registrations within that many
minutes either side of it, so the same registration is flagged on every page and action.
Flagged registrations of a network whose stretches overlap form one burst. The staff of a
city exclude the burst's registrations for their city from the ``registrations`` metric
(the rows get the decision's id; the daily figures of their days go down at once) or count
them again; each decision is a ``registration_review`` row: who, when, why, how many.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update

from learnhub.accounts.models import RegistrationSource, User
from learnhub.database import utcnow
from learnhub.extensions import db

from . import counting
from .aggregates import forget_cached_boards
from .events import add_registrations
from .leaderboard import RankingsInputError
from .models import RegistrationEvent, RegistrationReview

EXCLUDE = "exclude"
RESTORE = "restore"
LIST_DAYS = 31  # the staff page lists the bursts of this many days


class BurstError(RankingsInputError):
    """A decision that cannot be made; ``field`` names the form field it belongs to."""


@dataclass(frozen=True)
class Flagged:
    """A flagged self-registration."""

    id: int
    occurred_ms: int
    city_code: str
    address_key: str | None
    excluded: bool


@dataclass(frozen=True)
class BurstOfCity:
    """One burst as the staff of one city see it."""

    network_key: str
    start_ms: int  # the burst's first and last registration (every city)
    end_ms: int
    city_code: str
    registrations: int  # of this city
    excluded: int  # of these, excluded from the ranking
    whole_burst: int  # every city
    addresses: int  # distinct client addresses in the whole burst

    @property
    def network_label(self) -> str:
        return self.network_key[:8]

    @property
    def start(self) -> datetime:
        return datetime.fromtimestamp(self.start_ms / 1000, UTC)

    @property
    def end(self) -> datetime:
        return datetime.fromtimestamp(self.end_ms / 1000, UTC)


def _window_ms() -> int:
    return current_app.config["RANKINGS_BURST_MINUTES"] * 60_000


def flag(rows: list[Flagged]) -> list[list[Flagged]]:
    """Bursts (lists of flagged rows, in time order) among one network's registrations."""
    window, most = _window_ms(), current_app.config["RANKINGS_BURST_REGISTRATIONS"]
    rows = sorted(rows, key=lambda r: (r.occurred_ms, r.id))
    ranges: list[list[int]] = []  # [first, last + 1] of overlapping flagged stretches
    end = 0
    for first in range(len(rows)):
        end = max(end, first)
        while end < len(rows) and rows[end].occurred_ms - rows[first].occurred_ms < window:
            end += 1
        if end - first > most:
            if ranges and first < ranges[-1][1]:
                ranges[-1][1] = end
            else:
                ranges.append([first, end])
    return [rows[a:b] for a, b in ranges]


def _self_registrations(network_keys, lo_ms: int, hi_ms: int) -> dict[str, list[Flagged]]:
    r = RegistrationEvent
    found = db.session.execute(
        select(
            r.id, r.network_key, r.occurred_ms, r.city_code, r.address_key, r.excluded_by_id
        ).where(
            r.source == RegistrationSource.SELF,
            r.network_key.in_(network_keys),
            r.occurred_ms.between(lo_ms, hi_ms),
        )
    )
    by_network: dict[str, list[Flagged]] = defaultdict(list)
    for id_, network, at, city, address, excluded_by in found:
        by_network[network].append(Flagged(id_, at, city, address, excluded_by is not None))
    return by_network


def bursts(city_codes: frozenset[str] | None, now_ms: int | None = None) -> list[BurstOfCity]:
    """The bursts of the last LIST_DAYS involving these cities (None: every city), newest
    first, one entry per burst and city."""
    now_ms = counting.epoch_ms(utcnow()) if now_ms is None else now_ms
    since = now_ms - LIST_DAYS * 86_400_000 - _window_ms()
    r = RegistrationEvent
    crowded = (
        select(r.network_key)
        .where(r.source == RegistrationSource.SELF, r.network_key.is_not(None),
               r.occurred_ms >= since)
        .group_by(r.network_key)
        .having(func.count() > current_app.config["RANKINGS_BURST_REGISTRATIONS"])
    )  # fmt: skip
    found = []
    for network, rows in _self_registrations(crowded.scalar_subquery(), since, now_ms).items():
        for burst in flag(rows):
            addresses = len({row.address_key for row in burst})
            by_city: dict[str, list[Flagged]] = defaultdict(list)
            for row in burst:
                by_city[row.city_code].append(row)
            for city, members in by_city.items():
                if city_codes is None or city in city_codes:
                    found.append(BurstOfCity(
                        network, burst[0].occurred_ms, burst[-1].occurred_ms, city,
                        len(members), sum(m.excluded for m in members), len(burst), addresses,
                    ))  # fmt: skip
    found.sort(key=lambda b: (-b.start_ms, b.network_key, b.city_code))
    return found


def _flagged_ids(network_key: str, city_code: str, start_ms: int, end_ms: int) -> list[int]:
    """The flagged self-registrations of the network and city between the two times."""
    window = _window_ms()
    rows = _self_registrations([network_key], start_ms - window, end_ms + window)[network_key]
    return [
        row.id
        for burst in flag(rows)
        for row in burst
        if row.city_code == city_code and start_ms <= row.occurred_ms <= end_ms
    ]


def decide(
    action: str, staff: User, network_key: str, city_code: str, start_ms: int, end_ms: int,
    reason: str,
) -> RegistrationReview:  # fmt: skip
    """Exclude a burst's registrations of a city from the ranking, or count them again.

    The caller checks that ``staff`` may review the city's registrations, and commits.
    Raises BurstError when there is nothing to change (already done, or no such burst).
    """
    reason = (reason or "").strip()
    if not reason:
        raise BurstError("reason", _l("Say why, so the next person knows."))
    r = RegistrationEvent
    if action == EXCLUDE:  # only flagged registrations can be taken out
        chosen = r.id.in_(_flagged_ids(network_key, city_code, start_ms, end_ms))
        changed = r.excluded_by_id.is_(None)
    else:  # whatever was excluded between those times can count again
        chosen = and_(
            r.source == RegistrationSource.SELF, r.network_key == network_key,
            r.city_code == city_code, r.occurred_ms.between(start_ms, end_ms),
        )  # fmt: skip
        changed = r.excluded_by_id.is_not(None)
    review = RegistrationReview(
        action=action, city_code=city_code, network_key=network_key, burst_start_ms=start_ms,
        burst_end_ms=end_ms, registrations=0, reason=reason[:500], staff_id=staff.id,
        staff_name=staff.display_name[:80], decided_at=utcnow(),
    )  # fmt: skip
    db.session.add(review)
    db.session.flush()
    new_value, sign = (review.id, -1) if action == EXCLUDE else (None, 1)
    # Only rows this statement changes move the figures: a parallel decision on the same
    # burst finds them changed already (row locks; SQLite's one writer) and changes none.
    rows = db.session.execute(
        update(r)
        .where(chosen, changed)
        .values(excluded_by_id=new_value)
        .returning(r.day, r.city_code, r.district_code),
        execution_options={"synchronize_session": False},
    ).all()
    if not rows:
        message = (
            _l("These registrations are excluded already, or are no longer a burst.")
            if action == EXCLUDE
            else _l("These registrations count already.")
        )
        raise BurstError(None, message)
    review.registrations = len(rows)
    add_registrations(
        ((day, city, district, RegistrationSource.SELF, None) for day, city, district in rows),
        sign,
    )
    forget_cached_boards()
    return review


def decisions(city_codes: frozenset[str] | None, limit: int = 50) -> list[RegistrationReview]:
    """The latest decisions on these cities' registrations (None: every city)."""
    query = select(RegistrationReview).order_by(RegistrationReview.id.desc()).limit(limit)
    if city_codes is not None:
        query = query.where(RegistrationReview.city_code.in_(city_codes))
    return list(db.session.scalars(query))
