#!/usr/bin/env python3
"""Fails when a county table's keys or a statement on one do not name the county first.

The county is the tenant key (issue 17): a province on a distributed engine shards every county
table by `county_id`, which works only when the column leads every primary key, unique key and
index of the table, every foreign key to another county table starts with it, and every statement
names it. Tables that belong to no county are declared in GLOBAL below; every other table is a
county table, so a new table has to choose.

Schema: the SQLite migrations are applied in order to an in-memory database and read back through
its pragmas; the PostgreSQL migrations are read as text (CREATE/ALTER/DROP of tables and
indexes). Empty strings: no SQL literal compares with '' and no "" is bound as a value, since engines in
Oracle-compatible modes read '' as NULL. Statements: the SQL string literals of the store (and of the server and CLI, which
should have none) must filter every county table by `county_id` (`= $n` or `IN (...)`, or a join
on another table's `county_id`); an INSERT must name `county_id`. A literal that starts a
`QueryBuilder` or a `format!` may get its predicate from the literals pushed after it in the
same function.

`--self-test` runs the check on synthetic migrations and sources, then on copies with one key or
one predicate removed, and fails unless each removal is caught.
"""
import pathlib
import re
import sqlite3
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SQLITE_DIR = ROOT / "crates/jiceng-store/migrations/sqlite"
POSTGRES_DIR = ROOT / "crates/jiceng-store/migrations/postgres"
SOURCE_DIRS = [
    ROOT / "crates/jiceng-store/src",
    ROOT / "crates/jiceng-server/src",
    ROOT / "crates/jiceng/src",
]

# Data of no county: the org tree, people and their credentials, models, throttles and leases;
# the single audit log closed by migration 0019 (a frozen archive from before the county chains)
# and the province-wide checkpoints that sign a tree over every chain.
GLOBAL = {
    "org_units", "users", "user_roles", "sessions", "api_tokens", "login_attempts", "models",
    "attempt_throttles", "job_leases", "_sqlx_migrations",
    "audit_log_closed", "audit_head_closed", "audit_checkpoints_closed", "audit_province_checkpoints",
}
KEY = "county_id"


# ---------------------------------------------------------------- schema rules (both backends)

class Table:
    def __init__(self, name):
        self.name = name
        self.columns = []
        self.pk = []
        self.uniques = {}  # name -> columns
        self.fks = {}  # name -> (columns, referenced table, referenced columns)


def key_problems(where, tables, indexes):
    """`tables`: name -> Table; `indexes`: name -> (table, columns, unique)."""
    out = []
    for t in sorted(tables.values(), key=lambda t: t.name):
        if t.name in GLOBAL:
            continue
        say = lambda what: out.append(f"{where}: table {t.name}: {what}")
        if KEY not in t.columns:
            say(f"no {KEY} column (a county table; add it, or declare the table global)")
            continue
        if not t.pk:
            say(f"no primary key (it must lead with {KEY})")
        elif t.pk[0] != KEY:
            say(f"primary key ({', '.join(t.pk)}) does not lead with {KEY}")
        for name, cols in sorted(t.uniques.items()):
            if not cols or cols[0] != KEY:
                say(f"unique key {name} ({', '.join(map(str, cols))}) does not lead with {KEY}")
        for name, (cols, ref, ref_cols) in sorted(t.fks.items()):
            if ref in GLOBAL:
                continue  # a reference table on every node: no county needed
            if cols[:1] != [KEY] or ref_cols[:1] != [KEY]:
                say(f"foreign key {name} ({', '.join(cols)}) -> {ref} ({', '.join(ref_cols)}) "
                    f"does not lead with {KEY} on both sides")
    for name, (table, cols, unique) in sorted(indexes.items()):
        if table in GLOBAL or table not in tables:
            continue
        if not cols or cols[0] != KEY:
            kind = "unique index" if unique else "index"
            out.append(f"{where}: table {table}: {kind} {name} "
                       f"({', '.join(map(str, cols))}) does not lead with {KEY}")
    return out


# ---------------------------------------------------------------- SQLite: apply and read back

def sqlite_schema(folder):
    db = sqlite3.connect(":memory:")
    for f in sorted(folder.glob("*.sql")):
        try:
            db.executescript(f.read_text())
        except sqlite3.Error as e:
            sys.exit(f"{f}: cannot apply to SQLite: {e}")
    tables, indexes = {}, {}
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for name in names:
        t = tables[name] = Table(name)
        info = list(db.execute(f'PRAGMA table_info("{name}")'))
        t.columns = [r[1] for r in info]
        t.pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        for _, iname, unique, origin, _ in db.execute(f'PRAGMA index_list("{name}")'):
            cols = [r[2] or "<expression>" for r in db.execute(f'PRAGMA index_info("{iname}")')]
            if origin == "u":
                t.uniques[iname] = cols
            elif origin == "c":
                indexes[iname] = (name, cols, bool(unique))
        fks = {}
        for fid, seq, ref, col, ref_col, *_ in db.execute(f'PRAGMA foreign_key_list("{name}")'):
            cols, _, ref_cols = fks.setdefault(fid, ([], ref, []))
            cols.append(col)
            ref_cols.append(ref_col or "<its primary key>")
        for fid, fk in fks.items():
            t.fks[f"#{fid} ({', '.join(fk[0])})"] = fk
    return tables, indexes


# ---------------------------------------------------------------- PostgreSQL: read the text

def split_top(text, sep=","):
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def cols_of(text):
    return [c.strip().split()[0].strip('"').lower() if re.match(r'^\s*"?\w+"?\s*$|^\s*\w+\s',
            c) else "<expression>" for c in split_top(text)]


def statements(sql):
    sql = re.sub(r"\$\$.*?\$\$", "''", sql, flags=re.S)  # function bodies
    sql = re.sub(r"--[^\n]*", "", sql)
    return [" ".join(s.split()) for s in sql.split(";") if s.strip()]


def paren_body(s, start):
    """The text inside the parenthesis that opens at or after `start`, and the index after it."""
    i = s.index("(", start)
    depth = 0
    for j in range(i, len(s)):
        depth += {"(": 1, ")": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1:j], j + 1
    raise ValueError("unbalanced parentheses")


def pg_constraint(t, item, name=None):
    """Adds a table constraint (`PRIMARY KEY (..)`, `UNIQUE (..)`, `FOREIGN KEY ..`) to `t`."""
    m = re.match(r"(?i)CONSTRAINT\s+(\w+)\s+(.*)", item)
    if m:
        name, item = m.group(1), m.group(2)
    up = item.upper()
    if up.startswith("PRIMARY KEY"):
        t.pk = cols_of(paren_body(item, 0)[0])
        t.pk_name = name or f"{t.name}_pkey"
    elif up.startswith("UNIQUE"):
        cols = cols_of(paren_body(item, 0)[0])
        t.uniques[name or f"{t.name}_{'_'.join(cols)}_key"] = cols
    elif up.startswith("FOREIGN KEY"):
        cols_text, end = paren_body(item, 0)
        m = re.match(r"(?i)\s*REFERENCES\s+(\w+)\s*(\(([^)]*)\))?", item[end:])
        cols = cols_of(cols_text)
        ref_cols = cols_of(m.group(3)) if m.group(3) else ["<its primary key>"]
        t.fks[name or f"{t.name}_{'_'.join(cols)}_fkey"] = (cols, m.group(1).lower(), ref_cols)
    else:
        return False
    return True


def pg_column(t, item):
    name = item.split()[0].strip('"').lower()
    t.columns.append(name)
    if re.search(r"(?i)\bPRIMARY\s+KEY\b", item):
        t.pk, t.pk_name = [name], f"{t.name}_pkey"
    if re.search(r"(?i)\bUNIQUE\b", item):
        t.uniques[f"{t.name}_{name}_key"] = [name]
    m = re.search(r"(?i)\bREFERENCES\s+(\w+)\s*(\(([^)]*)\))?", item)
    if m:
        ref_cols = cols_of(m.group(3)) if m.group(3) else ["<its primary key>"]
        t.fks[f"{t.name}_{name}_fkey"] = ([name], m.group(1).lower(), ref_cols)


def pg_schema(folder):
    tables, indexes = {}, {}
    for f in sorted(folder.glob("*.sql")):
        for s in statements(f.read_text()):
            try:
                pg_statement(s, tables, indexes)
            except (ValueError, AttributeError, KeyError) as e:
                sys.exit(f"{f}: cannot read `{s[:80]}…`: {e!r}")
    return tables, indexes


def rename_col(cols, old, new):
    return [new if c == old else c for c in cols]


def pg_statement(s, tables, indexes):
    m = re.match(r"(?i)CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", s)
    if m:
        t = tables[m.group(1).lower()] = Table(m.group(1).lower())
        body, _ = paren_body(s, m.end())
        for item in split_top(body):
            if not pg_constraint(t, item) and not re.match(r"(?i)(CHECK|EXCLUDE)\b", item):
                pg_column(t, item)
        return
    m = re.match(r"(?i)CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
                 r"(\w+)\s+ON\s+(?:ONLY\s+)?(\w+)", s)
    if m:
        body, _ = paren_body(s, m.end())
        indexes[m.group(2).lower()] = (m.group(3).lower(), cols_of(body), bool(m.group(1)))
        return
    m = re.match(r"(?i)DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(.*)", s)
    if m:
        for name in m.group(1).replace("CASCADE", "").split(","):
            indexes.pop(name.strip().lower(), None)
        return
    m = re.match(r"(?i)ALTER\s+INDEX\s+(?:IF\s+EXISTS\s+)?(\w+)\s+RENAME\s+TO\s+(\w+)", s)
    if m:
        old, new = m.group(1).lower(), m.group(2).lower()
        if old in indexes:
            indexes[new] = indexes.pop(old)
        for t in tables.values():  # a constraint's index renames the constraint
            if getattr(t, "pk_name", None) == old:
                t.pk_name = new
            for d in (t.uniques, t.fks):
                if old in d:
                    d[new] = d.pop(old)
        return
    m = re.match(r"(?i)DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)", s)
    if m:
        name = m.group(1).lower()
        tables.pop(name, None)
        for i in [i for i, v in indexes.items() if v[0] == name]:
            del indexes[i]
        return
    m = re.match(r"(?i)ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(\w+)\s+(.*)", s)
    if m:
        name, rest = m.group(1).lower(), m.group(2)
        r = re.match(r"(?i)RENAME\s+TO\s+(\w+)$", rest)
        if r:
            t = tables.pop(name)
            t.name = r.group(1).lower()
            tables[t.name] = t
            for i, (tab, cols, u) in list(indexes.items()):
                if tab == name:
                    indexes[i] = (t.name, cols, u)
            return
        t = tables[name]
        for action in split_top(rest):
            pg_alter(t, action, indexes, tables)


def drop_referencing(tables, table, cols):
    """`DROP CONSTRAINT … CASCADE` of a key drops the foreign keys that reference it."""
    for other in tables.values():
        other.fks = {k: v for k, v in other.fks.items()
                     if not (v[1] == table and (v[2] == cols or v[2] == ["<its primary key>"]))}


def pg_alter(t, action, indexes, tables):
    r = re.match(r"(?i)RENAME\s+(?:COLUMN\s+)?(\w+)\s+TO\s+(\w+)$", action)
    if r:
        old, new = r.group(1).lower(), r.group(2).lower()
        t.columns = rename_col(t.columns, old, new)
        t.pk = rename_col(t.pk, old, new)
        t.uniques = {k: rename_col(v, old, new) for k, v in t.uniques.items()}
        t.fks = {k: (rename_col(c, old, new), ref, rc) for k, (c, ref, rc) in t.fks.items()}
        for i, (tab, cols, u) in list(indexes.items()):
            if tab == t.name:
                indexes[i] = (tab, rename_col(cols, old, new), u)
        return
    r = re.match(r"(?i)ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(.*)", action)
    if r:
        item = r.group(1)
        if not pg_constraint(t, item):
            pg_column(t, item)
        return
    r = re.match(r"(?i)DROP\s+CONSTRAINT\s+(?:IF\s+EXISTS\s+)?(\w+)(\s+CASCADE)?", action)
    if r:
        name, cascade = r.group(1).lower(), bool(r.group(2))
        if getattr(t, "pk_name", None) == name:
            if cascade:
                drop_referencing(tables, t.name, t.pk)
            t.pk = []
        if cascade and name in t.uniques:
            drop_referencing(tables, t.name, t.uniques[name])
        t.uniques.pop(name, None)
        t.fks.pop(name, None)
        return
    r = re.match(r"(?i)DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(\w+)", action)
    if r:
        col = r.group(1).lower()
        t.columns = [c for c in t.columns if c != col]
        if col in t.pk:
            t.pk = []
        t.uniques = {k: v for k, v in t.uniques.items() if col not in v}
        t.fks = {k: v for k, v in t.fks.items() if col not in v[0]}
        for i in [i for i, v in indexes.items() if v[0] == t.name and col in v[1]]:
            del indexes[i]


# ---------------------------------------------------------------- statements in Rust sources

LITERAL = re.compile(r'''//[^\n]*|/\*.*?\*/|'(?:\\.|[^\\'])'|r(#*)"(.*?)"\1|"((?:\\.|[^\\"])*)"''',
                     re.S)
FUNCTION = re.compile(r"\bfn\s+\w+")


def unescape(s):
    s = re.sub(r"\\\n\s*", "", s)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def literals(text):
    """(offset, text) of each string literal outside comments and `#[cfg(test)]` modules."""
    text = text.split("#[cfg(test)]")[0]
    out = []
    for m in LITERAL.finditer(text):
        if m.group(0).startswith(("//", "/*", "'")):
            continue
        out.append((m.start(), m.group(2) if m.group(2) is not None else unescape(m.group(3))))
    return text, out


STATEMENT = re.compile(r"(?is)^\s*(WITH\b.*?\)\s*)?(SELECT|INSERT|UPDATE|DELETE)\b")
TABLE_REF = re.compile(r"(?i)\b(FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(?!WHERE|SET|ON|"
                       r"JOIN|LEFT|INNER|CROSS|ORDER|GROUP|LIMIT|VALUES|USING|RETURNING|WHERE)"
                       r"([a-z_]\w*))?")


def covered_aliases(sql, later):
    """The aliases whose county the statement fixes: `a.county_id = $n` (or `IN (..)`, `= ANY(..)`),
    a literal `a.county_id` handed to a helper that pushes the predicate, and, through a join on
    `a.county_id = b.county_id`, the other side. `""` stands for a bare `county_id`."""
    eq = r"(?:=\s*(?:\$\d+|\?|\x00|$)|\bIN\s*\(|=\s*ANY\s*\()"
    fixed = {(m.group(1) or "").lower() for m in
             re.finditer(rf"(?i)(?<![\w.])(?:(\w+)\.)?{KEY}\s*{eq}", sql)}
    fixed |= {(m.group(1) or "").lower() for l in later
              if (m := re.fullmatch(rf"\s*(?:(\w+)\.)?{KEY}\s*", l))}
    links = [(a.lower(), b.lower()) for a, b in
             re.findall(rf"(?i)\b(\w+)\.{KEY}\s*=\s*(\w+)\.{KEY}\b", sql)]
    grown = True
    while grown:
        grown = False
        for a, b in links:
            for x, y in ((a, b), (b, a)):
                if x in fixed and y not in fixed:
                    fixed.add(y)
                    grown = True
    return fixed


def statement_problems(path, text, county):
    text, lits = literals(text)
    out = []
    for i, (pos, lit) in enumerate(lits):
        if not STATEMENT.match(lit):
            continue
        refs = [(m.group(1).upper(), m.group(2).lower(), (m.group(3) or m.group(2)).lower())
                for m in TABLE_REF.finditer(lit)]
        on_county = [r for r in refs if r[1] in county]
        if not on_county:
            continue
        # What is pushed after the literal in the same function may carry the predicate.
        nxt = FUNCTION.search(text, pos)
        end = nxt.start() if nxt else len(text)
        later = [l for p, l in lits[i + 1:] if p < end and not STATEMENT.match(l)]
        # \x00 marks where a literal ends: `county_id = ` there takes its value from a bind.
        sql = "\x00".join([lit] + later)
        line = text.count("\n", 0, pos) + 1
        head = " ".join(lit.split())[:70]
        fixed = covered_aliases(sql, later)
        for kind, table, alias in on_county:
            if kind == "INTO":
                cols = re.search(rf"(?i)\bINTO\s+{table}\s*\(([^)]*)\)", lit)
                if not cols or KEY not in [c.strip().lower() for c in cols.group(1).split(",")]:
                    out.append(f"{path}:{line}: INSERT INTO {table} does not name {KEY}: {head}")
            elif alias not in fixed and not ("" in fixed and (alias == table or len(refs) == 1)):
                verb = "UPDATE" if kind == "UPDATE" else lit.split()[0].upper()
                out.append(f"{path}:{line}: {verb} over {table} has no {KEY} predicate: {head}")
    return out


def sentinel_problems(path, text):
    """Empty strings as values: openGauss in its default mode (and KingbaseES with
    `ora_input_emptystr_isnull`) reads '' as NULL, so `x <> ''` or a bound "" matches nothing."""
    text, lits = literals(text)
    out = []
    for pos, lit in lits:
        if STATEMENT.match(lit) and "''" in lit:
            out.append(f"{path}:{text.count(chr(10), 0, pos) + 1}: SQL compares with the empty "
                       f"string '' (NULL on some engines): {' '.join(lit.split())[:70]}")
    for m in re.finditer(r"\.bind\(", text):
        if '""' not in paren_body(text, m.end() - 1)[0]:
            continue
        out.append(f"{path}:{text.count(chr(10), 0, m.start()) + 1}: binds an empty string "
                   "as a value (NULL on some engines): use a separate statement or NULL")
    return out


def source_problems(dirs, county):
    out = []
    for d in dirs:
        for f in sorted(d.rglob("*.rs")):
            rel = f.relative_to(ROOT) if f.is_relative_to(ROOT) else f
            text = f.read_text()
            out += statement_problems(rel, text, county) + sentinel_problems(rel, text)
    return out


# ---------------------------------------------------------------- the check and its self-test

def check(sqlite_dir, pg_dir, source_dirs):
    lite_tables, lite_indexes = sqlite_schema(sqlite_dir)
    pg_tables, pg_indexes = pg_schema(pg_dir)
    problems = key_problems("SQLite", lite_tables, lite_indexes)
    problems += key_problems("PostgreSQL", pg_tables, pg_indexes)
    county = (set(lite_tables) | set(pg_tables)) - GLOBAL
    problems += source_problems(source_dirs, county)
    return problems, len(county)


SYNTHETIC_SQLITE = """
CREATE TABLE users (id BLOB PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE work_orders (
    id BLOB NOT NULL, county_id BLOB NOT NULL, number TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    PRIMARY KEY (county_id, id), UNIQUE (county_id, number));
CREATE INDEX work_orders_due ON work_orders (county_id, number);
CREATE TABLE order_redactions (tree BLOB NOT NULL, order_id BLOB NOT NULL,
    PRIMARY KEY (tree, order_id),
    FOREIGN KEY (tree, order_id) REFERENCES work_orders (county_id, id));
ALTER TABLE order_redactions RENAME COLUMN tree TO county_id;
"""
SYNTHETIC_PG = """
-- why: a synthetic schema for the self-test
CREATE TABLE users (id UUID PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE work_orders_old (id UUID PRIMARY KEY);
CREATE TABLE work_orders (
    id UUID NOT NULL,
    county_id UUID NOT NULL,
    number TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES users (id),
    CONSTRAINT work_orders_key PRIMARY KEY (county_id, id),
    UNIQUE (county_id, number)
);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
DROP TABLE work_orders_old;
CREATE INDEX work_orders_due ON work_orders (county_id, number) WHERE number IS NOT NULL;
CREATE TABLE order_redactions (tree UUID NOT NULL, order_id UUID NOT NULL,
    PRIMARY KEY (tree, order_id),
    FOREIGN KEY (tree, order_id) REFERENCES work_orders (county_id, id));
ALTER TABLE order_redactions RENAME COLUMN tree TO county_id;
CREATE TABLE notes (id UUID PRIMARY KEY, county_id UUID NOT NULL);
CREATE TABLE note_links (county_id UUID NOT NULL, note_id UUID NOT NULL REFERENCES notes (id),
    PRIMARY KEY (county_id, note_id));
ALTER TABLE notes DROP CONSTRAINT notes_pkey CASCADE, ADD PRIMARY KEY (county_id, id);
ALTER TABLE note_links ADD FOREIGN KEY (county_id, note_id) REFERENCES notes (county_id, id);
"""
SYNTHETIC_RS = r'''
const GET: &str = "SELECT number FROM work_orders WHERE county_id = $1 AND id = $2";
async fn put() {
    sqlx::query("INSERT INTO work_orders (id, county_id, number, created_by) VALUES ($1, $2, $3, $4)");
    sqlx::query(
        "UPDATE work_orders SET number = $1 \
         WHERE county_id = $2 AND id = $3",
    );
    sqlx::query("DELETE FROM order_redactions WHERE county_id = $1 AND order_id = $2");
    sqlx::query("SELECT u.name FROM users u WHERE u.id = $1"); // global: no county
    let tricky = '"';
}
async fn list() {
    let mut qb = QueryBuilder::new("SELECT o.id, r.order_id FROM work_orders o \
        JOIN order_redactions r ON r.county_id = o.county_id AND r.order_id = o.id WHERE ");
    push_counties(&mut qb, "o.county_id", counties);
}
async fn due() {
    let mut qb = QueryBuilder::new("SELECT id FROM work_orders WHERE county_id = ");
    qb.push_bind(county.0).push(" AND number = ");
}
'''
# (what is removed, file, text before, text after, what the message must say)
MUTATIONS = [
    ("county_id from a SQLite primary key", "sqlite", "PRIMARY KEY (county_id, id)",
     "PRIMARY KEY (id)", "SQLite: table work_orders: primary key (id)"),
    ("county_id from a PostgreSQL primary key", "pg", "PRIMARY KEY (county_id, id)",
     "PRIMARY KEY (id)", "PostgreSQL: table work_orders: primary key (id)"),
    ("county_id from a unique key", "pg", "UNIQUE (county_id, number)", "UNIQUE (number)",
     "unique key work_orders_number_key (number)"),
    ("county_id from a SQLite unique key", "sqlite", "UNIQUE (county_id, number)",
     "UNIQUE (number)", "SQLite: table work_orders: unique key"),
    ("county_id from an index", "pg", "ON work_orders (county_id, number)",
     "ON work_orders (number)", "index work_orders_due (number)"),
    ("county_id from a SQLite index", "sqlite", "ON work_orders (county_id, number)",
     "ON work_orders (number)", "SQLite: table work_orders: index work_orders_due"),
    ("county_id from a foreign key", "pg", "FOREIGN KEY (tree, order_id) REFERENCES work_orders "
     "(county_id, id)", "FOREIGN KEY (order_id) REFERENCES work_orders (id)",
     "foreign key order_redactions_order_id_fkey"),
    ("county_id from a SQLite foreign key", "sqlite", "FOREIGN KEY (tree, order_id) REFERENCES "
     "work_orders (county_id, id)", "FOREIGN KEY (order_id) REFERENCES work_orders (id)",
     "SQLite: table order_redactions: foreign key"),
    ("the rename of tree to county_id", "pg", "ALTER TABLE order_redactions RENAME COLUMN tree "
     "TO county_id;", "", "PostgreSQL: table order_redactions: no county_id column"),
    ("a new table without county_id", "sqlite", "CREATE TABLE users",
     "CREATE TABLE outbox (id BLOB PRIMARY KEY); CREATE TABLE users",
     "SQLite: table outbox: no county_id column"),
    ("a SELECT's predicate", "rs", "WHERE county_id = $1 AND id = $2", "WHERE id = $2",
     "SELECT over work_orders has no county_id predicate"),
    ("an UPDATE's predicate", "rs", "WHERE county_id = $2 AND id = $3", "WHERE id = $3",
     "UPDATE over work_orders has no county_id predicate"),
    ("a DELETE's predicate", "rs", "WHERE county_id = $1 AND order_id = $2",
     "WHERE order_id = $2", "DELETE over order_redactions has no county_id predicate"),
    ("county_id from an INSERT", "rs", "(id, county_id, number, created_by)",
     "(id, number, created_by)", "INSERT INTO work_orders does not name county_id"),
    ("a predicate pushed to a query builder", "rs", '"o.county_id"', '"o.region_path"',
     "SELECT over work_orders has no county_id predicate"),
    ("a bound empty string", "rs", 'sqlx::query("SELECT u.name FROM users u WHERE u.id = $1");',
     'sqlx::query("DELETE FROM users WHERE id = $1 AND name <> $2").bind(id).bind(keep.unwrap_or(""));',
     "binds an empty string"),
    ("an empty-string comparison", "rs", "WHERE u.id = $1", "WHERE u.name <> ''",
     "SQL compares with the empty string"),
    ("a predicate whose value is bound next", "rs", "FROM work_orders WHERE county_id = ",
     "FROM work_orders WHERE id = ", "SELECT over work_orders has no county_id predicate"),
    ("CASCADE from dropping a referenced key", "pg", "notes_pkey CASCADE", "notes_pkey",
     "foreign key note_links_note_id_fkey"),
    ("a join's county", "rs", "ON r.county_id = o.county_id AND", "ON",
     "SELECT over order_redactions has no county_id predicate"),
]


def self_test():
    def run(files):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            dirs = {k: tmp / k for k in files}
            for k, d in dirs.items():
                d.mkdir()
            (dirs["sqlite"] / "0001_schema.sql").write_text(files["sqlite"])
            (dirs["pg"] / "0001_schema.sql").write_text(files["pg"])
            (dirs["rs"] / "store.rs").write_text(files["rs"])
            return check(dirs["sqlite"], dirs["pg"], [dirs["rs"]])[0]

    base = {"sqlite": SYNTHETIC_SQLITE, "pg": SYNTHETIC_PG, "rs": SYNTHETIC_RS}
    failures = []
    clean = run(base)
    if clean:
        failures.append("the synthetic schema and sources should pass:\n    " + "\n    ".join(clean))
    for what, where, before, after, want in MUTATIONS:
        if before not in base[where]:
            failures.append(f"mutation '{what}': `{before}` is not in the synthetic {where}")
            continue
        found = run({**base, where: base[where].replace(before, after)})
        if not any(want in p for p in found):
            failures.append(f"removing {what} was not caught (wanted '{want}'), got: {found}")
    if failures:
        print("check-county-keys self-test failed:", *failures, sep="\n  ")
        sys.exit(1)
    print(f"county keys self-test: the synthetic schema passes and all {len(MUTATIONS)} "
          "removed keys or predicates are caught")


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if sys.argv[1:]:
        sys.exit("usage: check-county-keys.py [--self-test]")
    problems, county = check(SQLITE_DIR, POSTGRES_DIR, SOURCE_DIRS)
    if problems:
        print(f"county keys: {len(problems)} problems (a county table's keys and statements must "
              f"lead with {KEY}; see docs/SCALING.md):", *problems, sep="\n  ")
        sys.exit(1)
    print(f"county keys: {county} county tables lead every key and index with {KEY}, "
          "and every statement on them names it")


if __name__ == "__main__":
    main()
