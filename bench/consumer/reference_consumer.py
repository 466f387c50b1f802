#!/usr/bin/python3
"""The original Panoptes InfluxDB consumer's design, as a reference for bench/run's consumer section:
Python, one message at a time (the original's Kafka callback received one metrics group per call),
points buffered in a set and written when write_api_batch_size (200) points are held or
write_api_max_emit_interval (15 s) passed, with the original's naming. Here the messages come from
the same Redis stream through a consumer group (XREADGROUP COUNT 1, XACK per message after it was
buffered, as the original let Kafka commit on its own), so that both consumers read the same input.
Written for the benchmark; not a copy of the original's code.

  reference_consumer.py --port P --prefix X --influx-port I --db D
"""
import argparse
import json
import re
import signal
import sys
import time

import redis
import requests

NAME = re.compile(r"[^0-9a-zA-Z_]+")
SPECIAL = re.compile(r"([,=\s])")


def to_line(group):
    tags = {d["dimension_name"]: d["dimension_value"] for d in group["dimensions"]}
    resource = group["resource"]
    for key in ("resource_class", "resource_subclass", "resource_type", "resource_endpoint", "resource_site"):
        tags[key] = resource[key]
    tag_set = ",".join("%s=%s" % (k, SPECIAL.sub(r"\\\1", v)) for k, v in sorted(tags.items()))
    fields = {m["metric_name"] + "__" + m["metric_type"]: m["metric_value"] for m in group["metrics"]}
    field_set = ",".join("%s=%r" % (k, v) for k, v in sorted(fields.items()))
    return "%s,%s %s %d" % (NAME.sub("_", group["metrics_group_type"]), tag_set, field_set,
                            int(group["metrics_group_creation_timestamp"]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--influx-port", type=int, required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--group", default="reference")
    args = p.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    r = redis.Redis(port=args.port)
    stream = "%s:metrics:bench" % args.prefix
    try:
        r.xgroup_create(stream, args.group, id="0", mkstream=True)
    except redis.ResponseError:
        pass
    session = requests.Session()
    url = "http://127.0.0.1:%d/write" % args.influx_port
    points, last_emit = set(), time.time()
    while not stop:
        reply = r.xreadgroup(args.group, "ref", {stream: ">"}, count=1, block=100)
        for _, entries in reply or []:
            for entry_id, fields in entries:
                points.add(to_line(json.loads(fields[b"data"])))
                r.xack(stream, args.group, entry_id)
        if len(points) >= 200 or (points and time.time() - last_emit >= 15):
            resp = session.post(url, params={"db": args.db, "precision": "s"}, data="\n".join(points))
            if resp.status_code // 100 == 2:
                points, last_emit = set(), time.time()
    return 0


if __name__ == "__main__":
    sys.exit(main())
