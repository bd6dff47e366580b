#!/usr/bin/env python3
"""Benchmark of the data-quality rule run (bangfu check) over the demo registry.

Usage: python3 bench/quality.py [--households 30000 300000] [--repeat 3] [--defects 0.01] [--pg]

For each size it makes (or reuses) a demo registry in bench/out/quality-N.db (`bangfu demo`; about
3.3 members per household, so 300,000 households is about 1,000,000 members), then times
`bangfu check --json` --repeat times (every run after the first is also compared with the previous
one, as in real use) and reports the median wall time, the engine's own elapsed time, peak memory,
the rule count and the findings. With --defects it also measures a registry with planted rule
defects (findings to write). With --pg it copies the largest registry into PostgreSQL and runs there.
Results are printed as a Markdown table and appended to bench/out/quality.md.
"""
import argparse, json, os, platform, statistics, subprocess, sys, time
from benchlib import ROOT, BIN, OUT, PG, run



def registry(n, defects):
    name = f"quality-{n}" + (f"-d{defects}" if defects else "") + ".db"
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        cmd = [BIN, "--database", path, "demo", "--households", str(n), "--fresh"]
        if defects:
            cmd += ["--rule-defects", str(defects)]
        dt, _, _ = run(cmd)
        print(f"  generated {name} in {dt:.1f} s", file=sys.stderr)
    return path


def bench(db, repeat, label):
    walls, engine, mems, last = [], [], [], None
    for _ in range(repeat):
        dt, mem, out = run([BIN, "--database", db, "check", "--json"])
        last = json.loads(out)
        walls.append(dt)
        engine.append(last["elapsed_ms"] / 1000.0)
        mems.append(mem)
    return {
        "label": label,
        "households": last["households"],
        "members": last["members"],
        "rules": last["rules"],
        "findings": last["findings"],
        "wall": statistics.median(walls),
        "engine": statistics.median(engine),
        "mem": max(mems),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, nargs="+", default=[30000, 300000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--defects", type=float, default=0.01)
    ap.add_argument("--pg", action="store_true")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "bangfu"], cwd=ROOT, check=True)
    os.makedirs(OUT, exist_ok=True)
    rows = []
    for n in a.households:
        rows.append(bench(registry(n, 0), a.repeat, f"SQLite, clean, {n} households"))
        if a.defects:
            rows.append(bench(registry(n, a.defects), a.repeat, f"SQLite, defects {a.defects}/household, {n} households"))
    if a.pg:
        n = max(a.households)
        url = f"{PG}/bangfu_bench_quality"
        subprocess.run(["psql", PG + "/postgres", "-qc", "DROP DATABASE IF EXISTS bangfu_bench_quality"], check=True)
        subprocess.run(["psql", PG + "/postgres", "-qc", "CREATE DATABASE bangfu_bench_quality"], check=True)
        src = registry(n, a.defects)
        run([BIN, "db", "copy", "--from", src, "--to", url])
        rows.append(bench(url, a.repeat, f"PostgreSQL, defects {a.defects}/household, {n} households"))
    cpu = platform.processor() or platform.machine()
    lines = [
        f"\n### bangfu check — {time.strftime('%Y-%m-%d %H:%M')} — {os.cpu_count()} cores, {cpu}",
        "",
        "| registry | households | members | rules | findings | wall (median) | engine (median) | members/s | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['households']:,} | {r['members']:,} | {r['rules']} | {r['findings']:,} | {r['wall']:.2f} s | {r['engine']:.2f} s | {r['members'] / r['engine']:,.0f} | {r['mem']:.0f} MiB |"
        )
    base = [r for r in rows if "clean" in r["label"]]
    if len(base) >= 2:
        x, y = base[0], base[-1]
        lines.append("")
        lines.append(
            f"Growth clean {x['members']:,} → {y['members']:,} members ({y['members'] / x['members']:.1f}×): engine time {y['engine'] / x['engine']:.1f}×."
        )
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(OUT, "quality.md"), "a") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
