"""Method 5, the earlier system's way: SQLAlchemy ORM objects and ``Session.bulk_save_objects``.

One mapped class per telemetry table (the ORM needs a primary key: the natural key within a
load); objects are built from the frame's rows inside the timing, as that system built them.
"""

from __future__ import annotations

import statistics
from functools import partial
from urllib.parse import urlsplit, urlunsplit

import polars as pl
from sqlalchemy import Boolean, DateTime, Integer, Interval, SmallInteger, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bench.measure import seconds
from bench.row_layout import empty_partitions, first_session_rows

ROWS = 20_000


class Base(DeclarativeBase):
    pass


class _Lineage:
    _load_id: Mapped[str] = mapped_column(Text, primary_key=True)
    _loaded_at = mapped_column(DateTime(timezone=True))
    session_id = mapped_column(Text)
    driver_number: Mapped[str] = mapped_column(Text, primary_key=True)
    sampled_at = mapped_column(DateTime(timezone=True), primary_key=True)
    session_time = mapped_column(Interval)
    source = mapped_column(Text)


class CarData(_Lineage, Base):
    __tablename__ = "car_data"
    __table_args__ = {"schema": "raw"}  # noqa: RUF012 - SQLAlchemy's declarative convention
    rpm = mapped_column(Integer)
    speed = mapped_column(SmallInteger)
    n_gear = mapped_column(SmallInteger)
    throttle = mapped_column(SmallInteger)
    brake = mapped_column(Boolean)
    drs = mapped_column(SmallInteger)


class PositionData(_Lineage, Base):
    __tablename__ = "position_data"
    __table_args__ = {"schema": "raw"}  # noqa: RUF012 - SQLAlchemy's declarative convention
    status = mapped_column(Text)
    x = mapped_column(Integer)
    y = mapped_column(Integer)
    z = mapped_column(Integer)


MODELS = {"car_data": CarData, "position_data": PositionData}


def run(params: dict) -> dict:
    """params: season, url, rows and runs (optional). The figure is the median of the runs,
    each into the same emptied partitions."""
    frames = first_session_rows(params, ROWS)
    engine = create_engine(sqlalchemy_url(params["url"]))
    rounds = []
    try:
        for _ in range(params.get("runs", 1)):
            empty_partitions(params["url"], frames)
            rounds.append(seconds(partial(_save, engine, frames)))
    finally:
        engine.dispose()
    return {
        "rows": sum(frame.height for frame in frames.values()),
        "seconds": statistics.median(rounds),
        "rounds": rounds,
    }


def _save(engine, frames: dict[str, pl.DataFrame]) -> None:
    with Session(engine) as session:
        for table, frame in frames.items():
            model = MODELS[table]
            session.bulk_save_objects([model(**row) for row in frame.iter_rows(named=True)])
        session.commit()


def sqlalchemy_url(url: str) -> str:
    """The same URL with SQLAlchemy's default PostgreSQL driver, psycopg2 (what a plain
    ``postgresql://`` engine, as the earlier system's, uses)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg2"))
