"""SQLAlchemy 1.4 (Debian's python3-sqlalchemy) on a table shaped like the
tasks example: Core and ORM inserts (one transaction) and gets by key.
Prints "<operation> <ops/s>" lines for bench_gen's table.

    python3 bench/sqlalchemy_tasks.py URL ROWS
URL is sqlite:///path or a postgres:// URL (run through psycopg2).
"""
import sys
import time
import uuid
from datetime import datetime, timezone

from sqlalchemy import (Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, insert, select)
from sqlalchemy.orm import Session, declarative_base

url, rows = sys.argv[1], min(int(sys.argv[2]), 20000)
if url.startswith("postgres://") or url.startswith("postgresql://"):
    url = "postgresql+psycopg2://" + url.split("://", 1)[1]
engine = create_engine(url, future=True)
Base = declarative_base()


class Task(Base):
    __tablename__ = "sa_tasks"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    deleted_at = Column(DateTime(timezone=True))
    user_id = Column(String(36), nullable=False)
    title = Column(String(200), nullable=False)
    priority = Column(Integer, nullable=False, default=0)
    state = Column(String(20), nullable=False, default="pending")
    config = Column(Text)


Base.metadata.drop_all(engine)
Base.metadata.create_all(engine)
owner = str(uuid.uuid4())
table = Task.__table__


def best(fn, reps=2):
    return min(fn() for _ in range(reps))


def core_insert():
    t0 = time.perf_counter()
    with engine.begin() as conn:
        stmt = insert(table)
        for i in range(rows):
            now = datetime.now(timezone.utc)
            conn.execute(stmt, {"created_at": now, "updated_at": now, "user_id": owner,
                                "title": "a task title of ordinary length", "priority": i % 5, "state": "pending"})
    return time.perf_counter() - t0


def orm_insert():
    t0 = time.perf_counter()
    with Session(engine) as s, s.begin():
        for i in range(rows):
            now = datetime.now(timezone.utc)
            s.add(Task(created_at=now, updated_at=now, user_id=owner, title="a task title of ordinary length",
                       priority=i % 5, state="pending"))
    return time.perf_counter() - t0


print("core-insert %.0f" % (rows / best(core_insert)))
print("orm-insert %.0f" % (rows / best(orm_insert)))
with engine.connect() as conn:
    ids = [r[0] for r in conn.execute(select(table.c.id).where(table.c.user_id == owner).limit(rows))]


def core_get():
    t0 = time.perf_counter()
    with engine.connect() as conn:
        stmt = select(table).where(table.c.user_id == owner).where(table.c.deleted_at.is_(None))
        for i in ids:
            conn.execute(stmt.where(table.c.id == i)).one()
    return time.perf_counter() - t0


def orm_get():
    t0 = time.perf_counter()
    with Session(engine) as s:
        for i in ids:
            s.get(Task, i)
            s.expunge_all()
    return time.perf_counter() - t0


print("core-get %.0f" % (len(ids) / best(core_get)))
print("orm-get %.0f" % (len(ids) / best(orm_get)))
Base.metadata.drop_all(engine)
