# The original Panoptes' own SNMP plugins, unchanged, through `panoptes-ctl run` against the
# recordings of its own tests (served by snmpsimd), each output compared with the results those
# tests expect. Optional: runs only when PANOPTES_ORIGINAL_TREE names a checkout of the original
# (github.com/yahoo/panoptes); its root goes on [python] path, so its yahoo_panoptes/plugins tree
# (the plugins and their helpers) joins the open namespace. Each test case (read from the
# original's test classes, see original_plugin_cases.py) becomes a plugin file with the case's own
# plugin configuration and Module the original's module; its resource, community secret and
# enrichment data are handed to `ctl run` with --resource-json, --secret and --enrichment-file.
# Cases whose configuration a plugin file cannot carry (a list, a false number: see
# original_runs.not_expressible) run with it written as a file would hold it; their outcome is
# reported, not asserted.
# Nothing of the original is part of this repository.
import json
import os
import subprocess
import sys
import unittest

from original_plugin_cases import cases
from original_runs import (compare_enrichment, compare_polling, enrichment_file_entries, expected_results,
                           not_expressible, plugin_file_text, resource_document, stored_enrichment)
from panoptes_testing import TempTree, program
from snmp_simulator import SnmpSim

ORIGINAL = os.environ.get('PANOPTES_ORIGINAL_TREE', '')
SKIP = 'set PANOPTES_ORIGINAL_TREE to a checkout of the original Panoptes to run its SNMP plugins through ctl run'


def ctl_run(tree, case, port):
    """(exit status, stdout, stderr) of `panoptes-ctl run` for one case, from the original's root
    (relative enrichment file paths in its plugin configurations are from there)."""
    tag = case.name
    site = tree.write('site-{}.ini'.format(tag), '[main]\nsites = {}\n\n[python]\npath = {}\n'.format(
        case.attrs['resource_site'], ORIGINAL))
    plugin = tree.write(os.path.join(case.kind, tag + '.panoptes-plugin'), plugin_file_text(ORIGINAL, case))
    args = [program('panoptes-ctl'), 'run', '--config', site, '--kind', case.kind, plugin, '--snmp-port', str(port),
            '--resource-json', json.dumps(resource_document(case)),
            '--secret', 'snmp_community_string:{}={}'.format(case.attrs['resource_site'],
                                                             case.attrs['snmp_community'])]
    stored = stored_enrichment(case)
    if stored:
        args += ['--enrichment-file', tree.write('enrichment-{}.json'.format(tag),
                                                 json.dumps(enrichment_file_entries(stored)))]
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=120, cwd=ORIGINAL)
    return done.returncode, done.stdout, done.stderr


def outcome(case, status, out, err):
    if status != 0:
        return 'exit {}: {:.600}'.format(status, err.strip().splitlines()[-1] if err.strip() else '')
    try:
        got = json.loads(out) if out.strip() else []
    except ValueError as e:
        return 'not JSON ({}): {:.300}'.format(e, out)
    expected = expected_results(case)
    return compare_polling(got, expected) if case.kind == 'polling' else compare_enrichment(got, expected)


@unittest.skipUnless(ORIGINAL, SKIP)
class TestOriginalPluginsThroughCtlRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = cases(os.path.join(ORIGINAL, 'tests'))

    def test_each_case_through_ctl_run_gives_the_expected_results(self):
        self.assertGreater(len(self.cases), 30)
        report = []
        with TempTree() as tree:
            for data_dir in sorted({c.data_dir for c in self.cases}):
                with SnmpSim(os.path.join(data_dir, 'recording')) as sim:
                    for case in [c for c in self.cases if c.data_dir == data_dir]:
                        report.append((case, outcome(case, *ctl_run(tree, case, sim.port)), not_expressible(case)))
        sys.stderr.write(''.join('{}: {}{}\n'.format(c, result, ' (not asserted: {})'.format(why) if why else '')
                                 for c, result, why in report))
        self.assertEqual(['{}: {}'.format(c, result) for c, result, why in report if result != 'matches' and not why],
                         [])
        self.assertGreaterEqual(len([r for _, r, why in report if r == 'matches' and not why]), 35)


if __name__ == '__main__':
    unittest.main()
