# The fork's Session on Debian's easysnmp.Session: every argument, attribute and method of easysnmp
# 0.2.6, plus what the fork added:
#  - `transport` (default 'udp'): the Net-SNMP transport the session connects with; 'tlstcp',
#    'dtlsudp' and 'ssh' make it a tunneled (SNMPv3 over TLS/DTLS/SSH) session;
#  - bulk_walk(oids, non_repeaters, max_repetitions): a walk made of GETBULK requests, in Python.
# And one safety net easysnmp lacks. When easysnmp 0.2.6 frees a session it walks Net-SNMP's SNMPv3
# user cache comparing names with strcmp, also for SNMPv1/v2c sessions that have no security name:
# freeing a v1/v2c session while an SNMPv3 user is cached (an SNMPv3 session is alive) can crash
# the process (SIGSEGV), and so can the arbitrary order of freeing at interpreter exit. So a v1/v2c
# session's Net-SNMP handle freed while an SNMPv3 session lives is kept until the last one is gone,
# the user cache is emptied whenever no SNMPv3 session is open and a v1/v2c handle is freed, and at
# exit the SNMPv3 sessions are freed first.
import atexit
import ctypes
import re
import weakref

import easysnmp

from easysnmp.session import SECURITY_LEVEL_MAPPING, build_varlist, validate_results  # noqa: F401

TUNNELED_TRANSPORTS = ('tlstcp', 'dtlsudp', 'ssh')

# The end of a walk: the agent has nothing more (or nothing at that OID).
_END_TYPES = ('ENDOFMIBVIEW', 'NOSUCHOBJECT', 'NOSUCHINSTANCE')

_open_sessions = weakref.WeakSet()
_live_v3 = [0]  # SNMPv3 sessions whose Net-SNMP handle is open
_deferred = []  # v1/v2c handles waiting for the last SNMPv3 session to go


def _netsnmp():
    """Net-SNMP's user cache functions (the library easysnmp's extension is linked with), or None."""
    try:
        lib = ctypes.CDLL('libnetsnmp.so.40')
        lib.usm_get_userList.restype = ctypes.c_void_p
        lib.usm_remove_user.argtypes = [ctypes.c_void_p]
        lib.usm_remove_user.restype = ctypes.c_void_p
        lib.usm_free_user.argtypes = [ctypes.c_void_p]
        lib.usm_free_user.restype = ctypes.c_void_p
        return lib
    except (OSError, AttributeError):
        return None


_NETSNMP = _netsnmp()


def _empty_user_cache():
    """Removes every cached SNMPv3 user. Only when no SNMPv3 session is open (they need theirs; a new
    one adds its user again). Removing the head each time keeps usm_free_user's relinking harmless."""
    if _NETSNMP is None:
        return
    for _ in range(100000):
        user = _NETSNMP.usm_get_userList()
        if not user:
            return
        _NETSNMP.usm_remove_user(user)
        _NETSNMP.usm_free_user(user)


def _release_handle(holder, is_v3):
    """Drops the Net-SNMP handle (an easysnmp capsule) in `holder` (a one-element list, so that no
    caller's reference keeps it alive): an SNMPv3 one now; a v1/v2c one now when no SNMPv3 session
    is open (with the user cache emptied first), else when the last of those goes."""
    capsule = holder.pop() if holder else None
    if capsule is None:
        return
    if not is_v3:
        if _live_v3[0] > 0:
            _deferred.append(capsule)
            return
        _empty_user_cache()
        del capsule
        return
    _live_v3[0] -= 1
    del capsule  # freed now; easysnmp removes its user from the cache
    if _live_v3[0] == 0:
        _empty_user_cache()
        del _deferred[:]


def _close_open_sessions():
    sessions = list(_open_sessions)
    for session in sorted(sessions, key=lambda s: not s.__dict__.get('_is_v3', False)):  # SNMPv3 first
        session.close()


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
        self._is_v3 = False
        super(Session, self).__init__(*args, **kwargs)
        _open_sessions.add(self)

    def update_session(self, **kwargs):
        """(Re)opens the Net-SNMP handle (easysnmp's); the previous one is released as above."""
        previous, was_v3 = [self.__dict__.get('sess_ptr')], self.__dict__.get('_is_v3', False)
        self.sess_ptr = None
        try:
            super(Session, self).update_session(**kwargs)
        finally:
            if self.sess_ptr is not None:
                self._is_v3 = self.version == 3
                _live_v3[0] += 1 if self._is_v3 else 0
            _release_handle(previous, was_v3)

    def close(self):
        """Releases the Net-SNMP handle; the session cannot be used afterwards."""
        holder = [self.__dict__.pop('sess_ptr', None)]
        self.sess_ptr = None
        _release_handle(holder, self.__dict__.pop('_is_v3', False))

    def __del__(self):
        self.close()

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
