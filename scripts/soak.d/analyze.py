#!/usr/bin/python3
"""Analysis of a scripts/soak run directory: reads probe.log (what the probe plugin really ran),
events.log (the faults and what the monitor saw) and run.json (the parameters); prints the
figures as name=value lines and exits 1 on a violation:
  - concurrent runs: two runs of one device running at the same instant (the time a run's
    process spent SIGSTOPped does not count: it did nothing then), or a run that, resumed after
    another run of its device started, ran to its end or ran on for more than 0.25 s;
  - too-soon runs: the frequency guard's rule broken, one run per period of the cadence and never
    two less than half a period apart: a run starting less than frequency / 2 - plugins_skew -
    tolerance after the previous run of its device, or less than frequency - plugins_skew -
    tolerance after the run before that (three runs in one period); a run less than a
    whole frequency - plugins_skew after the previous one (the next period's run after a late
    one) is counted in early_runs, not a violation;
  - false crash records: Redis recorded a run crashed whose plugin ran to its end;
  - unrecovered devices: a device with no run in the last 2 x frequency + 2 s of the settling;
  - with strict_cycles, a cycle lost to a Redis restart or a failover and nothing else.
A run without an end line (its worker was killed) ends when its process died (the monitor sees
it within 0.1 s), or at its process' next start, whichever comes first.

usage: analyze.py RUN_DIR [--tolerance S]
"""
import argparse
import collections
import json
import math
import os
import statistics
import sys


class Run:
    __slots__ = ('device', 'start', 'wall', 'pid', 'end', 'ended', 'pieces')

    def __init__(self, device, start, wall, pid):
        self.device, self.start, self.wall, self.pid = device, start, wall, pid
        self.end, self.ended = None, None  # ended: 'end', 'abort' (its lines), 'died', 'next' or 'open'
        self.pieces = []  # [start, end] minus the times its process was SIGSTOPped: when it ran


def read_events(path):
    events = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip('\n').split(' ', 3)
            if len(parts) >= 3:
                events.append((float(parts[0]), float(parts[1]), parts[2], parts[3] if len(parts) > 3 else ''))
    return events


def read_runs(path, deaths, t_last):
    """Runs per device in start order; `deaths`: pid -> the times its processes died."""
    runs, open_by_pid = collections.defaultdict(list), {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5:
                continue
            what, device, mono, wall, pid = parts[0], parts[1], float(parts[2]), float(parts[3]), int(parts[4])
            run = open_by_pid.pop(pid, None)
            if what == 'start':
                if run is not None:  # its plugin stopped without an end line: no longer running
                    run.end, run.ended = mono, 'next'
                run = Run(device, mono, wall, pid)
                runs[device].append(run)
                open_by_pid[pid] = run
            elif what in ('end', 'abort') and run is not None and run.device == device:
                run.end, run.ended = mono, what
    for run in open_by_pid.values():
        died = [t for t in deaths.get(run.pid, []) if t >= run.start]
        run.end, run.ended = (min(died), 'died') if died else (t_last, 'open')
    for rs in runs.values():
        rs.sort(key=lambda r: r.start)
    return runs


def stop_intervals(events):
    """pid -> the [stopped, continued] intervals of its process group (its agent's)."""
    group_of, stops, since = {}, collections.defaultdict(list), {}
    for mono, _, kind, detail in events:
        parts = detail.split()
        if kind == 'worker_born' and len(parts) >= 3:
            group_of[int(parts[0])] = int(parts[2])
        elif kind == 'stopped':
            since[int(parts[-1])] = mono
        elif kind == 'cont' and int(parts[-1]) in since:
            stops[int(parts[-1])].append((since.pop(int(parts[-1])), mono))
    for g, t in since.items():  # never continued by a fault: the clean-up continues it
        stops[g].append((t, float('inf')))
    return {pid: stops[g] for pid, g in group_of.items() if g in stops}


def cut(start, end, holes):
    pieces = [(start, end)]
    for h0, h1 in holes:
        pieces = [q for a, b in pieces for q in ((a, min(b, h0)), (max(a, h1), b)) if q[0] < q[1]]
    return pieces


RAN_ON_GRACE_S = 0.25
# The monitor times a death when its pidfd becomes readable: a few ms late on a loaded machine.
DEATH_SLACK_S = 0.05


def concurrency(a, b):
    """How runs a and b of one device (a started first, not ended when b started) polled it twice
    at once, or None: 'at once' when both ran at the same instant; 'ran on' when a ran to its end
    after b had started (a run resumed from a stop past its lock's lifetime finishing its poll),
    or ran on for more than RAN_ON_GRACE_S after b started before it was aborted or killed."""
    a_end = a.end - DEATH_SLACK_S if a.ended == 'died' else a.end
    if any(x0 < y1 and y0 < min(x1, a_end) for x0, x1 in a.pieces for y0, y1 in b.pieces):
        return 'at once'
    if a.ended == 'end':
        return 'ran on'
    after = sum(max(0.0, min(x1, a.end) - max(x0, b.start)) for x0, x1 in a.pieces)
    return 'ran on' if after > RAN_ON_GRACE_S else None


def quantile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(math.ceil(q * len(s))) - 1))] if s else float('nan')


def attribute(faults, t0, t1):
    """The fault kind to blame for a gap from t0 to t1: the one kind of the faults in it, or
    'overlapping' when there are several kinds, or 'none'."""
    kinds = {k for t, k in faults if t0 <= t <= t1}
    return kinds.pop() if len(kinds) == 1 else ('none' if not kinds else 'overlapping')


def check_runs(runs, p, faults, out):
    freq, slack = p['frequency'], p['skew'] + p['tolerance']
    min_gap = freq / 2 - slack
    concurrent, too_soon, gaps, lost, early = [], [], [], collections.Counter(), 0
    for device, rs in sorted(runs.items()):
        active = []  # the runs not ended when this one starts
        base, lost_so_far = None, 0  # index of the last run before the faults
        for i, r in enumerate(rs):
            active = [x for x in active if x.end > r.start]
            concurrent += [(device, x, r, how) for x in active for how in [concurrency(x, r)] if how]
            active.append(r)
            if i == 0:
                continue
            prev = rs[i - 1]
            gap = r.start - prev.start
            # The previous run less than half a period before, or the one before it less than a
            # period before (three runs in one period). Not further: the cadence's phase may move.
            bad = next((j for j in range(i - 1, max(-1, i - 3), -1)
                        if r.start - rs[j].start < (freq / 2 if j == i - 1 else (i - j - 1) * freq) - slack), None)
            if bad is not None:
                too_soon.append((device, rs[bad], r, r.start - rs[bad].start, i - bad))
            elif gap < freq - slack:
                early += 1
            if r.start >= p['t_start']:
                gaps.append(gap)
                base = i - 1 if base is None else base
                # Cycles lost so far: the cycles the cadence since `base` allows, minus the runs.
                now_lost = max(lost_so_far, int(math.floor((r.start - rs[base].start) / freq + 0.5)) - (i - base))
                if now_lost > lost_so_far:
                    # A fault's effect lasts up to a heartbeat TTL (a reap) plus a cycle.
                    since = prev.start - p['heartbeat_ttl_s'] - freq
                    lost[attribute(faults, since, r.start)] += now_lost - lost_so_far
                    lost_so_far = now_lost
    out('concurrent_runs={}'.format(len(concurrent)))
    for device, a, b, how in concurrent[:10]:
        out('  concurrent ({}): {} run of pid {} {:.3f}-{:.3f} ({}{}) and run of pid {} {:.3f}-{:.3f} ({})'.format(
            how, device, a.pid, a.start, a.end, a.ended, ', stopped meanwhile' if len(a.pieces) > 1 else '', b.pid,
            b.start, b.end, b.ended))
    out('too_soon_runs={} (less than {:.2f} s after the previous run, or {:.2f} s after the one before)'.format(
        len(too_soon), min_gap, freq - slack))
    for device, a, b, gap, k in too_soon[:10]:
        out('  too soon: {} pid {} at {:.3f}, then pid {} at {:.3f} ({:.3f} s, {} run(s) later)'.format(
            device, a.pid, a.start, b.pid, b.start, gap, k))
    out('early_runs={} (a run less than {:.2f} s after the previous one: the next period\'s run after a late '
        'one)'.format(early, freq - slack))
    out('lost_cycles={} ({})'.format(sum(lost.values()), ', '.join(
        '{} {}'.format(n, k) for k, n in sorted(lost.items())) or 'none'))
    if gaps:
        out('gap_min_s={:.2f} gap_p50_s={:.2f} gap_p99_s={:.2f} gap_max_s={:.2f}'.format(
            min(gaps), quantile(gaps, 0.5), quantile(gaps, 0.99), max(gaps)))
    return concurrent, too_soon, lost


def check_crash_records(runs, events, out):
    """Every run Redis recorded crashed: did its plugin in fact run to its end?"""
    false, real = [], 0
    for mono, wall, kind, detail in events:
        if kind != 'recorded_crashed':
            continue
        device, le = detail.split(' ', 2)[:2]
        if le == '-':
            continue
        le = float(le)
        candidates = [r for r in runs.get(device, []) if le - 0.05 <= r.wall <= le + 2.0]
        run = min(candidates, key=lambda r: r.wall, default=None)
        if run is not None and run.ended == 'end':
            false.append((device, run, mono))
        else:
            real += 1
    out('crash_records={} (a plugin really cut short: {}; recorded crashed but ran to its end: {})'.format(
        real + len(false), real, len(false)))
    for device, run, mono in false[:10]:
        out('  false crash record: {} run of pid {} {:.3f}-{:.3f}, recorded crashed at {:.3f}'.format(
            device, run.pid, run.start, run.end, mono))
    out('timeout_records={}'.format(sum(1 for e in events if e[2] == 'recorded_timeout')))
    return false


def recovery(runs, events, p, out):
    starts = sorted((r.start, d) for d, rs in runs.items() for r in rs)
    by_kind, worst_gap, failovers = collections.defaultdict(list), collections.defaultdict(list), []
    faults = [(e[0], e[3].split(' ', 1)[0]) for e in events if e[2] == 'fault']
    leaders = [(e[0], e[3]) for e in events if e[2] == 'leader']
    for t, kind in faults:
        pending, done = set(runs), None
        for s, d in starts:
            if s > t:
                pending.discard(d)
                if not pending:
                    done = s
                    break
        if done is not None:
            by_kind[kind].append(done - t)
        spans = [b.start - a.start for rs in runs.values() for a, b in zip(rs, rs[1:]) if a.start <= t < b.start]
        if spans:
            worst_gap[kind].append(max(spans))
        if kind == 'kill_leader':
            before = [tok for tl, tok in leaders if tl <= t]
            new = next((tl for tl, tok in leaders if tl > t and tok != '-' and (not before or tok != before[-1])),
                       None)
            if new is not None:
                failovers.append(new - t)
    for kind in sorted(by_kind):
        v, g = by_kind[kind], worst_gap[kind]
        out('fault_{}: n={} every_device_ran_again_s median={:.2f} max={:.2f}; longest_gap_across_s median={:.2f} '
            'max={:.2f}'.format(kind, len(v), statistics.median(v), max(v), statistics.median(g) if g else 0,
                                max(g) if g else 0))
    if failovers:
        out('scheduler_failover_s: n={} median={:.2f} max={:.2f}'.format(
            len(failovers), statistics.median(failovers), max(failovers)))
    for kind in ('redis_up', 'failover_done'):
        v = [float(e[3].split()[-2]) for e in events if e[2] == kind]
        if v:
            out('{}_s: n={} median={:.2f} max={:.2f}'.format(kind, len(v), statistics.median(v), max(v)))
    return faults


def main(argv):
    ap = argparse.ArgumentParser(prog='analyze.py')
    ap.add_argument('dir')
    ap.add_argument('--tolerance', type=float, default=0.25,
                    help='slack of the too-soon check: the guard stamps before the plugin starts (s)')
    a = ap.parse_args(argv)
    with open(os.path.join(a.dir, 'run.json')) as f:
        p = json.load(f)
    p['tolerance'] = a.tolerance
    events = read_events(os.path.join(a.dir, 'events.log'))
    t_settled = next((e[0] for e in events if e[2] == 'settled'), events[-1][0])
    deaths = collections.defaultdict(list)
    for mono, _, kind, detail in events:
        if kind == 'worker_dead':
            deaths[int(detail.split()[0])].append(mono)
        elif kind == 'fault' and detail.startswith('kill_worker'):
            deaths[int(detail.split()[-1])].append(mono)
    runs = read_runs(os.path.join(a.dir, 'probe.log'), deaths, t_settled)
    stops = stop_intervals(events)
    for r in (r for rs in runs.values() for r in rs):
        r.pieces = cut(r.start, r.end, stops.get(r.pid, []))
    out = print
    out('seed={} duration_s={:.0f} devices={} frequency_s={} skew_s={} tolerance_s={}'.format(
        p['seed'], p['t_end'] - p['t_start'], p['devices'], p['frequency'], p['skew'], p['tolerance']))
    all_runs = [r for rs in runs.values() for r in rs]
    ended = collections.Counter(r.ended for r in all_runs)
    out('runs={} ended: {}'.format(len(all_runs), ', '.join('{} {}'.format(n, k) for k, n in sorted(ended.items()))))
    fault_list = recovery(runs, events, p, out)
    out('faults={} ({})'.format(len(fault_list), ', '.join(
        '{} {}'.format(n, k) for k, n in sorted(collections.Counter(k for _, k in fault_list).items()))))
    concurrent, too_soon, lost = check_runs(runs, p, fault_list, out)
    false = check_crash_records(runs, events, out)
    window = 2 * p['frequency'] + 2
    stale = sorted(d for d in ['dev%03d' % i for i in range(p['devices'])]
                   if not any(t_settled - window <= r.start <= t_settled for r in runs.get(d, [])))
    out('unrecovered_devices={}{}'.format(len(stale), ' (' + ' '.join(stale) + ')' if stale else ''))
    strict = sum(n for k, n in lost.items() if k in ('redis_restart', 'failover')) if p.get('strict_cycles') else 0
    violations = [name for name, bad in (('concurrent', concurrent), ('too_soon', too_soon), ('false_crash', false),
                                         ('unrecovered', stale), ('cycles_lost_to_redis', strict)) if bad]
    out('verdict={}'.format('VIOLATION ' + ','.join(violations) if violations else 'ok'))
    return 1 if violations else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
