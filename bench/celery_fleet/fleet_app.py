"""Celery's side of the fleet section: the harness's app (BENCH_CELERY_DIR, on PYTHONPATH) plus one task.

`bench.fleet_poll` is the harness's panoptes_like work (lock, frequency check, trivial plugin,
last-executed, unlock, completion accounting) with the same 250 ms wait as our bench_sleep plugin
inside the plugin's place, so both systems do the same guarded work around a slow device. With
`report`, it appends "<start - due> <end - due>" (seconds) to bench:start:<run>, one more round
trip after its work: the paced runs' latency, the backlog runs' steady window. Run with Debian's
/usr/bin/python3 (python3-celery, python3-redis).
"""
import time

from celery_app import app, panoptes_like, state_client  # noqa: F401 (app: the worker's -A target)

WAIT_S = 0.25


@app.task(name="bench.fleet_poll")
def fleet_poll(plugin, resource_id, run_id, seq, due, report=False):
    started = time.time()
    time.sleep(WAIT_S)
    panoptes_like.run(plugin, resource_id, 0, run_id, seq)
    if report:
        state_client().rpush("bench:start:%s" % run_id, "%r %r" % (started - due, time.time() - due))
