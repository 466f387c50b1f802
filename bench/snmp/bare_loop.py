#!/usr/bin/python3
"""The bare-Python baseline of bench/run's "snmp" section: the same plugin file's module, the same
framework modules (the Python sources the agent embeds) and the same device, called in a plain loop
by Debian's /usr/bin/python3, with no agent, Redis or conversion around it.
  bare_loop.py --port P --community C --runs N [--warmup W] [--module-dir DIR]
Prints name=value lines: runs, groups_per_run, wall_ms_per_run, cpu_ms_per_run (process CPU,
utime+stime, over the timed runs), and timeouts: the runs (warm-up included) whose SNMP requests
timed out (a starved simulator), which are carried on past, not fatal; with any, the per-run figures
include their waits (bench/lib/snmp.sh then leaves the chunk out).
"""
import argparse
import logging
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--community', required=True)
    p.add_argument('--runs', type=int, required=True)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--module-dir', default=os.path.join(ROOT, 'plugins'))
    p.add_argument('--max-repetitions', default='50')
    return p.parse_args()


class NoSecrets(object):
    """The agent's secrets store with no secret set: the [snmp] community applies."""

    def get_by_site(self, key, site):
        return None


def main():
    args = parse_args()
    # The agent's module search order: the embedded framework sources, then [python] path.
    sys.path[:0] = [os.path.join(ROOT, 'src', 'python', 'py'), args.module_dir]
    from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext
    from yahoo_panoptes.framework.utilities.snmp.exceptions import PanoptesSNMPTimeoutException
    from yahoo_panoptes.framework.resources import PanoptesResource
    import snmp_interface_polling

    logger = logging.Logger('bench', logging.WARNING)  # the agent runs at --log-level warn
    config = {'Core': {'name': 'SNMP Interface Metrics', 'module': 'snmp_interface_polling'},
              'main': {'execute_frequency': '60', 'resource_filter': 'resource_class = "bench"'},
              'snmp': {'max_repetitions': args.max_repetitions}}
    site_snmp = {'community': args.community, 'port': args.port, 'timeout': 5, 'retries': 1}
    plugin = snmp_interface_polling.SNMPInterfacePolling()
    groups = None
    timeouts = 0

    def run(i):
        resource = PanoptesResource(resource_site='local', resource_class='bench', resource_subclass='bench',
                                    resource_type='bench', resource_id='bare-%d' % i,
                                    resource_endpoint='127.0.0.1', resource_plugin='bench_discovery')
        context = PanoptesPluginContext(logger=logger, config=config, data=resource, kv=None, secrets=NoSecrets(),
                                        sites=['local'], enrichment=None, snmp=dict(site_snmp), x509={})
        try:
            return len(plugin.run(context))
        except PanoptesSNMPTimeoutException:
            nonlocal timeouts
            timeouts += 1
            return None

    for i in range(args.warmup):
        groups = run(i) or groups
    cpu0, wall0 = time.process_time(), time.monotonic()
    for i in range(args.runs):
        got = run(i)
        if got is None:
            continue
        groups = got if groups is None else groups
        if got != groups:
            sys.exit('bare_loop: run %d returned a different number of groups' % i)
    cpu1, wall1 = time.process_time(), time.monotonic()
    print('runs=%d' % args.runs)
    print('timeouts=%d' % timeouts)
    print('groups_per_run=%d' % (groups or 0))
    print('wall_ms_per_run=%.3f' % ((wall1 - wall0) * 1000 / args.runs))
    print('cpu_ms_per_run=%.3f' % ((cpu1 - cpu0) * 1000 / args.runs))


if __name__ == '__main__':
    main()
