#!/usr/bin/env python3
"""Benchmark of the comparison with department lists (数据比对, `bangfu compare import`).

Usage: python3 bench/compare.py [--households 30000 300000] [--repeat 3] [--kind medical_expense] [--pg]

For each registry size it generates the demo registry into a SQLite file (`bangfu demo --households N`,
≈ 3.3 members per household: 30,000 households ≈ 100,000 members, 300,000 ≈ 1,000,000), writes a
department list with one row per registered member (`bangfu demo dept-list --rows <members>`: planted
findings, 15-digit IDs, repeated rows and misspelt names included), and times `bangfu compare import`
of that list into a fresh copy of the registry (median of --repeat runs; wall time and peak memory of
the process). The import reads the file, writes every row, matches them with the registry in one
statement and writes the work orders, in one transaction. With --pg the same list is compared on
PostgreSQL too (the registry generated there once; the comparison tables emptied between runs).
Results are printed as a Markdown table and appended to bench/out/results.md.
"""
import argparse, json, os, platform, shutil, sqlite3, statistics, subprocess, sys, time
from benchlib import ROOT, BIN, OUT, PG, run, rm_db, copy_db, median_runs



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, nargs="+", default=[30000, 300000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--kind", default="medical_expense")
    ap.add_argument("--pg", action="store_true")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "bangfu"], cwd=ROOT, check=True)
    os.makedirs(OUT, exist_ok=True)
    results = []
    for h in a.households:
        d = os.path.join(OUT, f"compare-h{h}")
        os.makedirs(d, exist_ok=True)
        base = os.path.join(d, "registry.db")
        if not os.path.exists(base):
            t, _, _ = run([BIN, "--database", base, "demo", "--households", str(h), "--seed", "1"])
            print(f"registry of {h} households generated in {t:.1f} s", flush=True)
        with sqlite3.connect(base) as c:
            members = c.execute("SELECT COUNT(*) FROM member WHERE status = 'active'").fetchone()[0]
        lst = os.path.join(d, f"{a.kind}-{members}.csv")
        if not os.path.exists(lst):
            t, _, out = run([BIN, "--database", base, "demo", "dept-list", "--kind", a.kind, "--rows", str(members), "--out", lst])
            print(out.strip(), flush=True)
        res = {"households": h, "members": members, "list_rows": members, "list_mb": os.path.getsize(lst) / 2**20}

        work = os.path.join(d, "run.db")
        def one():
            copy_db(base, work)
            return run([BIN, "--database", work, "compare", "import", lst, "--kind", a.kind, "--json", "--no-report"])
        t, mem, out = median_runs(a.repeat, one)
        s = json.loads(out)
        res.update(sqlite_s=t, sqlite_rows_per_s=members / t, peak_mb=mem, distinct=s["rows"], matched=s["matched"],
                   findings=s["findings"], duplicates=s["duplicate_rows"], not_in_registry=s["not_in_registry"])

        if a.pg:
            name = f"bangfu_bench_compare_{h}"
            url = f"{PG}/{name}"
            key = os.path.join(d, "pg.key")
            exists = subprocess.run(["psql", f"{PG}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], capture_output=True, text=True).stdout.strip() == "1"
            if not exists:
                subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
                run([BIN, "--database", url, "--key-file", key, "demo", "--households", str(h), "--seed", "1"])
            def pg():
                subprocess.run(["psql", url, "-qc", "DELETE FROM work_order; DELETE FROM dept_list_row; DELETE FROM dept_list"], check=True, capture_output=True)
                subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE dept_list_row"], check=True, capture_output=True)
                return run([BIN, "--database", url, "--key-file", key, "compare", "import", lst, "--kind", a.kind, "--json", "--no-report"])
            t, _, out = median_runs(a.repeat, pg)
            res.update(pg_s=t, pg_rows_per_s=members / t, pg_findings=json.loads(out)["findings"])
        results.append(res)
        print(json.dumps(res, ensure_ascii=False), flush=True)

    lines = [f"\n### Comparison run {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()} ({os.cpu_count()} cores), `python3 bench/compare.py {' '.join(sys.argv[1:])}`\n"]
    cols = [("households", "households"), ("members", "registry members"), ("list_rows", "list rows"), ("list_mb", "list MiB"),
            ("sqlite_s", "compare import SQLite s (median)"), ("sqlite_rows_per_s", "rows/s"), ("peak_mb", "peak MiB"),
            ("matched", "matched"), ("findings", "work orders"), ("duplicates", "repeated rows"),
            ("pg_s", "PostgreSQL s"), ("pg_rows_per_s", "PG rows/s")]
    lines.append("| " + " | ".join(c[1] for c in cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for r in results:
        cells = []
        for k, _ in cols:
            v = r.get(k)
            cells.append("—" if v is None else (f"{v:,.0f}" if isinstance(v, int) or (isinstance(v, float) and v >= 1000) else f"{v:.2f}"))
        lines.append("| " + " | ".join(cells) + " |")
    if len(results) >= 2:
        a0, a1 = results[0], results[-1]
        lines.append(f"\nGrowth: {a1['members'] / a0['members']:.1f}× the rows took {a1['sqlite_s'] / a0['sqlite_s']:.1f}× the time on SQLite.")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(OUT, "results.md"), "a") as f:
        f.write(text)


if __name__ == "__main__":
    main()
