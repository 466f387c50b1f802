#!/usr/bin/python3
"""Quantiles of a Prometheus histogram between two scrapes of a /metrics page.

usage: prom.py BEFORE_FILE AFTER_FILE NAME_SUBSTRING Q [Q...]
Finds the one histogram family whose name contains NAME_SUBSTRING (e.g. "lateness"), sums its
buckets over all label sets, subtracts BEFORE from AFTER, and prints "count=N" then "pQ_ms=V" per
quantile Q (0..100), linearly interpolated inside the bucket as Prometheus' histogram_quantile
does. Bucket bounds in seconds (a name ending in _seconds) are converted to ms. Exit 1 when the
histogram is missing or empty.
"""
import re
import sys

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)_bucket\{(.*)\}\s+([0-9.eE+-]+|NaN)')


def buckets(path, needle):
    found = {}
    names = set()
    for line in open(path):
        m = LINE.match(line)
        if not m or needle not in m.group(1):
            continue
        names.add(m.group(1))
        le = re.search(r'le="([^"]+)"', m.group(2)).group(1)
        bound = float("inf") if le in ("+Inf", "Inf") else float(le)
        found[bound] = found.get(bound, 0.0) + float(m.group(3))
    if len(names) > 1:
        sys.exit("several histograms match %r: %s" % (needle, ", ".join(sorted(names))))
    return (names.pop() if names else None), found


def quantile(cum, q):
    """cum: sorted [(upper bound, cumulative count)]."""
    total = cum[-1][1]
    rank = q / 100.0 * total
    prev_bound, prev_count = 0.0, 0.0
    for bound, count in cum:
        if count >= rank:
            if bound == float("inf"):
                return prev_bound
            if count == prev_count:
                return bound
            return prev_bound + (bound - prev_bound) * (rank - prev_count) / (count - prev_count)
        prev_bound, prev_count = bound, count
    return prev_bound


def main():
    before, after, needle = sys.argv[1], sys.argv[2], sys.argv[3]
    qs = [float(q) for q in sys.argv[4:]]
    name, b0 = buckets(before, needle)
    name1, b1 = buckets(after, needle)
    if not name1:
        sys.exit("no histogram matching %r in %s" % (needle, after))
    cum = sorted((bound, b1[bound] - b0.get(bound, 0.0)) for bound in b1)
    if not cum or cum[-1][1] <= 0:
        sys.exit("histogram %s has no observations between the two scrapes" % name1)
    scale = 1000.0 if name1.endswith("_seconds") else 1.0
    print("count=%d" % cum[-1][1])
    for q in qs:
        print("p%g_ms=%.3f" % (q, quantile(cum, q) * scale))


if __name__ == "__main__":
    main()
