#!/usr/bin/python3
"""Turns ../shared/bench/celery's results.jsonl into bench/run samples (name, value, unit, what).

One sample per repetition: panoptes_like throughput of `hub-fix` (the baseline) and `shipped`,
worker and redis-server CPU per task, apply_async -> task start latency, idle worker RSS/PSS.
Exit 1 when the hub-fix throughput is missing (the Celery run failed).
"""
import json
import sys


def main(path):
    recs = [json.loads(line) for line in open(path) if line.strip()]
    out = []

    def emit(name, value, unit, what):
        if value is not None:
            out.append("%s\t%.6g\t%s\t%s" % (name, value, unit, what))

    for r in recs:
        cfg, kind = r.get("config"), r.get("kind")
        if kind == "throughput" and r.get("task") == "panoptes_like":
            boxed = " (hit its time box)" if r.get("time_boxed") else ""
            if cfg == "hub-fix":
                emit("celery_tasks_per_s", r["tasks_per_s"], "tasks/s",
                     "Celery hub-fix panoptes_like, prefork x2, N=%d" % r["n"])
                cpu = r.get("cpu_ms_per_task") or {}
                emit("celery_worker_cpu_ms_per_task", cpu.get("worker"), "ms",
                     "Celery hub-fix worker (parent+children) CPU per task")
                emit("celery_redis_cpu_ms_per_task", cpu.get("redis"), "ms",
                     "Celery hub-fix redis-server CPU per task")
            elif cfg == "shipped":
                emit("celery_shipped_tasks_per_s", r["tasks_per_s"], "tasks/s",
                     "Celery as shipped panoptes_like, N=%d%s" % (r["n"], boxed))
            elif cfg == "hub-fix+mtpc10":
                emit("celery_mtpc10_tasks_per_s", r["tasks_per_s"], "tasks/s",
                     "Celery hub-fix --max-tasks-per-child 10, N=%d" % r["n"])
        elif kind == "latency" and cfg == "hub-fix":
            emit("celery_start_p50_ms", r.get("start_p50_ms"), "ms",
                 "Celery apply_async -> task start p50 (serial)")
            emit("celery_start_p99_ms", r.get("start_p99_ms"), "ms",
                 "Celery apply_async -> task start p99 (serial)")
        elif kind == "mem" and cfg == "hub-fix" and r.get("label") == "idle_fresh":
            emit("celery_worker_idle_rss_mb", r["rss_kb"] / 1024.0, "MiB",
                 "Celery worker RSS sum, idle (parent + 2 children)")
            emit("celery_worker_idle_pss_mb", r["pss_kb"] / 1024.0, "MiB",
                 "Celery worker PSS sum, idle (parent + 2 children)")
    if not any(line.startswith("celery_tasks_per_s\t") for line in out):
        sys.exit("%s: no hub-fix panoptes_like throughput record" % path)
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
