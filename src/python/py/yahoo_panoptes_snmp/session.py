# The fork's Session on Debian's easysnmp.Session: every argument, attribute and method of easysnmp
# 0.2.6, plus what the fork added:
#  - `transport` (default 'udp'): the Net-SNMP transport the session connects with; 'tlstcp',
#    'dtlsudp' and 'ssh' make it a tunneled (SNMPv3 over TLS/DTLS/SSH) session;
#  - bulk_walk(oids, non_repeaters, max_repetitions): a walk made of GETBULK requests, in Python.
# And one safety net easysnmp lacks: sessions still open when the interpreter exits are closed
# first, because easysnmp 0.2.6 can crash (SIGSEGV) when it frees an SNMPv3 session after Net-SNMP
# was shut down during interpreter finalization.
import atexit
import re
import weakref

import easysnmp

from easysnmp.session import SECURITY_LEVEL_MAPPING, build_varlist, validate_results  # noqa: F401

TUNNELED_TRANSPORTS = ('tlstcp', 'dtlsudp', 'ssh')

# The end of a walk: the agent has nothing more (or nothing at that OID).
_END_TYPES = ('ENDOFMIBVIEW', 'NOSUCHOBJECT', 'NOSUCHINSTANCE')

_open_sessions = weakref.WeakSet()


def _close_open_sessions():
    for session in list(_open_sessions):
        session.sess_ptr = None  # drops the capsule: easysnmp frees the Net-SNMP session now


atexit.register(_close_open_sessions)


def _oid_parts(oid):
    """The numeric components of an OID ('iso' counts as 1), or the text itself when a component is
    a name (a session without use_numeric on a host with MIBs): then comparisons are textual."""
    parts = []
    for part in oid.strip('.').split('.'):
        if part.isdigit():
            parts.append(int(part))
        elif part == 'iso':
            parts.append(1)
        elif part:
            return (oid,)
    return tuple(parts)


class Session(easysnmp.Session):
    def __init__(self, *args, transport='udp', **kwargs):
        # Set before easysnmp's __init__, which opens the Net-SNMP session through connect_hostname.
        self.transport = transport
        super(Session, self).__init__(*args, **kwargs)
        _open_sessions.add(self)

    @property
    def tunneled(self):
        # easysnmp decides by a 'tls'/'dtls'/'ssh' prefix of the hostname; the fork by transport.
        return self.transport in TUNNELED_TRANSPORTS or bool(re.match('^(tls|dtls|ssh)', self.hostname))

    @tunneled.setter
    def tunneled(self, _value):
        pass  # easysnmp's __init__ assigns it; the property above is the truth

    @property
    def connect_hostname(self):
        host = '{0}:{1}'.format(self.hostname, self.remote_port) if self.remote_port else self.hostname
        if self.transport and not host.startswith(self.transport + ':'):
            host = '{0}:{1}'.format(self.transport, host)
        return host

    def bulk_walk(self, oids, non_repeaters=0, max_repetitions=10):
        """GETBULK requests from each OID of `oids` (one OID or a list) until the answers leave its
        subtree; returns the SNMPVariables found, in order. Stops on the end of the MIB view and when
        an agent answers an OID that does not increase (the fork looped forever on both)."""
        results = []
        for base in (oids if isinstance(oids, list) else [oids]):
            results.extend(self._bulk_walk_one(base, non_repeaters, max_repetitions))
        return results

    def _bulk_walk_one(self, base, non_repeaters, max_repetitions):
        base_parts = _oid_parts(base)
        found = []
        current, last = base, base_parts
        while True:
            batch = self.get_bulk(current, non_repeaters=non_repeaters, max_repetitions=max_repetitions)
            progressed = False
            for variable in batch:
                full = variable.oid + ('.' + variable.oid_index if variable.oid_index else '')
                parts = _oid_parts(full)
                if variable.snmp_type in _END_TYPES or parts[:len(base_parts)] != base_parts or parts <= last:
                    return found
                found.append(variable)
                current, last, progressed = full, parts, True
            if not progressed:
                return found
