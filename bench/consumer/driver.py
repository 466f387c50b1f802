#!/usr/bin/python3
"""Load and measurements for bench/run's consumer section (bench/lib/consumer.sh).

  driver.py fill     --port P --prefix X --count N        XADD N interface groups to X:metrics:bench
  driver.py drain    --port P --prefix X --count N --group G --timeout S
                     waits until G has read and acknowledged N entries; prints seconds=...
  driver.py await-points --influx-port I --db D --count N --timeout S
                     waits until measurement "interface" holds N points; prints seconds=...
  driver.py count    --influx-port I --db D               points of measurement "interface"
  driver.py latency  --port P --prefix X --influx-port I --db D --seconds S --rate R
                     XADDs probe groups at R/s (creation time = now) while polling InfluxDB every
                     10 ms for the new ones; prints p50_ms=, p99_ms=, probes=
"""
import argparse
import json
import sys
import threading
import time

import redis
import requests

STREAM = "{}:metrics:bench"


def interface_group(i, ts):
    metrics = [{"metric_name": name, "metric_value": i * 7 + k, "metric_type": "counter",
                "metric_creation_timestamp": ts}
               for k, name in enumerate(["bytes_in", "bytes_out", "packets_in", "packets_out", "errors_in",
                                         "errors_out", "drops_in", "drops_out"])]
    metrics += [{"metric_name": "mtu", "metric_value": 1500, "metric_type": "gauge", "metric_creation_timestamp": ts},
                {"metric_name": "speed_mbps", "metric_value": 10000, "metric_type": "gauge",
                 "metric_creation_timestamp": ts}]
    return {"metrics_group_type": "interface", "metrics_group_interval": 60,
            "metrics_group_creation_timestamp": ts, "metrics_group_schema_version": "0.2",
            "resource": {"resource_site": "bench", "resource_class": "network", "resource_subclass": "switch",
                         "resource_type": "bench", "resource_id": "sw%d" % (i % 1000),
                         "resource_endpoint": "sw%d.example" % (i % 1000), "resource_plugin": "bench",
                         "resource_creation_timestamp": ts, "resource_metadata": {}},
            "metrics": metrics,
            "dimensions": [{"dimension_name": "interface_name", "dimension_value": "Ethernet%d" % (i % 48)},
                           {"dimension_name": "alias", "dimension_value": "uplink"}]}


def fill(args):
    r = redis.Redis(port=args.port)
    base = 1700000000.0
    pipe = r.pipeline(transaction=False)
    for i in range(args.count):
        # distinct series or seconds for every entry, so that every point is kept by InfluxDB
        pipe.xadd(STREAM.format(args.prefix), {"data": json.dumps(interface_group(i, base + i // 6000))})
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()


def group_state(r, stream, group):
    for g in r.xinfo_groups(stream):
        if g["name"].decode() == group:
            return g
    return None


def drain(args):
    r = redis.Redis(port=args.port)
    stream = STREAM.format(args.prefix)
    start = time.time()
    while time.time() - start < args.timeout:
        g = group_state(r, stream, args.group)
        if g and g["pending"] == 0 and (g.get("entries-read") or 0) >= args.count:
            print("seconds=%.3f" % (time.time() - start))
            return 0
        time.sleep(0.01)
    print("drain: timed out", file=sys.stderr)
    return 1


def query(port, db, q):
    r = requests.post("http://127.0.0.1:%d/query" % port, params={"db": db, "epoch": "s"}, data={"q": q},
                      timeout=10)
    r.raise_for_status()
    return r.json()["results"][0].get("series", [])


def await_points(args):
    start = time.time()
    while time.time() - start < args.timeout:
        series = query(args.influx_port, args.db, "SELECT count(bytes_in__counter) FROM interface")
        if series and series[0]["values"][0][1] >= args.count:
            print("seconds=%.3f" % (time.time() - start))
            return 0
        time.sleep(0.1)
    print("await-points: timed out", file=sys.stderr)
    return 1


def count(args):
    series = query(args.influx_port, args.db, "SELECT count(bytes_in__counter) FROM interface")
    print("points=%d" % (series[0]["values"][0][1] if series else 0))
    return 0


def latency(args):
    r = redis.Redis(port=args.port)
    stream = STREAM.format(args.prefix)
    added, seen, done = {}, {}, threading.Event()

    def poll():
        # Ask from the lowest probe not yet seen, not from the highest seen: batches can become
        # queryable out of order (a write retried after a timeout), and a probe behind the highest
        # one seen would otherwise never be asked for again.
        low = 0
        while not done.is_set() or len(seen) < len(added):
            for s in query(args.influx_port, args.db,
                           "SELECT seq__gauge FROM bench_probe WHERE seq__gauge >= %d" % low):
                now = time.time()
                for _, seq in s["values"]:
                    seen.setdefault(int(seq), now)
            while low in seen:
                low += 1
            if done.is_set() and time.time() > deadline:
                return
            time.sleep(0.01)

    deadline = time.time() + args.seconds + 30
    poller = threading.Thread(target=poll)
    poller.start()
    n = int(args.seconds * args.rate)
    t0 = time.time()
    for i in range(n):
        wait = t0 + i / args.rate - time.time()
        if wait > 0:
            time.sleep(wait)
        now = time.time()
        g = interface_group(i, now)
        g["metrics_group_type"] = "bench_probe"
        g["metrics"] = [{"metric_name": "seq", "metric_value": i, "metric_type": "gauge",
                         "metric_creation_timestamp": now}]
        g["dimensions"] = [{"dimension_name": "probe", "dimension_value": str(i)}]
        added[i] = now
        r.xadd(stream, {"data": json.dumps(g)})
    done.set()
    poller.join()
    lat = sorted((seen[i] - added[i]) * 1000 for i in added if i in seen)
    if len(lat) < len(added):
        print("latency: %d of %d probes never became queryable" % (len(added) - len(lat), len(added)),
              file=sys.stderr)
        return 1
    print("p50_ms=%.1f" % lat[len(lat) // 2])
    print("p99_ms=%.1f" % lat[min(len(lat) - 1, int(len(lat) * 0.99))])
    print("probes=%d" % len(lat))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["fill", "drain", "await-points", "count", "latency"])
    p.add_argument("--port", type=int)
    p.add_argument("--prefix")
    p.add_argument("--count", type=int)
    p.add_argument("--group", default="panoptes-consumer")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--influx-port", type=int)
    p.add_argument("--db")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--rate", type=float, default=100)
    args = p.parse_args()
    return {"fill": fill, "drain": drain, "await-points": await_points, "count": count,
            "latency": latency}[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
