#!/usr/bin/python3
"""Producer of the fleet section's Celery runs (bench/lib/fleet.sh); prints name=value lines.

  wait-ready --timeout S     waits for the worker's bench:worker_ready key, prints its pid
  backlog --n N              enqueues N fleet_poll tasks at once (the worker consuming), waits until
                             all are done: tasks_per_s = N / (first enqueue -> last done), and
                             steady_tasks_per_s from the tasks' own start and end times, as
                             bench_agent_driver's (the window from the 10 %-rank start to the 90 %-rank
                             end, each task counted for the part of its run inside it)
  paced --rate R --seconds S enqueues R tasks per second for S seconds (task i due at start + i/R),
                             waits until all are done: start - due p50_ms, p99_ms, max_ms
Needs BENCH_REDIS_PORT and BENCH_CELERY_DIR on PYTHONPATH (fleet_app imports the harness's app).
"""
import argparse
import math
import sys
import time
import uuid

from fleet_app import fleet_poll, state_client


def wait_done(r, run_id, n, timeout_s):
    """Waits until n tasks are done (and have reported); returns when the poll saw it."""
    deadline = time.time() + timeout_s
    while True:
        done = int(r.get("bench:done:%s" % run_id) or 0)
        if done >= n and r.llen("bench:start:%s" % run_id) >= n:
            return time.time()
        if time.time() > deadline:
            sys.exit("timed out after %.0f s: %d of %d tasks done" % (timeout_s, done, n))
        time.sleep(0.005)


def reports(r, run_id):
    """The tasks' (start - due, end - due) pairs, seconds."""
    return [tuple(float(x) for x in v.split()) for v in r.lrange("bench:start:%s" % run_id, 0, -1)]


def steady_rate(runs):
    """bench_support.h's SteadyRate: (start, end) pairs -> tasks/s inside the window from the
    10 %-rank start to the 90 %-rank end, each run counted for its fraction inside; None if < 10 ms."""
    if len(runs) < 10:
        return None
    lo = percentile(sorted(s for s, _ in runs), 10)
    hi = percentile(sorted(e for _, e in runs), 90)
    if hi - lo < 0.010:
        return None
    counted = 0.0
    for s, e in runs:
        if e > s:
            counted += max(0.0, min(e, hi) - max(s, lo)) / (e - s)
        elif lo <= s < hi:
            counted += 1
    return counted / (hi - lo)


def enqueue(run_id, i, due, report):
    fleet_poll.apply_async(args=["bench_sleep", "res-%05d" % i, run_id, i, due, report])


def cmd_backlog(args):
    r, run_id = state_client(), uuid.uuid4().hex
    t0 = time.time()
    for i in range(args.n):
        enqueue(run_id, i, t0, True)
    t1 = wait_done(r, run_id, args.n, args.timeout)
    print("tasks_per_s=%.1f" % (args.n / (t1 - t0)))
    rate = steady_rate(reports(r, run_id))
    if rate is not None:
        print("steady_tasks_per_s=%.1f" % rate)


def percentile(vals, p):
    return vals[max(1, min(len(vals), int(math.ceil(p / 100.0 * len(vals))))) - 1] if vals else 0.0


def cmd_paced(args):
    r, run_id = state_client(), uuid.uuid4().hex
    total = int(args.rate * args.seconds)
    t0 = time.time()
    sent = 0
    while sent < total:
        due_now = min(total, int((time.time() - t0) * args.rate) + 1)
        while sent < due_now:
            enqueue(run_id, sent, t0 + sent / args.rate, True)
            sent += 1
        time.sleep(0.001)
    wait_done(r, run_id, total, args.timeout)
    lat = sorted(start * 1000.0 for start, _ in reports(r, run_id))
    print("tasks=%d\np50_ms=%.3f\np99_ms=%.3f\nmax_ms=%.3f"
          % (len(lat), percentile(lat, 50), percentile(lat, 99), lat[-1] if lat else 0.0))


def cmd_wait_ready(args):
    r, deadline = state_client(), time.time() + args.timeout
    while time.time() < deadline:
        pid = r.get("bench:worker_ready")
        if pid:
            print(pid.decode())
            return
        time.sleep(0.1)
    sys.exit("the Celery worker did not report ready within %.0f s" % args.timeout)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("backlog")
    b.add_argument("--n", type=int, required=True)
    p = sub.add_parser("paced")
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--seconds", type=float, required=True)
    w = sub.add_parser("wait-ready")
    for s in (b, p, w):
        s.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    {"backlog": cmd_backlog, "paced": cmd_paced, "wait-ready": cmd_wait_ready}[args.cmd](args)


if __name__ == "__main__":
    main()
