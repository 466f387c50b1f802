# The original Panoptes' own plugins, unchanged, through `panoptes-ctl check`: skipped unless
# PANOPTES_ORIGINAL_TREE names a checkout of the original (the directory holding yahoo_panoptes/).
# Each of its example plugin files is copied with Module pointing at the original's module; nothing
# of the original is copied into this repository.
import os
import re
import unittest

from panoptes_testing import TempTree, program, run_program

TREE = os.environ.get('PANOPTES_ORIGINAL_TREE', '')
PLUGINS = os.path.join(TREE, 'yahoo_panoptes', 'plugins')

# Plugins that need nothing beyond the framework this project provides (no SNMP, no network).
MUST_PASS = {
    'discovery': ['plugin_discovery_from_json_file'],
    'enrichment': ['plugin_enrichment_heartbeat'],
    'polling': ['plugin_polling_heartbeat'],
}


def example_files(kind):
    """{stem: path} of the original's example plugin files of `kind`."""
    out = {}
    for root, _, files in os.walk(os.path.join(PLUGINS, kind)):
        for name in files:
            if name.endswith('.panoptes-plugin.example'):
                out[name[:-len('.panoptes-plugin.example')]] = os.path.join(root, name)
    return out


def pointed_copy(tree, kind, stem, example):
    """Writes <kind>/<stem>.panoptes-plugin: the example with Module made absolute (the original's
    module next to the example) and relative config files resolved the same way."""
    with open(example) as f:
        text = f.read()
    directory = os.path.dirname(example)

    def absolute(match):
        value = match.group(2).strip()
        return match.group(1) + (value if os.path.isabs(value) else os.path.join(directory, value))

    text = re.sub(r'(?im)^(\s*module\s*=\s*)(.*)$', absolute, text)
    return tree.write(os.path.join(kind, stem + '.panoptes-plugin'), text)


def check(directory, kind):
    """{file stem: 'OK' or the error} and the --verbose module lines of panoptes-ctl check."""
    status, out, err = run_program([program('panoptes-ctl'), 'check', '--kind', kind, '--verbose', directory])
    results, modules = {}, {}
    for line in out.splitlines():
        if line.startswith('OK '):
            results[os.path.basename(line.split()[-1]).split('.')[0]] = 'OK'
        elif line.startswith('ERROR '):
            path, _, reason = line[len('ERROR '):].partition(': ')
            results[os.path.basename(path).split('.')[0]] = reason
        elif line.startswith('module '):
            _, name, origin = line.split(' ', 2)
            modules[name] = origin
    return status, results, modules, err


@unittest.skipUnless(TREE and os.path.isdir(PLUGINS), 'set PANOPTES_ORIGINAL_TREE to a checkout of the original')
class OriginalPluginsTest(unittest.TestCase):
    def test_the_original_plugins_pass_check(self):
        report = []
        with TempTree() as tree:
            for kind in ('discovery', 'enrichment', 'polling'):
                examples = example_files(kind)
                for stem, example in examples.items():
                    pointed_copy(tree, kind, stem, example)
                status, results, modules, err = check(tree.path(kind), kind)
                for stem in sorted(examples):
                    report.append('%-10s %-50s %s' % (kind, stem, results.get(stem, 'no line: ' + err)))
                for stem in MUST_PASS[kind]:
                    self.assertEqual(results.get(stem), 'OK', '%s %s: %s' % (kind, stem, results.get(stem)))
                for name, origin in sorted(modules.items()):
                    if name == 'yahoo_panoptes.plugins' or name.startswith('yahoo_panoptes.plugins.'):
                        self.assertTrue(origin.startswith(PLUGINS), '%s came from %s' % (name, origin))
                    elif not origin.startswith('<embedded>'):  # a framework module we do not provide (yet)
                        report.append('%-10s module %s from %s' % (kind, name, origin))
                self.assertEqual(modules.get('yahoo_panoptes.framework.metrics'),
                                 '<embedded>/yahoo_panoptes/framework/metrics.py')
        print('\n'.join(['', 'panoptes-ctl check of the original plugins:'] + report))


    def test_the_enrichment_schemas_mean_the_same_as_the_original(self):
        # Each original schema module, loaded from its file under another name, against ours.
        import importlib
        import importlib.util
        for module in ('heartbeat', 'interface', 'neighbor', 'neighbor_lookup', 'operational', 'topology',
                       'generic.snmp'):
            path = os.path.join(TREE, 'yahoo_panoptes', 'enrichment', 'schema', *module.split('.')) + '.py'
            spec = importlib.util.spec_from_file_location('_original_schema_' + module.replace('.', '_'), path)
            original = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(original)
            ours = importlib.import_module('yahoo_panoptes.enrichment.schema.' + module)
            self.assertTrue(ours.__spec__.origin.startswith('<embedded>'), ours.__spec__.origin)
            compared = 0
            for name, value in vars(original).items():
                if isinstance(value, type) and name.endswith('SchemaValidator') and hasattr(value, 'schema') \
                        and value.__module__ == original.__name__:
                    self.assertEqual(getattr(ours, name).schema, value.schema, '%s.%s' % (module, name))
                    compared += 1
                elif isinstance(value, type) and name.endswith('Group') and value.__module__ == original.__name__:
                    self.assertEqual(getattr(ours, name)(60, 30).namespace, value(60, 30).namespace, name)
                elif isinstance(value, str) and name.endswith('NAMESPACE'):
                    self.assertEqual(getattr(ours, name), value, name)
            self.assertGreater(compared, 0, module)


if __name__ == '__main__':
    unittest.main()
