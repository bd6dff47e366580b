#!/usr/bin/env python3
"""Web benchmarks: the household list page, search and the dashboard under concurrent load.

Usage: python3 bench/web.py [--households 300000] [--connections 32] [--duration 20] [--skip-pg]

Builds (once) the demo registry of --households households (300,000 ≈ 1,000,000 members) in
bench/out/web-<n>.db, starts `bangfu serve` on it, logs in as a county-office user and drives it
with wrk (Debian package `wrk`) using bench/wrk_paths.lua: each request is a random path from a
list (list pages with filters and paging; searches by name, pinyin initials and ID number).
Reported per scenario: requests/s, client-side latency percentiles from wrk, and the server-side
time of each response read from its `Server-Timing` header (p50/p99). The county dashboard is
requested sequentially (median of 15). Memory: the server's peak RSS (VmHWM). With PostgreSQL
(BANGFU_BENCH_PG, default postgres://postgres@127.0.0.1:5432) the same database is copied there with
`bangfu db copy` and measured again. Results are printed and appended to bench/out/results.md.
"""
import argparse, http.cookiejar, json, os, platform, random, re, sqlite3, statistics, subprocess, sys, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "bangfu")
OUT = os.path.join(ROOT, "bench", "out")
LUA = os.path.join(ROOT, "bench", "wrk_paths.lua")
PG = os.environ.get("BANGFU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "benchpass123"


def sh(cmd, check=True, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p


def prepare_sqlite(n):
    db = os.path.join(OUT, f"web-{n}.db")
    if not os.path.exists(db):
        print(f"generating the demo registry ({n} households) in {db} …", flush=True)
        sh([BIN, "--database", db, "demo", "--households", str(n)])
    sh([BIN, "--database", db, "migrate"])
    sh([BIN, "--database", db, "user", "create", "bench", "--role", "county_office", "--region", "431099000000", "--password", PASSWORD], check=False)
    return db


def samples(db):
    """Random names, initials and IDs to search for, and townships to filter by."""
    c = sqlite3.connect(db)
    rows = c.execute("SELECT name, name_initials, resident_id FROM member WHERE rowid % 997 = 0 LIMIT 300").fetchall()
    towns = [r[0] for r in c.execute("SELECT code FROM region WHERE level = 'township'")]
    c.close()
    return rows, towns


def paths(rows, towns, kind):
    rnd = random.Random(7)
    out = []
    if kind == "list":
        for i in range(400):
            r = rnd.random()
            if r < 0.3:
                out.append(f"/households?page={rnd.randint(1, 500)}")
            elif r < 0.6:
                out.append(f"/households?region={rnd.choice(towns)}&page={rnd.randint(1, 20)}")
            elif r < 0.8:
                out.append(f"/households?household_type={rnd.choice(['poor', 'exited', 'monitored'])}&cause=illness")
            else:
                out.append(f"/households?region={rnd.choice(towns)}&helper=0&monitored=1")
    else:
        api = kind == "search-api"
        for name, initials, rid in rows:
            for q in (name, initials or name[:1], rid):
                out.append(("/api/v1/search?q=" if api else "/households?q=") + urllib.parse.quote(q))
        rnd.shuffle(out)
    return out


def login(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": "bench", "password": PASSWORD, "_csrf": csrf, "next": "/account"}).encode()
    opener.open(base + "/login", data)
    cookie = next(c for c in jar if c.name == "bangfu_session")
    return opener, f"bangfu_session={cookie.value}"


def wait_up(base, proc):
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit("server exited:\n" + proc.stderr.read())
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            return
        except Exception:
            time.sleep(0.2)
    sys.exit("server did not start")


def rss(pid):
    status = open(f"/proc/{pid}/status").read()
    get = lambda k: int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) / 1024
    return get("VmRSS"), get("VmHWM")


def wrk(base, cookie, plist, connections, duration):
    listfile = os.path.join(OUT, "wrk-paths.txt")
    open(listfile, "w").write("\n".join(plist) + "\n")
    env = dict(os.environ, BENCH_PATHS=listfile, BENCH_COOKIE=cookie)
    p = sh(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", LUA, base], env=env)
    out = p.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {k: v for k, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M)}
    server = json.loads(out[out.index("SERVER_TIMING ") + 14:].splitlines()[0])
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "client_p50": lat.get("50"), "client_p99": lat.get("99"), "server_p50_ms": server["p50"], "server_p99_ms": server["p99"], "server_max_ms": server["max"], "n": server["n"], "errors": int(non2xx.group(1)) if non2xx else 0}


def dashboard(opener, base, n=15):
    """(warm median, cold median): cold = first view after a change (a new login writes the audit
    trail, which invalidates the cached dashboard), warm = repeated views."""
    def view(o):
        r = o.open(base + "/")
        r.read()
        return float(re.search(r"dur=([\d.]+)", r.headers["server-timing"]).group(1))
    cold = []
    for _ in range(5):
        o, _ = login(base)
        cold.append(view(o))
    warm = [view(opener) for _ in range(n)]
    return statistics.median(warm), statistics.median(cold)


def measure(label, database, rows, towns, args, port):
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, RUST_LOG="warn")
    proc = subprocess.Popen([BIN, "--database", database, "serve", "--addr", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_up(base, proc)
        opener, cookie = login(base)
        api = urllib.request.urlopen(urllib.request.Request(base + "/api/v1/search?q=a", headers={"Cookie": cookie})).status == 200 if True else False
        results = {}
        dash_median, dash_max = dashboard(opener, base)
        results["dashboard"] = {"server_median_ms": dash_median, "server_cold_ms": dash_max}
        for kind in ["list", "search-api" if api else "search-page"]:
            results[kind] = wrk(base, cookie, paths(rows, towns, kind), args.connections, args.duration)
        results["rss_mib"], results["peak_rss_mib"] = rss(proc.pid)
        return results
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=300000)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--reuse-pg", action="store_true", help="measure the PostgreSQL copy made by an earlier run")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(BIN):
        sh(["cargo", "build", "--release", "-p", "bangfu"], cwd=ROOT)
    db = prepare_sqlite(args.households)
    rows, towns = samples(db)
    members = sqlite3.connect(db).execute("SELECT COUNT(*) FROM member").fetchone()[0]
    report = {} if args.skip_sqlite else {"sqlite": measure("sqlite", db, rows, towns, args, 18080)}
    if not args.skip_pg:
        pgdb = f"bangfu_bench_web_{args.households}"
        url = f"{PG}/{pgdb}"
        key = os.path.join(OUT, f"{pgdb}.key")
        if not args.reuse_pg:
            sh(["psql", PG + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {pgdb} WITH (FORCE)"])
            sh(["psql", PG + "/postgres", "-qc", f"CREATE DATABASE {pgdb}"])
            if os.path.exists(key):
                os.remove(key)
            t0 = time.time()
            sh([BIN, "db", "copy", "--from", db, "--to", url, "--to-key-file", key])
            print(f"copied to PostgreSQL in {time.time() - t0:.0f} s", flush=True)
        sh([BIN, "--database", url, "--key-file", key, "migrate"])
        os.environ["BANGFU_KEY_FILE"] = key
        report["postgres"] = measure("postgres", url, rows, towns, args, 18081)
    lines = [f"\n## Web, {time.strftime('%Y-%m-%d %H:%M')} — {args.households} households / {members} members, {args.connections} connections, {args.duration} s per scenario",
             f"machine: {platform.machine()}, {os.cpu_count()} cores; command: python3 bench/web.py --households {args.households} --connections {args.connections} --duration {args.duration}", "",
             "| backend | scenario | req/s | server p50 ms | server p99 ms | client p50 | client p99 | errors |", "|---|---|---|---|---|---|---|---|"]
    for backend, r in report.items():
        for kind in ("list", "search-api", "search-page"):
            if kind in r:
                x = r[kind]
                lines.append(f"| {backend} | {kind} | {x['rps']:.0f} | {x['server_p50_ms']:.1f} | {x['server_p99_ms']:.1f} | {x['client_p50']} | {x['client_p99']} | {x['errors']} |")
        d = r["dashboard"]
        lines.append(f"| {backend} | dashboard (county, sequential) | – | {d['server_median_ms']:.1f} (warm median) | {d['server_cold_ms']:.1f} (cold median: first view after a change) | | | |")
        lines.append(f"| {backend} | server memory | RSS {r['rss_mib']:.0f} MiB, peak {r['peak_rss_mib']:.0f} MiB | | | | | |")
    text = "\n".join(lines)
    print(text)
    open(os.path.join(OUT, "results.md"), "a").write(text + "\n")


if __name__ == "__main__":
    main()
