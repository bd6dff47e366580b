#!/usr/bin/env python3
"""Workflow benchmarks: a bulk approval of 10,000 cases in one action, and 100 concurrent approvers
on distinct cases for a minute.

Usage: python3 bench/workflow.py [--households 100000] [--bulk 10000] [--approvers 100] [--duration 60] [--skip-pg]

Builds (once) the demo county with --households households in bench/out/wf-<n>.db. For each backend
(SQLite; PostgreSQL via `bangfu db copy`, BANGFU_BENCH_PG, default postgres://postgres@127.0.0.1:5432)
it works on a fresh copy:
  1. `bangfu flow seed` places --bulk identification cases at the county review step (县级复审);
  2. `bangfu serve` starts; a county-office user logs in and POSTs /api/v1/cases/bulk-decisions with
     all their ids: the wall time of that one request and its Server-Timing are reported; then the
     ledger (wf_decision) and the audit trail (audit_log) are counted and `bangfu audit verify` runs;
  3. 100 more county-office users log in; `bangfu flow seed` places more cases at the county review
     step; each approver takes the cases whose id ≡ its number (mod 100) and approves them one by
     one through POST /api/v1/cases/{id}/decisions for --duration seconds. Reported: decisions/s,
     latency p50/p99, non-200 replies; then the ledger is counted: every 200 must be exactly one
     approval row, and no case may have two.
Results are printed and appended to bench/out/results.md.
"""
import argparse, http.client, json, os, platform, re, sqlite3, statistics, subprocess, sys, threading, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import BIN, OUT, PG, ROOT, copy_db, rm_db  # noqa: E402

PASSWORD = "benchpass123"
PORT = 18090
COUNTY = "431099000000"


def sh(cmd, env=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p.stdout


class Client:
    """One logged-in user over one keep-alive connection."""

    def __init__(self, user):
        self.c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
        self.cookies = {}
        page = self.get("/login")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"username": user, "password": PASSWORD, "_csrf": csrf, "next": "/account"})
        self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        account = self.get("/account")
        self.csrf = re.search(r'name="_csrf" value="([^"]+)"', account).group(1)

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        data = r.read().decode()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                m = re.match(r"([^=]+)=([^;]*)", v)
                if m:
                    self.cookies[m.group(1)] = m.group(2)
        self.status, self.headers = r.status, dict((k.lower(), v) for k, v in r.getheaders())
        return data

    def get(self, path):
        return self.request("GET", path)

    def post_json(self, path, obj):
        return self.request("POST", path, json.dumps(obj), {"Content-Type": "application/json", "X-CSRF-Token": self.csrf})


def server_ms(headers):
    m = re.search(r"dur=([\d.]+)", headers.get("server-timing", ""))
    return float(m.group(1)) if m else None


def q(database, key, sql):
    """One integer from the database (sqlite3 for SQLite files, psql for PostgreSQL)."""
    if database.startswith("postgres"):
        return int(sh(["psql", database, "-tAc", sql]).strip())
    return sqlite3.connect(database).execute(sql).fetchone()[0]


def ids(database, sql):
    if database.startswith("postgres"):
        return [int(x) for x in sh(["psql", database, "-tAc", sql]).split()]
    return [r[0] for r in sqlite3.connect(database).execute(sql)]


def measure(database, key, args):
    env = dict(os.environ, RUST_LOG="warn")
    base = [BIN, "--database", database] + (["--key-file", key] if key else [])
    env["BANGFU_PASSWORD"] = PASSWORD
    sh(base + ["user", "create", "benchlead", "--role", "county_office", "--region", COUNTY], env)
    for i in range(args.approvers):
        sh(base + ["user", "create", f"appr{i}", "--role", "county_office", "--region", COUNTY], env)
    print(sh(base + ["flow", "seed", "--step", "county_review", "--region", COUNTY, "--cases", str(args.bulk)]).strip(), flush=True)
    proc = subprocess.Popen(base + ["serve", "--addr", f"127.0.0.1:{PORT}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    out = {}
    try:
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                c.request("GET", "/health")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        lead = Client("benchlead")
        bulk_ids = ids(database, "SELECT id FROM wf_case WHERE step_key = 'county_review' AND status = 'open' ORDER BY id")
        ledger0 = q(database, key, "SELECT COUNT(*) FROM wf_decision")
        audit0 = q(database, key, "SELECT COUNT(*) FROM audit_log WHERE entity = 'wf_case'")
        t0 = time.perf_counter()
        body = lead.post_json("/api/v1/cases/bulk-decisions", {"step_key": "county_review", "case_ids": bulk_ids, "comment": "县级复审同意", "exceptions": []})
        wall = time.perf_counter() - t0
        if lead.status != 200:
            sys.exit(f"bulk failed {lead.status}: {body[:500]}")
        report = json.loads(body)
        out["bulk"] = {
            "cases": len(bulk_ids),
            "wall_s": wall,
            "server_s": (server_ms(lead.headers) or 0) / 1000,
            "approved": report.get("approved"),
            "ledger_rows": q(database, key, "SELECT COUNT(*) FROM wf_decision") - ledger0,
            "audit_rows": q(database, key, "SELECT COUNT(*) FROM audit_log WHERE entity = 'wf_case'") - audit0,
        }
        print("bulk:", out["bulk"], flush=True)
        # concurrent approvers on distinct cases
        print(sh(base + ["flow", "seed", "--step", "county_review", "--region", COUNTY, "--cases", str(args.pool)]).strip(), flush=True)
        pool = ids(database, "SELECT id FROM wf_case WHERE step_key = 'county_review' AND status = 'open' ORDER BY id")
        clients = [Client(f"appr{i}") for i in range(args.approvers)]
        lat, codes, done, errors = [], {}, [], []
        lock = threading.Lock()
        stop_at = time.perf_counter() + args.duration

        def work(i):
            mine = [x for x in pool if x % args.approvers == i]
            c = clients[i]
            for cid in mine:
                if time.perf_counter() >= stop_at:
                    break
                t = time.perf_counter()
                reply = c.post_json(f"/api/v1/cases/{cid}/decisions", {"decision": "approve", "transition_no": 0, "comment": ""})
                dt = time.perf_counter() - t
                with lock:
                    if c.status != 200 and len(errors) < 5:
                        errors.append(f"{c.status} {reply[:200]}")
                    lat.append(dt)
                    codes[c.status] = codes.get(c.status, 0) + 1
                    if c.status == 200:
                        done.append(cid)

        ledger1 = q(database, key, "SELECT COUNT(*) FROM wf_decision WHERE decision = 'approve'")
        t0 = time.perf_counter()
        threads = [threading.Thread(target=work, args=(i,)) for i in range(args.approvers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        lat.sort()
        recorded = q(database, key, "SELECT COUNT(*) FROM wf_decision WHERE decision = 'approve'") - ledger1
        dupes = q(database, key, "SELECT COUNT(*) FROM (SELECT case_id FROM wf_decision WHERE decision = 'approve' AND step_key = 'county_review' GROUP BY case_id HAVING COUNT(*) > 1) d")
        out["concurrent"] = {
            "approvers": args.approvers,
            "seconds": elapsed,
            "decisions": len(done),
            "per_s": len(done) / elapsed,
            "p50_ms": 1000 * lat[len(lat) // 2] if lat else 0,
            "p99_ms": 1000 * lat[int(len(lat) * 0.99) - 1] if lat else 0,
            "non_200": sum(v for k, v in codes.items() if k != 200),
            "ledger_new": recorded,
            "duplicates": dupes,
            "codes": codes,
            "errors": errors,
        }
        print("concurrent:", out["concurrent"], flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    verify = subprocess.run(base + ["audit", "verify"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out["audit_verify"] = "clean" if verify.returncode == 0 else (verify.stdout + verify.stderr)[-300:]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100000)
    ap.add_argument("--bulk", type=int, default=10000)
    ap.add_argument("--pool", type=int, default=85000, help="cases seeded for the concurrent approvers")
    ap.add_argument("--approvers", type=int, default=100)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(BIN):
        sh(["cargo", "build", "--release", "-p", "bangfu"])
    base_db = os.path.join(OUT, f"wf-{args.households}.db")
    if not os.path.exists(base_db):
        sh([BIN, "--database", base_db, "demo", "--households", str(args.households)])
    report = {}
    if not args.skip_sqlite:
        work = os.path.join(OUT, "wf-work.db")
        copy_db(base_db, work)
        report["sqlite"] = measure(work, None, args)
    if not args.skip_pg:
        name = "bangfu_bench_wf"
        url = f"{PG}/{name}"
        key = os.path.join(OUT, f"{name}.key")
        sh(["psql", PG + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
        sh(["psql", PG + "/postgres", "-qc", f"CREATE DATABASE {name}"])
        if os.path.exists(key):
            os.remove(key)
        sh([BIN, "db", "copy", "--from", base_db, "--to", url, "--to-key-file", key])
        os.environ["BANGFU_KEY_FILE"] = key
        report["postgres"] = measure(url, key, args)
    lines = [f"\n## Workflow, {time.strftime('%Y-%m-%d %H:%M')} — {args.households} households; bulk {args.bulk}; {args.approvers} approvers for {args.duration} s",
             f"machine: {platform.machine()}, {os.cpu_count()} cores; command: python3 bench/workflow.py --households {args.households} --bulk {args.bulk} --approvers {args.approvers} --duration {args.duration}", "",
             "| backend | bulk cases | bulk wall s | bulk server s | ledger rows | audit rows | concurrent decisions/s | p50 ms | p99 ms | non-200 | 200s vs ledger | duplicates | audit verify |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for backend, r in report.items():
        b, c = r["bulk"], r["concurrent"]
        lines.append(f"| {backend} | {b['cases']} | {b['wall_s']:.2f} | {b['server_s']:.2f} | {b['ledger_rows']} | {b['audit_rows']} | {c['per_s']:.0f} | {c['p50_ms']:.1f} | {c['p99_ms']:.1f} | {c['non_200']} | {c['decisions']} / {c['ledger_new']} | {c['duplicates']} | {r['audit_verify']} |")
    text = "\n".join(lines)
    print(text)
    open(os.path.join(OUT, "results.md"), "a").write(text + "\n")


if __name__ == "__main__":
    main()
