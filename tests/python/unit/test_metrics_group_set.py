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


if __name__ == '__main__':
    unittest.main()
