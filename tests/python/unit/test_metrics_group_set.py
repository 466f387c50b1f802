# A metrics group set keeps equal groups once, as the original's set: a group's equality and hash
# ignore its type (the original's polling results rely on it).
import unittest

from yahoo_panoptes.framework.metrics import (PanoptesMetric, PanoptesMetricType, PanoptesMetricsGroup,
                                              PanoptesMetricsGroupSet)
from yahoo_panoptes.framework.resources import PanoptesResource


class MetricsGroupSetTest(unittest.TestCase):
    def test_equal_groups_of_different_types_are_one_member(self):
        resource = PanoptesResource('dc1', 'c', 's', 't', 'i', 'e', resource_plugin='p')
        empty_cpu = PanoptesMetricsGroup(resource, 'cpu', 60)
        empty_memory = PanoptesMetricsGroup(resource, 'memory', 60)
        self.assertEqual(empty_cpu, empty_memory)
        self.assertEqual(hash(empty_cpu), hash(empty_memory))
        s = PanoptesMetricsGroupSet()
        s.add(empty_cpu)
        s.add(empty_memory)
        self.assertEqual(len(s), 1)
        self.assertIs(next(iter(s)), empty_cpu)  # the first one stays, as in a set
        empty_memory.add_metric(PanoptesMetric('used', 1, PanoptesMetricType.GAUGE, 3.0))
        s.add(empty_memory)
        self.assertEqual(len(s), 2)
        s.remove(empty_memory)
        self.assertEqual(len(s), 1)

    def test_groups_of_one_shape_are_told_apart_and_duplicates_dropped(self):
        # Groups of one shape (as many metrics and dimensions, e.g. one per interface) are compared
        # by hash and equality; each distinct one stays, in order, and a separately built equal one
        # is dropped, whether it comes second or after many.
        resource = PanoptesResource('dc1', 'c', 's', 't', 'i', 'e', resource_plugin='p')

        def group(n):
            g = PanoptesMetricsGroup(resource, 'interface', 60)
            g.add_metric(PanoptesMetric('octets', n, PanoptesMetricType.COUNTER, 3.0))
            return g

        s = PanoptesMetricsGroupSet()
        groups = [group(n) for n in range(48)]
        for g in groups:
            s.add(g)
        s.add(group(0))
        s.add(group(47))
        self.assertEqual(len(s), 48)
        self.assertEqual([g for g in s], groups)
        s.remove(group(5))
        self.assertEqual(len(s), 47)
        s.add(group(5))
        self.assertEqual(len(s), 48)

    def test_a_lone_group_is_removed_and_an_equal_one_added_again(self):
        resource = PanoptesResource('dc1', 'c', 's', 't', 'i', 'e', resource_plugin='p')
        s = PanoptesMetricsGroupSet()
        g = PanoptesMetricsGroup(resource, 'cpu', 60)
        s.add(g)
        s.remove(PanoptesMetricsGroup(resource, 'cpu', 60))
        self.assertEqual(len(s), 0)
        s.add(PanoptesMetricsGroup(resource, 'memory', 60))
        self.assertEqual(len(s), 1)

    def test_equal_metric_values_hash_alike(self):
        # 1 and 1.0 are equal values: the metrics are equal, so their hashes must be equal too.
        one = PanoptesMetric('load', 1, PanoptesMetricType.GAUGE, 3.0)
        one_f = PanoptesMetric('load', 1.0, PanoptesMetricType.GAUGE, 3.0)
        self.assertEqual(one, one_f)
        self.assertEqual(hash(one), hash(one_f))


if __name__ == '__main__':
    unittest.main()
