#!/usr/bin/env python3
"""Grow a demo county's work orders to N rows for the UI benchmark (make bench-ui).

Usage: scripts/ui-bench-data.py DATA_DIR [--orders N] [--batch B] [--seed S]

DATA_DIR is a directory made by `jiceng demo --data-dir DATA_DIR` (about 3,000 orders in
DATA_DIR/jiceng.db). The script copies the existing orders, in batches inside transactions, until
`work_orders` holds N rows (default 1,000,000). Each copy gets
  - a fresh 16-byte id: a uuid v7 whose 48-bit millisecond prefix is the copy's creation time,
    the rest random (version and variant bits set);
  - a number unique in its county: `JC` + the county code of the original + the local date
    (Asia/Shanghai) + a 6-digit sequence, on dates in 2024-2025 that the demo (which lives in
    the recent past) never uses;
  - created_at, updated_at, handling_due and due_at (microseconds since the epoch) shifted by the
    same amount into the past, so that created_at is the copy's time;
  - tracking_hash NULL (a citizen's tracking code belongs to one order);
  - the JSON `doc` updated with json_set so that its id, number, status, created_at,
    updated_at and handling_due agree with the columns;
  - status `archived` (column and doc) for enough of the copies that about 95 % of all the orders
    are archived (the demo's own mix is about 70 % archived); the others keep the original's
    status, so the handlers' inboxes grow like a real county's.
No other table is touched: lists read work_orders only.
Python 3 standard library only.
"""

import argparse
import datetime as dt
import os
import random
import sqlite3
import sys
import time
import uuid

LOCAL = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai, no DST
FIRST_DAY = dt.date(2024, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
ARCHIVED_SHARE = 0.95  # of all the orders once grown
SECOND = 1_000_000  # the time columns are microseconds


def uuid7(ms: int, rng: random.Random) -> bytes:
    """A uuid v7: 48-bit Unix milliseconds, then random bits with the version and variant set."""
    b = bytearray(ms.to_bytes(6, "big") + rng.getrandbits(80).to_bytes(10, "big"))
    b[6] = (b[6] & 0x0F) | 0x70
    b[8] = (b[8] & 0x3F) | 0x80
    return bytes(b)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir")
    ap.add_argument("--orders", type=int, default=1_000_000, help="rows wanted in work_orders")
    ap.add_argument("--batch", type=int, default=20_000, help="rows per transaction")
    ap.add_argument("--seed", type=int, default=12345)
    args = ap.parse_args()

    path = os.path.join(args.data_dir, "jiceng.db")
    if not os.path.exists(path):
        print(f"no database at {path} (run `jiceng demo --data-dir {args.data_dir}` first)", file=sys.stderr)
        return 1
    started = time.monotonic()
    rng = random.Random(args.seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -200000")

    sources = db.execute(
        "SELECT rowid, county_id, substr(number, 3, 6), created_at FROM work_orders ORDER BY created_at, rowid"
    ).fetchall()
    have = len(sources)
    if have == 0:
        print("work_orders is empty: nothing to copy", file=sys.stderr)
        return 1
    todo = args.orders - have
    if todo <= 0:
        print(f"work_orders already holds {have} rows (>= {args.orders}); nothing to do")
        return 0
    taken = {
        (c, n)
        for c, n in db.execute("SELECT county_id, number FROM work_orders WHERE substr(number, 9, 4) IN ('2024', '2025')")
    }

    # Archive a copy with probability p, so that the copies of the non-archived originals bring
    # the whole county to ARCHIVED_SHARE: p + (1 - p) * a = share, a the originals' archived share.
    a = db.execute("SELECT avg(status = 'archived') FROM work_orders").fetchone()[0]
    p_archive = 1.0 if a >= 1 else min(1.0, max(0.0, (ARCHIVED_SHARE - a) / (1 - a)))

    days = (LAST_DAY - FIRST_DAY).days + 1
    per_day = -(-todo // days)  # ceiling
    if per_day > 999_999:
        print(f"{todo} copies need more than 999,999 numbers a day", file=sys.stderr)
        return 1
    step = SECOND * 86_400 // per_day  # spread each day's copies over the day

    db.execute(
        """CREATE TEMP TABLE copies (
               src INTEGER NOT NULL, id BLOB NOT NULL, id_text TEXT NOT NULL, number TEXT NOT NULL,
               shift INTEGER NOT NULL, archive INTEGER NOT NULL)"""
    )
    insert = """
        INSERT INTO work_orders (county_id, id, number, status, channel, category, urgency, title,
            content, caller_phone, region_unit_id, region_path, lead_unit_id, lead_path,
            handling_due, pending_extension, created_by, created_at, updated_at, version, doc,
            due_at, tracking_hash)
        SELECT w.county_id, c.id, c.number,
            CASE WHEN c.archive THEN 'archived' ELSE w.status END,
            w.channel, w.category, w.urgency, w.title, w.content, w.caller_phone,
            w.region_unit_id, w.region_path, w.lead_unit_id, w.lead_path,
            w.handling_due + c.shift, w.pending_extension, w.created_by,
            w.created_at + c.shift, w.updated_at + c.shift, w.version,
            json_set(w.doc,
                '$.id', c.id_text,
                '$.number', c.number,
                '$.status', CASE WHEN c.archive THEN 'archived' ELSE json_extract(w.doc, '$.status') END,
                '$.created_at', strftime('%Y-%m-%dT%H:%M:%SZ', (w.created_at + c.shift) / 1000000, 'unixepoch'),
                '$.updated_at', strftime('%Y-%m-%dT%H:%M:%SZ', (w.updated_at + c.shift) / 1000000, 'unixepoch'),
                '$.handling_due', CASE WHEN w.handling_due IS NULL THEN json_extract(w.doc, '$.handling_due')
                    ELSE strftime('%Y-%m-%dT%H:%M:%SZ', (w.handling_due + c.shift) / 1000000, 'unixepoch') END),
            w.due_at + c.shift, NULL
        FROM copies c JOIN work_orders w ON w.rowid = c.src
        ORDER BY c.rowid
    """

    done = 0
    next_report = 100_000
    while done < todo:
        n = min(args.batch, todo - done)
        rows = []
        for k in range(done, done + n):
            src_rowid, county, code, src_created = sources[k % have]
            day = FIRST_DAY + dt.timedelta(days=k // per_day)
            seq = k % per_day + 1
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL)
            created = int(midnight.timestamp()) * SECOND + (seq - 1) * step
            created -= created % SECOND  # whole seconds, as the doc's times are written
            number = f"JC{code}{day:%Y%m%d}{seq:06d}"
            if (county, number) in taken:
                print(f"number {number} is already taken", file=sys.stderr)
                return 1
            new_id = uuid7(created // 1000, rng)
            rows.append((src_rowid, new_id, str(uuid.UUID(bytes=new_id)), number, created - src_created,
                         1 if rng.random() < p_archive else 0))
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM copies")
            db.executemany("INSERT INTO copies VALUES (?, ?, ?, ?, ?, ?)", rows)
            db.execute(insert)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        done += n
        while done >= next_report or done == todo:
            print(f"{have + done:>9,} orders ({time.monotonic() - started:.0f} s)", flush=True)
            if done == todo:
                break
            next_report += 100_000

    db.execute("DROP TABLE copies")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = db.execute("SELECT count(*) FROM work_orders").fetchone()[0]
    archived = db.execute("SELECT count(*) FROM work_orders WHERE status = 'archived'").fetchone()[0]
    db.close()
    print(
        f"work_orders: {have:,} -> {total:,} rows ({archived / total:.1%} archived) in {path}, "
        f"{todo:,} copies in {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
