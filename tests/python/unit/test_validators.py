# PanoptesValidators and the context/resource/metric validators: the original's results.
import logging
import os
import time
import unittest

from yahoo_panoptes.framework.validators import PanoptesValidators as V


class Items(object):
    def __init__(self, *items):
        self._items = list(items)

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)


class PanoptesValidatorsTest(unittest.TestCase):
    def test_nonempty_iterable_of_strings(self):
        for good in (['x'], {'x'}, Items('x'), ('a', 'b')):
            self.assertTrue(V.valid_nonempty_iterable_of_strings(good), good)
        for bad in ('x', [], [''], ['x', ''], ['x', {'x'}], None, 3):
            self.assertFalse(V.valid_nonempty_iterable_of_strings(bad), bad)

    def test_timestamp_within_age_and_skew(self):
        now = time.time()
        self.assertTrue(V.valid_timestamp(now))
        self.assertTrue(V.valid_timestamp(now - 86400))
        self.assertTrue(V.valid_timestamp(now + 10))
        self.assertTrue(V.valid_timestamp(now + 70, max_skew=120))
        self.assertTrue(V.valid_timestamp(int(now)))
        for bad in (0, now + 120, now - 604810, None, str(now)):
            self.assertFalse(V.valid_timestamp(bad), bad)
        self.assertFalse(V.valid_timestamp(now, max_age=None))
        self.assertFalse(V.valid_timestamp(now, max_skew=None))

    def test_logger_callback_hashable(self):
        self.assertFalse(V.valid_logger(None))
        self.assertTrue(V.valid_logger(logging.Logger('x')))
        self.assertFalse(V.valid_callback(object()))
        self.assertFalse(V.valid_callback(None))
        self.assertTrue(V.valid_callback(object.__init__))
        self.assertTrue(V.valid_hashable_object(object()))
        self.assertFalse(V.valid_hashable_object([]))

    def test_port(self):
        self.assertTrue(V.valid_port(1))
        self.assertTrue(V.valid_port(65535))
        for bad in (1.0, 65536, 65540, 0, -1, '0', '1', True, False, None):
            self.assertFalse(V.valid_port(bad), bad)

    def test_numbers_and_integers(self):
        self.assertFalse(V.valid_number(False))
        self.assertFalse(V.valid_number('1.234'))
        self.assertTrue(V.valid_number(2 ** 100))
        self.assertTrue(V.valid_number(1j))
        self.assertTrue(V.valid_number(1.5))
        for bad in (-1, 0, 1.0, '', False, True):
            self.assertFalse(V.valid_nonzero_integer(bad), bad)
        self.assertTrue(V.valid_nonzero_integer(2 ** 100))
        self.assertTrue(V.valid_positive_integer(0))
        self.assertTrue(V.valid_positive_integer(2 ** 100))
        for bad in (False, True, '', 1.0, -5):
            self.assertFalse(V.valid_positive_integer(bad), bad)

    def test_strings(self):
        self.assertFalse(V.valid_nonempty_string(''))
        self.assertTrue(V.valid_nonempty_string('hello world'))
        self.assertFalse(V.valid_nonempty_string(0))
        self.assertTrue(V.valid_none_or_string(None))
        self.assertFalse(V.valid_none_or_string(''))
        self.assertTrue(V.valid_none_or_nonempty_string('x'))
        self.assertFalse(V.valid_none_or_nonempty_string(1))

    def test_paths_and_oids(self):
        self.assertTrue(V.valid_readable_path(os.getcwd()))
        self.assertFalse(V.valid_readable_path(os.path.join(os.getcwd(), 'no_such_dir')))
        self.assertFalse(V.valid_readable_path(None))
        self.assertTrue(V.valid_readable_file(os.path.realpath(__file__)))
        self.assertFalse(V.valid_readable_file(None))
        self.assertFalse(V.valid_readable_file(os.getcwd()))
        self.assertTrue(V.valid_numeric_snmp_oid('.1.3.6.1.4.1.2636.3.1.13.1.6.2.1.0.0'))
        self.assertFalse(V.valid_numeric_snmp_oid('1.3.6.1.4.1.2636.3.1.13.1.6.2.1.0.0'))


class ObjectValidatorsTest(unittest.TestCase):
    def test_resource_metric_and_context_validators(self):
        from yahoo_panoptes.framework.resources import PanoptesResource, PanoptesResourceValidators
        from yahoo_panoptes.framework.metrics import (PanoptesMetricValidators, PanoptesMetric, PanoptesMetricType,
                                                      PanoptesMetricDimension, PanoptesMetricsGroup)
        from yahoo_panoptes.framework.plugins.context import (PanoptesPluginContextValidators, PanoptesPluginContext,
                                                              PanoptesPluginWithEnrichmentContext)
        r = PanoptesResource('s', 'c', 'sc', 't', 'i', 'e')
        self.assertTrue(PanoptesResourceValidators.valid_panoptes_resource(r))
        self.assertFalse(PanoptesResourceValidators.valid_panoptes_resource(None))
        self.assertFalse(PanoptesResourceValidators.valid_panoptes_resource('r'))
        self.assertTrue(PanoptesMetricValidators.valid_panoptes_metric_type(PanoptesMetricType.COUNTER))
        self.assertFalse(PanoptesMetricValidators.valid_panoptes_metric_type(None))
        self.assertFalse(PanoptesMetricValidators.valid_panoptes_metric_type(7))
        self.assertTrue(PanoptesMetricValidators.valid_panoptes_metric(PanoptesMetric('m', 1, 0)))
        self.assertFalse(PanoptesMetricValidators.valid_panoptes_metric(r))
        self.assertTrue(PanoptesMetricValidators.valid_panoptes_metric_dimension(PanoptesMetricDimension('d', 'v')))
        self.assertTrue(PanoptesMetricValidators.valid_panoptes_metrics_group(PanoptesMetricsGroup(r, 'g', 60)))
        self.assertTrue(PanoptesMetricValidators.valid_panoptes_resource(r))
        context = PanoptesPluginContext(None, {}, r, None, None, ['dc1'])
        self.assertTrue(PanoptesPluginContextValidators.valid_panoptes_plugin_context(context))
        self.assertTrue(PanoptesPluginContextValidators.valid_panoptes_plugin_context(
            PanoptesPluginWithEnrichmentContext(None, {}, r, None, None, ['dc1'], enrichment=object())))
        self.assertFalse(PanoptesPluginContextValidators.valid_panoptes_plugin_context(None))
        self.assertFalse(PanoptesPluginContextValidators.valid_panoptes_plugin_context({}))
        self.assertIsNone(context.snmp)
        self.assertIsNone(context.x509)
        self.assertIsNone(context.enrichment)


if __name__ == '__main__':
    unittest.main()
