"""The region tree, keyed by the official 6-digit division code."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.extensions import db
from learnhub.translation_domain import current_locale


class RegionLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


class Region(db.Model):
    __tablename__ = "region"
    __table_args__ = (
        # Lets other tables require "this district lies in that city" as a foreign key.
        UniqueConstraint("code", "parent_code", name="code_parent"),
        CheckConstraint("length(code) = 6", name="code_six_digits"),
        CheckConstraint("population IS NULL OR population > 0", name="population_positive"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    level: Mapped[RegionLevel] = mapped_column(
        Enum(
            RegionLevel,
            name="region_level",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("region.code", ondelete="RESTRICT"), index=True
    )
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(8, 6))
    population: Mapped[int | None]

    parent: Mapped[Region | None] = relationship(remote_side=[code], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.code")

    @property
    def display_name(self) -> str:
        """The name in the page's language."""
        locale = current_locale()
        return self.name if locale is None or locale.language == "zh" else self.name_en

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
