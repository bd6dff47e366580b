#!/usr/bin/env python3
"""Benchmark of the bulk assignment of helpers (对口帮扶任务分配表, `bangfu pairing import`).

Usage: python3 bench/pairing.py [--households 300000] [--repeat 3] [--bin target/release/bangfu]

Generates the demo registry into a SQLite file (`bangfu demo --households N`, which also pairs every
registered household with a demo helper), then writes an assignment sheet (CSV, the export layout:
乡镇, 村, 户编号, 户主姓名, 户主身份证号, 帮扶责任人, 单位, 职务, 职级, 联系电话, 结对开始日期) with one row per
registered household naming a *different* existing helper (so every row ends the household's
current pairing with history and creates a new one) and, for 1% of the rows, a helper not yet in
the system (created with a new unit). Times `bangfu pairing import` of that sheet into a fresh copy of
the registry (median of --repeat runs; wall time and peak memory of the process), and the export of
the result. Prints a Markdown table and appends it to bench/out/results.md.
"""
import argparse, csv, os, platform, shutil, sqlite3, statistics, subprocess, sys, time
from benchlib import ROOT, run, rm_db, copy_db

OUT = os.environ.get("BANGFU_BENCH_OUT", os.path.join(ROOT, "bench", "out"))


RANK_LABEL = {"full_division": "正处级", "deputy_division": "副处级", "full_section": "正科级", "deputy_section": "副科级", "ordinary": "一般干部", "other": "其他"}


def write_sheet(db, path):
    """One row per registered household, each naming another helper than its current one."""
    with sqlite3.connect(db) as c:
        households = c.execute(
            "SELECT h.id, h.household_no, (SELECT p.helper_id FROM pairing p WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = h.id "
            "AND p.status = 'active' AND p.kind = 'helper_household') FROM household h WHERE h.status = 'active' "
            "AND h.household_type IN ('poor', 'exited', 'monitored') ORDER BY h.region_code, h.household_no"
        ).fetchall()
        helpers = c.execute(
            "SELECT e.id, e.name, u.name, e.position, e.rank, e.phone FROM helper e JOIN assist_unit u ON u.id = e.unit_id "
            "WHERE e.kind = 'cadre' AND e.status = 'active' ORDER BY e.id"
        ).fetchall()
    n, h = len(households), len(helpers)
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["乡镇", "村", "户编号", "户主姓名", "户主身份证号", "帮扶责任人", "单位", "职务", "职级", "联系电话", "结对开始日期"])
        for i, (hid, no, current) in enumerate(households):
            if i % 100 == 99:
                k = i // 100
                w.writerow(["", "", no, "", "", f"新帮扶人{k:05d}", f"县新派单位{k % 5}", "科员", "一般干部", f"137{k:08d}", "2025-06-01"])
                continue
            j = (i + h // 2) % h
            if helpers[j][0] == current:
                j = (j + 1) % h
            _, name, unit, position, rank, phone = helpers[j]
            w.writerow(["", "", no, "", "", name, unit, position or "", RANK_LABEL.get(rank or "", ""), phone or "", "2025-06-01"])
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, nargs="+", default=[300000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "bangfu"))
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    rows = []
    for n in a.households:
        base = os.path.join(OUT, f"pairing-{n}.db")
        if not os.path.exists(base):
            t, _, _ = run([a.bin, "--database", base, "demo", "--households", str(n), "--seed", "1"])
            print(f"registry of {n} households generated in {t:.1f} s", file=sys.stderr)
        sheet = os.path.join(OUT, f"pairing-{n}.csv")
        count = write_sheet(base, sheet)
        times, mems, last = [], [], ""
        work = os.path.join(OUT, f"pairing-{n}-run.db")
        for _ in range(a.repeat):
            copy_db(base, work)
            t, m, last = run([a.bin, "--database", work, "pairing", "import", sheet])
            times.append(t)
            mems.append(m)
            print(f"  import {t:.2f} s, {m:.0f} MiB", file=sys.stderr)
        written = next((l for l in last.splitlines() if l.startswith("已写入")), last.strip())
        export = os.path.join(OUT, f"pairing-{n}-export.csv")
        te, me, _ = run([a.bin, "--database", work, "pairing", "export", "-o", export])
        rm_db(work)
        load = os.getloadavg()[0]
        rows.append((n, count, statistics.median(times), max(mems), te, me, load, written))
    lines = [
        f"\n### Pairing import (bangfu pairing import), {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()} ({os.cpu_count()} cores, shared), SQLite\n",
        "| households | sheet rows | import median of %d (s) | peak MiB | export (s) | export MiB | load avg | written |" % a.repeat,
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, count, t, m, te, me, load, written in rows:
        lines.append(f"| {n:,} | {count:,} | {t:.2f} | {m:.0f} | {te:.2f} | {me:.0f} | {load:.1f} | {written} |")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(OUT, "results.md"), "a", encoding="utf-8") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
