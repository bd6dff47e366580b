#!/usr/bin/env python3
"""Reproducible benchmarks for bangfu's registry foundation.

Usage: python3 bench/run.py [--households 30000 300000] [--repeat 3] [--skip-pg] [--skip-xlsx]

For each size it generates the demo registry as import files (`bangfu demo --files`), then measures
(wall time and peak memory of the child process, median of --repeat runs):
  - sqlite3 CLI `.import` of the same CSV into a plain table (the baseline) and bangfu's CSV import
    into a fresh SQLite file (validation, events and indexes included), and their ratio;
  - the same CSV into a fresh PostgreSQL database;
  - XLSX import into a fresh SQLite file;
  - export of the whole registry to xlsx;
  - query latency (filtered sorted page, search by ID, by name) on the largest SQLite database.
Results are printed as a Markdown table and appended to bench/out/results.md.
"""
import argparse, json, os, platform, shutil, statistics, subprocess, sys, time
from benchlib import ROOT, BIN, OUT, PG, run, rm_db, median_runs



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, nargs="+", default=[30000, 300000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-xlsx", action="store_true")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "bangfu", "-p", "bangfu-store", "--example", "query_latency"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "-p", "bangfu"], cwd=ROOT, check=True)
    os.makedirs(OUT, exist_ok=True)
    rows_out = []
    sqlite3 = shutil.which("sqlite3")
    largest_db = None
    for h in a.households:
        d = os.path.join(OUT, f"h{h}")
        os.makedirs(d, exist_ok=True)
        csv = os.path.join(d, "members.csv")
        xlsx = os.path.join(d, "members.xlsx")
        if not os.path.exists(csv) or (not a.skip_xlsx and not os.path.exists(xlsx)):
            fmt = "csv" if a.skip_xlsx else "both"
            run([BIN, "demo", "--households", str(h), "--seed", "1", "--files", d, "--format", fmt])
        with open(csv, encoding="utf-8-sig") as f:
            members = sum(1 for _ in f) - 1
        res = {"households": h, "members": members, "csv_mb": os.path.getsize(csv) / 2**20}

        if sqlite3:
            def base():
                p = os.path.join(d, "plain.db"); rm_db(p)
                return run([sqlite3, p, ".mode csv", f".import {csv} plain"])
            res["sqlite3_import_s"], _, _ = median_runs(a.repeat, base)

        db = os.path.join(d, "bangfu.db")
        def imp():
            rm_db(db)
            run([BIN, "--database", db, "region", "import", os.path.join(d, "regions.csv")])
            return run([BIN, "--database", db, "import", "households", csv, "--json"])
        t, mem, out = median_runs(a.repeat, imp)
        s = json.loads(out)
        assert s["committed"] and s["members_created"] == members, s
        res.update(csv_import_s=t, csv_import_mb=mem, csv_rows_per_s=members / t)
        if "sqlite3_import_s" in res:
            res["ratio_to_sqlite3"] = t / res["sqlite3_import_s"]
        largest_db = db

        if not a.skip_pg:
            name = f"bangfu_bench_{h}"
            def pg():
                subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
                subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
                url = f"{PG}/{name}"
                key = os.path.join(d, "pg.key")
                run([BIN, "--database", url, "--key-file", key, "region", "import", os.path.join(d, "regions.csv")])
                return run([BIN, "--database", url, "--key-file", key, "import", "households", csv, "--json"])
            t, mem, out = median_runs(a.repeat, pg)
            assert json.loads(out)["members_created"] == members
            res.update(pg_import_s=t, pg_rows_per_s=members / t)

        if not a.skip_xlsx:
            xdb = os.path.join(d, "xlsx.db")
            def ximp():
                rm_db(xdb)
                run([BIN, "--database", xdb, "region", "import", os.path.join(d, "regions.csv")])
                return run([BIN, "--database", xdb, "import", "households", xlsx, "--json"])
            t, mem, _ = median_runs(1, ximp)
            res.update(xlsx_import_s=t, xlsx_import_mb=mem, xlsx_mb=os.path.getsize(xlsx) / 2**20)

        out_x = os.path.join(d, "export.xlsx")
        def exp():
            if os.path.exists(out_x):
                os.remove(out_x)
            return run([BIN, "--database", db, "export", "households", "-o", out_x, "--include-protected"])
        t, mem, _ = median_runs(1, exp)
        res.update(export_xlsx_s=t, export_xlsx_mb=mem)
        rows_out.append(res)
        print(json.dumps(res, ensure_ascii=False), flush=True)

    lines = []
    lines.append(f"\n### Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()} ({os.cpu_count()} cores), `python3 bench/run.py {' '.join(sys.argv[1:])}`\n")
    cols = [("households", "households"), ("members", "member rows"), ("sqlite3_import_s", "sqlite3 .import s"), ("csv_import_s", "bangfu CSV→SQLite s"),
            ("csv_rows_per_s", "rows/s"), ("ratio_to_sqlite3", "× sqlite3"), ("csv_import_mb", "peak MiB"), ("pg_import_s", "CSV→PostgreSQL s"),
            ("pg_rows_per_s", "PG rows/s"), ("xlsx_import_s", "XLSX→SQLite s"), ("xlsx_import_mb", "XLSX peak MiB"), ("export_xlsx_s", "export xlsx s"), ("export_xlsx_mb", "export peak MiB")]
    lines.append("| " + " | ".join(c[1] for c in cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for r in rows_out:
        cells = []
        for k, _ in cols:
            v = r.get(k)
            cells.append("—" if v is None else (f"{v:,.0f}" if isinstance(v, (int,)) or (isinstance(v, float) and v >= 1000) else f"{v:.2f}"))
        lines.append("| " + " | ".join(cells) + " |")
    if largest_db:
        q = subprocess.run([os.path.join(ROOT, "target", "release", "examples", "query_latency"), largest_db, "", "300"], capture_output=True, text=True, check=True)
        lines.append("\nQuery latency on the largest SQLite database (`target/release/examples/query_latency <db> '' 300`):\n\n```\n" + q.stdout.strip() + "\n```")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(OUT, "results.md"), "a") as f:
        f.write(text)


if __name__ == "__main__":
    main()
