"""Helpers shared by the benchmark scripts: paths, timing a child process, SQLite file copies."""
import os, shutil, sqlite3, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "bangfu")
OUT = os.path.join(ROOT, "bench", "out")
PG = os.environ.get("BANGFU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def run(cmd, **kw):
    """Runs a command; returns (seconds, peak RSS in MiB, stdout). Exits with its output if it fails."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    _, status, rusage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    out = p.stdout.read()
    err = p.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"command failed ({code}): {' '.join(cmd)}\n{out}\n{err}")
    return dt, rusage.ru_maxrss / 1024.0, out


def rm_db(path):
    for suffix in ("", "-wal", "-shm", ".key"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def copy_db(src, dst):
    """A consistent copy of a SQLite installation (its WAL checkpointed first) and its key file."""
    rm_db(dst)
    with sqlite3.connect(src) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(src, dst)
    shutil.copyfile(src + ".key", dst + ".key")


def median_runs(n, fn):
    """Calls fn (returning seconds, MiB, output) n times: median seconds, peak MiB, last output."""
    times, mems, last = [], [], None
    for _ in range(n):
        t, m, last = fn()
        times.append(t)
        mems.append(m)
    return statistics.median(times), max(mems), last
