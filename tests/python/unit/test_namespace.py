# The open yahoo_panoptes namespace: embedded modules first, every other submodule from the
# yahoo_panoptes/ trees under sys.path and under the roots of loaded plugin modules.
import importlib
import sys
import unittest

import _panoptes_bootstrap
from panoptes_testing import TempTree


class OpenNamespaceTest(unittest.TestCase):
    def setUp(self):
        self.tree = TempTree()
        self.addCleanup(self.tree.__exit__)
        self.saved_path = list(sys.path)
        self.addCleanup(self.restore_path)

    def restore_path(self):
        sys.path[:] = self.saved_path

    def test_embedded_framework_modules_win_over_a_tree_on_the_path(self):
        self.tree.write('yahoo_panoptes/__init__.py', 'raise RuntimeError("the tree\'s package ran")\n')
        self.tree.write('yahoo_panoptes/framework/__init__.py', 'raise RuntimeError("ran")\n')
        self.tree.write('yahoo_panoptes/framework/metrics.py', 'SHADOW = True\n')
        sys.path.insert(0, self.tree.root)
        import yahoo_panoptes.framework.metrics as metrics
        self.assertTrue(metrics.__spec__.origin.startswith('<embedded>/yahoo_panoptes/framework/metrics.py'))
        self.assertFalse(hasattr(metrics, 'SHADOW'))

    def test_plugins_tree_on_the_path_imports_and_its_subpackages_import_each_other(self):
        self.tree.write('yahoo_panoptes/plugins/__init__.py', '')
        self.tree.write('yahoo_panoptes/plugins/helpers_a/__init__.py', '')
        self.tree.write('yahoo_panoptes/plugins/helpers_a/conn.py', 'VALUE = 41\n')
        self.tree.write('yahoo_panoptes/plugins/vendor_a/__init__.py', '')
        self.tree.write('yahoo_panoptes/plugins/vendor_a/base.py', '''
            from yahoo_panoptes.plugins.helpers_a.conn import VALUE
            from yahoo_panoptes.framework.metrics import PanoptesMetric
            ANSWER = VALUE + 1
            ''')
        self.tree.write('yahoo_panoptes/plugins/vendor_a/sub/__init__.py', '')
        self.tree.write('yahoo_panoptes/plugins/vendor_a/sub/leaf.py', '''
            from yahoo_panoptes.plugins.vendor_a import base
            ANSWER = base.ANSWER
            ''')
        sys.path.append(self.tree.root)
        leaf = importlib.import_module('yahoo_panoptes.plugins.vendor_a.sub.leaf')
        self.assertEqual(leaf.ANSWER, 42)
        self.assertEqual(leaf.__file__, self.tree.path('yahoo_panoptes/plugins/vendor_a/sub/leaf.py'))

    def test_site_addition_under_an_embedded_package_imports(self):
        self.tree.write('yahoo_panoptes/framework/utilities/site_extra_b.py', 'NAME = "extra"\n')
        sys.path.append(self.tree.root)
        extra = importlib.import_module('yahoo_panoptes.framework.utilities.site_extra_b')
        self.assertEqual(extra.NAME, 'extra')

    def test_tree_of_a_loaded_plugin_module_joins_the_namespace(self):
        self.tree.write('site/yahoo_panoptes/plugins/__init__.py', '')
        self.tree.write('site/yahoo_panoptes/plugins/polling_c/__init__.py', '')
        self.tree.write('site/yahoo_panoptes/plugins/polling_c/helper_c.py', 'X = 3\n')
        plugin = self.tree.write('site/yahoo_panoptes/plugins/polling_c/deep/plugin_c.py', '')
        with self.assertRaises(ImportError):
            importlib.import_module('yahoo_panoptes.plugins.polling_c.helper_c')
        _panoptes_bootstrap.add_plugin_module(plugin)
        helper = importlib.import_module('yahoo_panoptes.plugins.polling_c.helper_c')
        self.assertEqual(helper.X, 3)

    def test_missing_submodule_is_module_not_found(self):
        with self.assertRaises(ModuleNotFoundError):
            importlib.import_module('yahoo_panoptes.framework.no_such_module_d')

    def test_module_origins_name_the_embedded_and_the_tree_files(self):
        self.tree.write('yahoo_panoptes/plugins/__init__.py', '')
        self.tree.write('yahoo_panoptes/plugins/origin_e.py', '')
        sys.path.append(self.tree.root)
        importlib.import_module('yahoo_panoptes.plugins.origin_e')
        origins = dict(_panoptes_bootstrap.module_origins())
        self.assertEqual(origins['yahoo_panoptes.plugins.origin_e'], self.tree.path('yahoo_panoptes/plugins/origin_e.py'))
        self.assertEqual(origins['yahoo_panoptes.framework.metrics'], '<embedded>/yahoo_panoptes/framework/metrics.py')
        self.assertEqual(origins['yahoo_panoptes'], '<embedded>/yahoo_panoptes/__init__.py')
        self.assertNotIn('panoptes', origins)

    def test_short_name_panoptes_reexports_the_same_objects(self):
        import panoptes
        from yahoo_panoptes.framework.metrics import PanoptesMetric
        from yahoo_panoptes.framework.resources import PanoptesResource
        from yahoo_panoptes.polling.polling_plugin import PanoptesPollingPlugin
        self.assertIs(panoptes.PanoptesMetric, PanoptesMetric)
        self.assertIs(panoptes.PanoptesResource, PanoptesResource)
        self.assertIs(panoptes.PanoptesPollingPlugin, PanoptesPollingPlugin)


if __name__ == '__main__':
    unittest.main()
