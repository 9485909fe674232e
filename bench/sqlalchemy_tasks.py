"""SQLAlchemy 1.4 (Debian's python3-sqlalchemy) on the tasks example's own
`tasks` table (reflected from the database bench_gen built, with its
indexes, checks and foreign key): Core and ORM inserts in one transaction,
row by row and in bulk (Core executemany with a list of rows, and the ORM's
session.execute(insert(Task), rows), both one transaction, like generated
insert_many), and gets by key scoped by owner like the generated task_get.
Prints "<operation> <ops/s>" lines for bench_gen's table; each figure is
the median of three runs.

    python3 bench/sqlalchemy_tasks.py URL OWNER_UUID ROWS
URL is sqlite:///path or a postgres:// URL (through psycopg2).
"""
import sys
import time
from datetime import datetime, timezone

from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.orm import Session, declarative_base

url, owner, rows = sys.argv[1], sys.argv[2], min(int(sys.argv[3]), 20000)
if url.startswith("postgres://") or url.startswith("postgresql://"):
    url = "postgresql+psycopg2://" + url.split("://", 1)[1]
engine = create_engine(url, future=True)
meta = MetaData()
# SQLite keeps timestamps and UUIDs as text (declared TIMESTAMP, UUID): bind them as text there
text_times = [Column(c, String) for c in ("created_at", "updated_at", "deleted_at", "due_date", "user_id", "state")]
tasks = Table("tasks", meta, *(text_times if engine.dialect.name == "sqlite" else []), autoload_with=engine)
Base = declarative_base()


class Task(Base):
    __table__ = tasks


def stamp():
    # the text form Strata writes on SQLite; a datetime on PostgreSQL
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if engine.dialect.name == "sqlite" else now


def best(fn, reps=3):
    # the median of `reps` runs (the name is kept from when it was the best)
    return sorted(fn() for _ in range(reps))[reps // 2]


def core_insert():
    t0 = time.perf_counter()
    with engine.begin() as conn:
        stmt = insert(tasks)
        for i in range(rows):
            now = stamp()
            conn.execute(stmt, {"created_at": now, "updated_at": now, "user_id": owner,
                                "title": "a task title of ordinary length", "priority": i % 5, "state": "pending"})
    return time.perf_counter() - t0


def orm_insert():
    t0 = time.perf_counter()
    with Session(engine) as s, s.begin():
        for i in range(rows):
            now = stamp()
            s.add(Task(created_at=now, updated_at=now, user_id=owner, title="a task title of ordinary length",
                       priority=i % 5, state="pending"))
    return time.perf_counter() - t0


def bulk_rows():
    out = []
    for i in range(rows):
        now = stamp()
        out.append({"created_at": now, "updated_at": now, "user_id": owner,
                    "title": "a task title of ordinary length", "priority": i % 5, "state": "pending"})
    return out


def core_executemany():
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(tasks), bulk_rows())
    return time.perf_counter() - t0


def orm_bulk_insert():
    t0 = time.perf_counter()
    with Session(engine) as s, s.begin():
        s.execute(insert(Task), bulk_rows())
    return time.perf_counter() - t0


print("core-insert %.0f" % (rows / best(core_insert)))
print("orm-insert %.0f" % (rows / best(orm_insert)))
print("core-executemany %.0f" % (rows / best(core_executemany)))
print("orm-bulk-insert %.0f" % (rows / best(orm_bulk_insert)))
with engine.connect() as conn:
    ids = [r[0] for r in conn.execute(select(tasks.c.id).where(tasks.c.user_id == owner).limit(rows))]


def core_get():
    t0 = time.perf_counter()
    with engine.connect() as conn:
        base = select(tasks).where(tasks.c.user_id == owner).where(tasks.c.deleted_at.is_(None))
        for i in ids:
            conn.execute(base.where(tasks.c.id == i)).one()
    return time.perf_counter() - t0


def orm_get():
    t0 = time.perf_counter()
    with Session(engine) as s:
        for i in ids:
            s.execute(select(Task).where(Task.id == i, Task.user_id == owner, Task.deleted_at.is_(None))).scalar_one()
            s.expunge_all()
    return time.perf_counter() - t0


print("core-get %.0f" % (len(ids) / best(core_get)))
print("orm-get %.0f" % (len(ids) / best(orm_get)))
