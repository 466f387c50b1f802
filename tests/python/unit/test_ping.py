# framework.utilities.ping with the real ping program (iputils) against 127.0.0.1.
import json
import unittest

from yahoo_panoptes.framework.resources import PanoptesResource
from yahoo_panoptes.framework.utilities.ping import (PanoptesPingConnectionFactory, PanoptesPingDirect,
                                                     PanoptesPingException, PanoptesPingTimeoutException)


def resource(endpoint):
    return PanoptesResource(resource_site='dc1', resource_class='network', resource_subclass='s', resource_type='t',
                            resource_id='r1', resource_endpoint=endpoint, resource_plugin='p')


class TestPing(unittest.TestCase):
    def test_pinging_the_loopback_fills_every_statistic(self):
        ping = PanoptesPingConnectionFactory.get_ping_connection(resource('127.0.0.1'), count=2, timeout=5)
        self.assertIsInstance(ping, PanoptesPingDirect)
        self.assertEqual((ping.packets_transmitted, ping.packets_received, ping.packet_loss_pct), (2, 2, 0.0))
        self.assertGreater(ping.round_trip_max, 0.0)
        self.assertLessEqual(ping.round_trip_min, ping.round_trip_avg)
        self.assertLess(ping.execution_time, 5)
        stats = json.loads(ping.response)
        self.assertEqual(sorted(stats), sorted(['packets_transmitted', 'packets_received', 'packet_loss_pct',
                                                'execution_time', 'round_trip_min', 'round_trip_avg',
                                                'round_trip_max', 'round_trip_stddev']))

    def test_an_unresolvable_host_is_a_ping_error_not_a_timeout(self):
        with self.assertRaises(PanoptesPingException) as caught:
            PanoptesPingDirect(count=1, timeout=2, hostname='no-such-host.invalid')
        self.assertNotIsInstance(caught.exception, PanoptesPingTimeoutException)

    def test_bad_arguments(self):
        for count, timeout in ((-1, 1), ('1', 1), (1, 0), (1, -1)):
            with self.assertRaises(AssertionError, msg=(count, timeout)):
                PanoptesPingConnectionFactory.get_ping_connection(resource('127.0.0.1'), count=count, timeout=timeout)
        with self.assertRaises(AssertionError):
            PanoptesPingConnectionFactory.get_ping_connection(None)


if __name__ == '__main__':
    unittest.main()
