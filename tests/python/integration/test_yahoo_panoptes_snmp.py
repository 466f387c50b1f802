# yahoo_panoptes_snmp, the fork's import name on Debian's easysnmp: the fork's names, `transport`,
# bulk_walk, and a clean interpreter exit with SNMPv3 sessions open.
import os
import subprocess
import sys
import textwrap
import unittest

import easysnmp
import easysnmp.exceptions

import yahoo_panoptes_snmp
from yahoo_panoptes_snmp.compat import urepr  # noqa: F401 (the original's variable module imports these)
from yahoo_panoptes_snmp.exceptions import EasySNMPError, EasySNMPTimeoutError
from yahoo_panoptes_snmp.utils import strip_non_printable

from panoptes_testing import source_dir
from snmp_simulator import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, SnmpSim, free_udp_port

sim = SnmpSim()
IF_HC_IN_OCTETS = '.1.3.6.1.2.1.31.1.1.1.6'


def setUpModule():
    sim.start()


def tearDownModule():
    sim.stop()


def session(community='switch48', **kwargs):
    args = dict(hostname='127.0.0.1', remote_port=sim.port, version=2, community=community, use_numeric=True,
                timeout=2, retries=0)
    args.update(kwargs)
    return yahoo_panoptes_snmp.Session(**args)


class TestForkSurface(unittest.TestCase):
    def test_exceptions_are_easysnmps_own_classes(self):
        self.assertIs(EasySNMPTimeoutError, easysnmp.exceptions.EasySNMPTimeoutError)
        self.assertIs(yahoo_panoptes_snmp.EasySNMPNoSuchNameError, easysnmp.exceptions.EasySNMPNoSuchNameError)
        self.assertTrue(issubclass(yahoo_panoptes_snmp.Session, easysnmp.Session))
        self.assertEqual(strip_non_printable('ab\x00'), 'ab (contains binary)')

    def test_udp_transport_is_named_in_the_connect_string(self):
        s = session()
        self.assertEqual(s.connect_hostname, 'udp:127.0.0.1:{}'.format(sim.port))
        self.assertFalse(s.tunneled)
        self.assertEqual(s.get('.1.3.6.1.2.1.1.5.0').value, 'switch48.lab')

    def test_a_tunneled_transport_makes_a_tunneled_session(self):
        port = free_udp_port()
        try:
            s = yahoo_panoptes_snmp.Session(hostname='127.0.0.1', remote_port=port, version=3, transport='dtlsudp',
                                            use_numeric=True, timeout=1, retries=0, our_identity='none',
                                            their_identity='none')
        except EasySNMPError:
            return  # Net-SNMP refused to open it (no certificates here): still a library error, not a crash
        self.assertTrue(s.tunneled)
        self.assertTrue(s.connect_hostname.startswith('dtlsudp:127.0.0.1:'))

    def test_bulk_walk_walks_each_oid_and_stops_at_its_subtree(self):
        got = session().bulk_walk(IF_HC_IN_OCTETS, max_repetitions=9)
        self.assertEqual(len(got), 50)
        self.assertEqual({v.oid for v in got}, {IF_HC_IN_OCTETS})
        both = session().bulk_walk([IF_HC_IN_OCTETS, '.1.3.6.1.2.1.31.1.1.1.18'], 0, 25)
        self.assertEqual(len(both), 100)
        self.assertEqual(session().bulk_walk('.1.3.6.1.2.1.31.1.1.1.1', 0, 25)[-1].oid_index, '200')

    def test_bulk_walk_ends_at_the_end_of_the_mib_view(self):
        got = session('juniper_mx').bulk_walk('.1.3.6.1.4.1.2636.3.1.13.1.25', 0, 4)
        self.assertEqual(len(got), 5)
        self.assertNotIn('ENDOFMIBVIEW', [v.snmp_type for v in got])

    def test_get_bulk_takes_the_forks_positional_arguments(self):
        self.assertEqual(len(session().get_bulk(IF_HC_IN_OCTETS, 0, 3)), 3)

    def test_easy_helpers(self):
        value = yahoo_panoptes_snmp.snmp_get('.1.3.6.1.2.1.1.5.0', hostname='127.0.0.1', remote_port=sim.port,
                                             version=2, community='cisco_ios', use_numeric=True)
        self.assertEqual(value.value, 'cisco.lab')

    def test_v2c_sessions_freed_while_snmpv3_is_in_use_and_at_exit_do_not_crash(self):
        # easysnmp 0.2.6 alone dies of SIGSEGV on each of these (it strcmp()s a v2c session's missing
        # security name against the SNMPv3 user cache when freeing it); the shim orders the frees.
        script = textwrap.dedent('''
            import yahoo_panoptes_snmp as snmp

            def v3():
                return snmp.Session(hostname='127.0.0.1', remote_port={port}, version=3, security_level='authPriv',
                                    security_username='{user}', auth_protocol='SHA', auth_password='{auth}',
                                    privacy_protocol='AES', privacy_password='{priv}', context='switch48',
                                    use_numeric=True, timeout=1, retries=0)

            def v2(port={port}, community='switch48'):
                return snmp.Session(hostname='127.0.0.1', remote_port=port, version=2, community=community,
                                    use_numeric=True, timeout=1, retries=0)

            kept = v3()
            print(kept.get('.1.3.6.1.2.1.1.5.0').value)
            for _ in range(5):  # v2c sessions come and go while an SNMPv3 one is open
                s = v2()
                s.get('.1.3.6.1.2.1.1.5.0')
                del s
            for _ in range(3):  # both kinds, freed in either order
                a, b = v3(), v2()
                a.get('.1.3.6.1.2.1.1.5.0'), b.get('.1.3.6.1.2.1.1.5.0')
                del b, a
            silent = v2(port={silent}, community='x')
            try:
                silent.get('.1.3.6.1.2.1.1.5.0')
            except snmp.EasySNMPTimeoutError:
                print('timeout')
            still_open = [v2(), kept, silent]  # and some left open at exit
        ''').format(port=sim.port, silent=free_udp_port(), user=V3_USER, auth=V3_AUTH_KEY, priv=V3_PRIV_KEY)
        env = dict(os.environ, PYTHONPATH=os.path.join(source_dir(), 'src', 'python', 'py'))
        for _ in range(3):
            done = subprocess.run(['/usr/bin/python3', '-c', script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  universal_newlines=True, timeout=60, env=env)
            self.assertEqual((done.returncode, done.stdout), (0, 'switch48.lab\ntimeout\n'), done.stderr)

    def test_close_releases_the_handle_and_a_closed_session_cannot_be_used(self):
        s = session()
        s.close()
        s.close()
        with self.assertRaises(Exception):
            s.get('.1.3.6.1.2.1.1.5.0')


if __name__ == '__main__':
    unittest.main()
