#!/usr/bin/python3
"""Aggregates bench/run's samples into the final report.

Input: <out>/samples.tsv (name, value, unit, description; one line per repetition), optional
<out>/notes.txt and <out>/machine.txt. Output on stdout: a readable table (min / median / max over
the repetitions), the notes, then one `name=value` line per figure (the median) plus the derived
ratios. Exit 1 if a figure listed with --require is missing.
"""
import argparse
import statistics
import sys


def load(path):
    figures = {}  # name -> {"unit", "desc", "values"}; insertion order is the table order
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                sys.exit("%s:%d: expected 4 tab-separated fields" % (path, lineno))
            name, value, unit, desc = parts
            try:
                v = float(value)
            except ValueError:
                sys.exit("%s:%d: figure %s: value %r is not a number" % (path, lineno, name, value))
            fig = figures.setdefault(name, {"unit": unit, "desc": desc, "values": []})
            fig["values"].append(v)
    return figures


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def cpu_limit(figures, cores):
    """The CPU limit of this machine for our protocol, per agent repetition: cores / (Redis CPU +
    agent CPU per task), both measured in that repetition; and the agent's fraction of it."""
    names = ("agent_tasks_per_s", "agent_cpu_ms_per_task", "redis_cpu_ms_per_task")
    if not cores or not all(n in figures for n in names):
        return []
    limits, fractions = [], []
    for tps, agent_ms, redis_ms in zip(*(figures[n]["values"] for n in names)):
        if agent_ms + redis_ms > 0:
            limits.append(cores * 1000.0 / (agent_ms + redis_ms))
            fractions.append(tps / limits[-1])
    out = []
    for name, vals, unit, desc in (
            ("cpu_limit_tasks_per_s", limits, "tasks/s",
             "CPU limit of this machine for our protocol: %d cores / (Redis + agent CPU per task)" % cores),
            ("fraction_of_cpu_limit", fractions, "x", "agent tasks/s / that CPU limit (same repetition)")):
        if vals:
            out.append((name, {"unit": unit, "desc": desc, "min": min(vals), "max": max(vals),
                               "median": statistics.median(vals), "reps": len(vals)}))
    return out


def derive(figures, cores):
    """Ratios of medians; their min/max pair the opposite extremes (worst and best case)."""
    out = cpu_limit(figures, cores)

    def ratio(name, num, den, desc):
        if num in figures and den in figures:
            n, d = figures[num]["values"], figures[den]["values"]
            if statistics.median(d) > 0 and min(d) > 0:
                out.append((name, {"unit": "x", "desc": desc, "derived": True,
                                   "min": min(n) / max(d), "max": max(n) / min(d),
                                   "median": statistics.median(n) / statistics.median(d),
                                   "reps": min(len(n), len(d))}))
    ratio("agent_vs_celery_throughput_ratio", "agent_tasks_per_s", "celery_tasks_per_s",
          "agent / Celery hub-fix throughput (target >= 10)")
    ratio("agent_vs_celery_shipped_ratio", "agent_tasks_per_s", "celery_shipped_tasks_per_s",
          "agent / Celery shipped throughput")
    for w in (64, 256, 1024):
        ratio("agent_vs_celery_fleet_ratio_%d" % w, "fleet_tasks_per_s_%d" % w, "celery_fleet_tasks_per_s_%d" % w,
              "fleet: agent / Celery tasks/s, %d workers / children, 250 ms plugin" % w)
        ratio("celery_vs_agent_fleet_pss_ratio_%d" % w, "celery_fleet_pss_mb_%d" % w, "fleet_pss_mb_%d" % w,
              "fleet: Celery PSS / agent PSS, %d idle workers / children" % w)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--require", action="append", default=[])
    ap.add_argument("--cores", type=int, default=0, help="CPUs of the machine measured (for the CPU limit)")
    args = ap.parse_args()
    figures = load(args.out + "/samples.tsv")
    rows = []
    for name, fig in figures.items():
        v = fig["values"]
        rows.append((name, fig["unit"], fig["desc"], min(v), statistics.median(v), max(v), len(v)))
    for name, d in derive(figures, args.cores):
        rows.append((name, d["unit"], d["desc"], d["min"], d["median"], d["max"], d["reps"]))

    try:
        print(open(args.out + "/machine.txt").read().rstrip())
    except OSError:
        pass
    head = ("figure", "unit", "min", "median", "max", "reps", "what")
    w0 = max([len(head[0])] + [len(r[0]) for r in rows])
    w1 = max([len(head[1])] + [len(r[1]) for r in rows])
    line = "%-*s  %-*s  %9s  %9s  %9s  %4s  %s"
    print(line % (w0, head[0], w1, head[1], *head[2:]))
    print(line % (w0, "-" * w0, w1, "-" * w1, "-" * 9, "-" * 9, "-" * 9, "----", "----"))
    for name, unit, desc, lo, med, hi, reps in rows:
        print(line % (w0, name, w1, unit, fmt(lo), fmt(med), fmt(hi), reps, desc))
    try:
        notes = open(args.out + "/notes.txt").read().strip()
    except OSError:
        notes = ""
    if notes:
        print("\nnotes:")
        for n in notes.splitlines():
            print("  - " + n)
    try:
        profile = open(args.out + "/profile.txt").read().rstrip()
    except OSError:
        profile = ""
    if profile:
        print("\n" + profile)
    print()
    for name, _unit, _desc, _lo, med, _hi, _reps in rows:
        print("%s=%s" % (name, fmt(med)))
    missing = [r for r in args.require if r not in {row[0] for row in rows}]
    if missing:
        print("\nbench: missing figures: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
