#!/usr/bin/env python3
"""Benchmark of monthly compliance (考核) at county scale.

Usage: python3 bench/compliance.py [--households 300000] [--iterations 5] [--regenerate] [--pg]

Takes the demo registry of N households (bench/out/quality-N.db from bench/quality.py if it is there,
else `bangfu demo --households N`), copies it to bench/out/compliance-N.db and fills it with the
example generator (crates/store/examples/compliance_bench.rs, set-based INSERT … SELECT): one helper
per five households (60,000 helpers for 300,000 households) in 300 units, unit leaders, work teams,
and one year of visits (≈ 3.9 million activity rows and as many activity_helper rows) plus team
sign-ins. Then it times the county's monthly compliance (target < 2 s), one township's, and a helper's
"what is due" list (median of many; target < 50 ms). With --pg the same database is copied into
PostgreSQL (`bangfu db copy`, then VACUUM ANALYZE) and timed there too. Prints a Markdown table and appends it to
bench/out/compliance.md.
"""
import argparse, json, os, platform, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "bangfu")
EXAMPLE = os.path.join(ROOT, "target", "release", "examples", "compliance_bench")
OUT = os.path.join(ROOT, "bench", "out")
PG = os.environ.get("BANGFU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def run(cmd, capture=True):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return dt, p.stdout, p.stderr


def base_registry(n):
    for name in (f"quality-{n}.db", f"compliance-base-{n}.db"):
        path = os.path.join(OUT, name)
        if os.path.exists(path):
            return path
    if not os.path.exists(BIN):
        sys.exit(f"no registry of {n} households in bench/out and no {BIN}: run `cargo build --release` or bench/quality.py first")
    path = os.path.join(OUT, f"compliance-base-{n}.db")
    dt, _, _ = run([BIN, "--database", path, "demo", "--households", str(n), "--fresh"])
    print(f"  generated the registry in {dt:.1f} s", file=sys.stderr)
    return path


def load_avg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=300000)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--pg", action="store_true")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    run(["cargo", "build", "--release", "-q", "-p", "bangfu-store", "--example", "compliance_bench"], capture=False)
    n = a.households
    db = os.path.join(OUT, f"compliance-{n}.db")
    gen_s = None
    if a.regenerate or not os.path.exists(db):
        base = base_registry(n)
        shutil.copyfile(base, db)
        if os.path.exists(base + ".key"):
            shutil.copyfile(base + ".key", db + ".key")
        gen_s, _, err = run([EXAMPLE, "generate", db, db + ".key"])
        sys.stderr.write(err)
        print(f"  generated helpers, pairings and a year of visits in {gen_s:.1f} s", file=sys.stderr)
    rows = []
    load_before = load_avg()
    _, out, _ = run([EXAMPLE, "time", db, db + ".key", str(a.iterations)])
    rows.append(("SQLite", json.loads(out.strip().splitlines()[-1])))
    if a.pg:
        if not os.path.exists(BIN):
            sys.exit(f"--pg needs {BIN} (db copy)")
        name = f"bangfu_bench_compliance_{n}"
        import urllib.parse
        subprocess.run(["psql", PG + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)
        subprocess.run(["psql", PG + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        url = f"{PG}/{name}"
        dt, _, _ = run([BIN, "db", "copy", "--from", f"sqlite:{db}", "--to", url, "--from-key-file", db + ".key", "--to-key-file", db + ".key"])
        print(f"  copied to PostgreSQL in {dt:.1f} s", file=sys.stderr)
        # after a bulk load: statistics, and the visibility map so index-only scans need no heap fetches
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)
        _, out, _ = run([EXAMPLE, "time", url, db + ".key", str(a.iterations)])
        rows.append(("PostgreSQL", json.loads(out.strip().splitlines()[-1])))
    load_after = load_avg()
    lines = [
        f"### Compliance, {n:,} households — {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()} "
        f"({os.cpu_count()} cores, load average {load_before:.2f} → {load_after:.2f})",
        "",
        "| backend | helpers | visit rows (activity_helper) | pairs due / met | county month (median) | township month | helper's due list (median / p95) | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, r in rows:
        lines.append(
            f"| {backend} | {r['helpers']:,} | {r['activity_helper']:,} | {r['pairs_due']:,} / {r['pairs_met']:,} | "
            f"{r['county_ms'] / 1000:.2f} s | {r['township_ms']:.0f} ms | {r['due_median_ms']:.2f} / {r['due_p95_ms']:.2f} ms ({r['due_runs']} runs) | "
            f"{'✓' if r['county_ms'] < 2000 and r['due_median_ms'] < 50 else '✗'} < 2 s, < 50 ms |"
        )
    if gen_s is not None:
        lines.append("")
        lines.append(f"Generation (helpers, pairings, one year of visits, indexes) took {gen_s:.1f} s.")
    r = rows[0][1]
    lines.append("")
    lines.append(
        f"The county month: {r['villages']} villages in {r['townships']} townships, visit rate {r['rate']}%, "
        f"{r['not_visited']:,} pairs not visited this month, {r['overdue']:,} households over the limit, "
        f"{r['helpers_behind']:,} of {r['helpers']:,} helpers behind, {r['units']} unit–village pairings, "
        f"{r['leaders']} leaders, {r['team']} team members."
    )
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(OUT, "compliance.md"), "a") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
