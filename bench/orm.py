"""Method 5, the earlier system's way: SQLAlchemy ORM objects and ``Session.bulk_save_objects``.

One mapped class per telemetry table (the ORM needs a primary key: the natural key within a
load); objects are built from the frame's rows inside the timing, as that system built them.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Boolean, DateTime, Integer, Interval, SmallInteger, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bench.frames import head_rows, telemetry_loads
from bench.measure import Stopwatch
from bench.season import SeasonSpec
from bench.server_copy import table_columns
from flows.load.connection import connect
from flows.load.raw_tables import attach_partition_sql, partition_table_sql

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
    """params: season, url, rows (optional)."""
    season = SeasonSpec.from_params(params["season"]).build()
    load_id, frames = next(telemetry_loads(season, 0, 1))
    frames = head_rows(frames, params.get("rows", ROWS))
    empty_partitions(params["url"], load_id)
    engine = create_engine(sqlalchemy_url(params["url"]))
    watch = Stopwatch()
    try:
        with watch.timed(), Session(engine) as session:
            for table, frame in frames.items():
                model = MODELS[table]
                session.bulk_save_objects([model(**row) for row in frame.iter_rows(named=True)])
            session.commit()
    finally:
        engine.dispose()
    return {"rows": sum(frame.height for frame in frames.values()), "seconds": watch.seconds}


def empty_partitions(url: str, load_id: str) -> None:
    """The load's (empty) partitions, attached: rows inserted into raw.<table> land there."""
    with connect(url) as conn:
        cursor = conn.cursor()
        for table in MODELS:
            cursor.execute(partition_table_sql(table, load_id, table_columns(cursor, table), {}))
            cursor.execute(attach_partition_sql(table, load_id))
        conn.commit()


def sqlalchemy_url(url: str) -> str:
    """The same URL with SQLAlchemy's default PostgreSQL driver, psycopg2 (what a plain
    ``postgresql://`` engine, as the earlier system's, uses)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg2"))
