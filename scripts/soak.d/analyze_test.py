#!/usr/bin/python3
"""Unit tests of the soak's analysis (analyze.py) on synthetic run directories: each invariant
is violated once, on purpose, and must be caught; a clean run passes. Run by ctest (soak.analysis)."""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import analyze  # noqa: E402

WALL = 1800000000.0  # wall clock = monotonic + WALL in these runs


class Run:
    """A run directory being written: probe lines, events, parameters."""

    def __init__(self, devices=1, frequency=4):
        self.dir = tempfile.mkdtemp(prefix='soak-analyze-test.')
        self.probe, self.events = [], []
        self.p = {'frequency': frequency, 'skew': 1, 'devices': devices, 'seed': 1, 't_start': 10.0,
                  't_end': 100.0, 'settle': 20, 'faults': [], 'strict_cycles': False, 'heartbeat_ttl_s': 10}

    def run(self, device, start, end, pid, what='end'):
        self.probe.append('start {} {:.6f} {:.6f} {}'.format(device, start, start + WALL, pid))
        if end is not None:
            self.probe.append('{} {} {:.6f} {:.6f} {}'.format(what, device, end, end + WALL, pid))

    def event(self, t, kind, detail=''):
        self.events.append((t, '{:.6f} {:.6f} {} {}'.format(t, t + WALL, kind, detail)))

    def regular(self, device, pid, t0=0.0, t1=118.0, frequency=4):
        t = t0
        while t <= t1:
            self.run(device, t, t + 0.5, pid)
            t += frequency

    def analyze(self):
        self.event(120.0, 'settled')
        with open(os.path.join(self.dir, 'probe.log'), 'w') as f:
            f.write('\n'.join(sorted(self.probe, key=lambda line: float(line.split()[2]))) + '\n')
        with open(os.path.join(self.dir, 'events.log'), 'w') as f:
            f.write('\n'.join(line for _, line in sorted(self.events)) + '\n')
        with open(os.path.join(self.dir, 'run.json'), 'w') as f:
            json.dump(self.p, f)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = analyze.main([self.dir])
        return status, out.getvalue()


def value(text, name):
    line = next(line for line in text.splitlines() if line.startswith(name + '='))
    return line.split('=', 1)[1].split()[0]


class AnalyzeTest(unittest.TestCase):
    def test_a_regular_run_passes(self):
        r = Run()
        r.regular('dev000', 100)
        status, out = r.analyze()
        self.assertEqual(status, 0, out)
        self.assertEqual(value(out, 'concurrent_runs'), '0')
        self.assertEqual(value(out, 'too_soon_runs'), '0')
        self.assertEqual(value(out, 'lost_cycles'), '0')
        self.assertEqual(value(out, 'verdict'), 'ok')

    def test_two_runs_at_once_are_concurrent(self):
        r = Run()
        r.regular('dev000', 100)
        r.run('dev000', 40.2, 40.6, 200)  # while pid 100 runs 40.0-40.5
        status, out = r.analyze()
        self.assertEqual(status, 1, out)
        self.assertEqual(value(out, 'concurrent_runs'), '1')
        self.assertIn('concurrent (at once)', out)

    def test_a_stopped_run_overlaps_nothing_while_stopped_but_must_not_finish_after_another(self):
        r = Run()
        r.regular('dev000', 100, t1=38)
        r.event(0.0, 'worker_born', '300 agent0 50')
        r.run('dev000', 42.0, 55.05, 300, what='abort')  # stopped mid-way, aborted at once on SIGCONT
        r.event(42.05, 'stopped', 'agent0 group 50')
        r.event(41.9, 'fault', 'stop_agent agent0 pid 50 for 13 s')
        r.event(55.0, 'cont', 'agent0 group 50')
        r.regular('dev000', 100, t0=46, t1=118)
        status, out = r.analyze()
        self.assertEqual(value(out, 'concurrent_runs'), '0', 'runs at 46, 50, 54 while it was stopped: ' + out)
        # The same, but the resumed run finishes its poll after another run started: a double poll.
        r = Run()
        r.regular('dev000', 100, t1=38)
        r.event(0.0, 'worker_born', '300 agent0 50')
        r.run('dev000', 42.0, 55.2, 300)
        r.event(42.05, 'stopped', 'agent0 group 50')
        r.event(55.0, 'cont', 'agent0 group 50')
        r.regular('dev000', 100, t0=46, t1=118)
        status, out = r.analyze()
        self.assertEqual(status, 1, out)
        self.assertIn('concurrent (ran on)', out)

    def test_a_killed_run_ends_when_its_process_died(self):
        r = Run()
        r.regular('dev000', 100, t1=38)
        r.run('dev000', 42.0, None, 300)  # no end line: SIGKILLed at 42.2
        r.event(42.2, 'worker_dead', '300 agent0')
        r.regular('dev000', 100, t0=46, t1=118)
        status, out = r.analyze()
        self.assertEqual(status, 0, out)
        self.assertIn('1 died', out)
        # Without the death, the run would still be running when the next one starts.
        r = Run()
        r.regular('dev000', 100, t1=38)
        r.run('dev000', 42.0, None, 300)
        r.regular('dev000', 100, t0=46, t1=118)
        status, out = r.analyze()
        self.assertEqual(status, 1, out)

    def test_a_run_sooner_than_the_frequency_guard_allows_is_too_soon(self):
        # Half a period (2 s) - skew 1 - tolerance 0.25 = 0.75 s: closer than that is too soon.
        r = Run()
        r.regular('dev000', 100, t1=40)
        r.run('dev000', 40.6, 41.1, 100)
        r.regular('dev000', 100, t0=44, t1=118)
        status, out = r.analyze()
        self.assertEqual(status, 1, out)
        self.assertEqual(value(out, 'too_soon_runs'), '1')
        # A late run (41.5 for 40), then the next period's on time (44): early, not too soon.
        r = Run()
        r.regular('dev000', 100, t1=36)
        r.regular('dev000', 100, t0=41.5, t1=41.5)
        r.regular('dev000', 100, t0=44, t1=118)
        status, out = r.analyze()
        self.assertEqual(status, 0, out)
        self.assertEqual(value(out, 'too_soon_runs'), '0', out)
        self.assertEqual(value(out, 'early_runs'), '1', out)
        # Three runs in one period (40, 41, 42.5): each more than 0.75 s apart, but the third
        # 2.5 s after the first, less than 4 - 1.25.
        r = Run()
        r.regular('dev000', 100, t1=40)
        r.run('dev000', 41.0, 41.5, 100)
        r.run('dev000', 42.5, 43.0, 100)
        r.regular('dev000', 100, t0=48, t1=118)
        status, out = r.analyze()
        self.assertEqual(status, 1, out)
        self.assertIn('(2.500 s, 2 run(s) later)', out)

    def test_lost_cycles_are_counted_once_and_blamed_on_the_fault_in_the_gap(self):
        r = Run()
        r.regular('dev000', 100, t1=40)
        r.event(41.0, 'fault', 'redis_restart redis-a port 1')
        r.regular('dev000', 100, t0=46, t1=118)  # 40 -> 46: late, and the 44 cycle skipped
        r.p['strict_cycles'] = True
        status, out = r.analyze()
        self.assertEqual(out.count('lost_cycles=1 (1 redis_restart)'), 1, out)
        self.assertEqual(status, 1, 'strict: a cycle lost to a Redis restart alone is a violation')

    def test_a_crash_record_of_a_run_that_ran_to_its_end_is_false(self):
        r = Run()
        r.regular('dev000', 100)
        r.event(60.7, 'recorded_crashed', 'dev000 {:.6f} the worker process ended'.format(60.0 + WALL))
        status, out = r.analyze()
        self.assertEqual(status, 1, out)
        self.assertIn('recorded crashed but ran to its end: 1', out)
        r = Run()
        r.regular('dev000', 100, t1=56)
        r.run('dev000', 60.0, None, 300)
        r.event(60.2, 'worker_dead', '300 agent0')
        r.event(60.3, 'recorded_crashed', 'dev000 {:.6f} the worker process ended'.format(60.0 + WALL))
        r.regular('dev000', 100, t0=64)
        status, out = r.analyze()
        self.assertEqual(status, 0, out)
        self.assertIn('a plugin really cut short: 1', out)

    def test_a_device_unpolled_at_the_end_is_unrecovered(self):
        r = Run(devices=2)
        r.regular('dev000', 100)
        r.regular('dev001', 101, t1=90)
        status, out = r.analyze()
        self.assertEqual(status, 1, out)
        self.assertIn('unrecovered_devices=1 (dev001)', out)


if __name__ == '__main__':
    unittest.main()
