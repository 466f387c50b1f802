# SNMP connections for plugins (the original's framework.utilities.snmp.connection):
#  - PanoptesSNMPConnection: get / get_next / get_bulk / bulk_walk on numeric OIDs, answers as
#    PanoptesSNMPVariable, every library error raised as the matching PanoptesSNMP*Exception whose
#    message names the endpoint. A request waits at most timeout x (retries + 1) seconds, and never
#    past the run's time limit in the agent: the waits are shortened so that an unanswered device
#    ends the run with a timeout naming it rather than the agent killing the run.
#  - PanoptesSNMPV2Connection (community), PanoptesSNMPV3Connection (USM user; our addition) and
#    PanoptesSNMPV3TLSConnection (SNMPv3 over TLS with certificates).
#  - PanoptesSNMPPluginConfiguration: a plugin's SNMP and x509 settings, its own [snmp]/[x509]
#    keys over the site's (context.snmp / context.x509), and the community string.
import yahoo_panoptes_snmp as easysnmp
from yahoo_panoptes_snmp.exceptions import (EasySNMPConnectionError, EasySNMPError, EasySNMPNoSuchInstanceError,
                                            EasySNMPNoSuchNameError, EasySNMPNoSuchObjectError, EasySNMPTimeoutError,
                                            EasySNMPUndeterminedTypeError, EasySNMPUnknownObjectIDError)

from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext
from yahoo_panoptes.framework.validators import PanoptesValidators  # noqa: F401 (the original's helpers use it via *)
from yahoo_panoptes.framework.utilities.snmp._checks import (require, valid_nonempty_string, valid_nonzero_integer,
                                                            valid_numeric_oid, valid_port, valid_positive_integer)
from yahoo_panoptes.framework.utilities.snmp.exceptions import (  # noqa: F401 (re-exported, as the original)
    PanoptesSNMPConnectionException, PanoptesSNMPException, PanoptesSNMPNoSuchInstanceException,
    PanoptesSNMPNoSuchNameException, PanoptesSNMPNoSuchObjectException, PanoptesSNMPTimeoutException,
    PanoptesSNMPUndeterminedTypeException, PanoptesSNMPUnknownObjectIDException)
from yahoo_panoptes.framework.utilities.snmp.variable import PanoptesSNMPVariable

try:
    from panoptes import _host  # the run's time limit (in the daemons' workers)
except ImportError:  # the framework imported outside the embedded host
    _host = None

exception_class_mapping = {
    EasySNMPError: PanoptesSNMPException,
    EasySNMPConnectionError: PanoptesSNMPConnectionException,
    EasySNMPTimeoutError: PanoptesSNMPTimeoutException,
    EasySNMPUnknownObjectIDError: PanoptesSNMPUnknownObjectIDException,
    EasySNMPNoSuchNameError: PanoptesSNMPNoSuchNameException,
    EasySNMPNoSuchObjectError: PanoptesSNMPNoSuchObjectException,
    EasySNMPNoSuchInstanceError: PanoptesSNMPNoSuchInstanceException,
    EasySNMPUndeterminedTypeError: PanoptesSNMPUndeterminedTypeException,
}

# The 'reason' names of an SNMP proxy agent's error answers (used by the SteamRoller connection).
SNMP_ERRORS_MAP = {
    'ERROR': PanoptesSNMPException,
    'CONNECTION': PanoptesSNMPConnectionException,
    'TIMEOUT': PanoptesSNMPTimeoutException,
    'NOSUCHOBJECT': PanoptesSNMPNoSuchObjectException,
    'NOSUCHINSTANCE': PanoptesSNMPNoSuchInstanceException,
    'NOSUCHNAME': PanoptesSNMPNoSuchNameException,
    'UNKNOWNOBJECTID': PanoptesSNMPUnknownObjectIDException,
    'UNDETERMINEDTYPE': PanoptesSNMPUndeterminedTypeException,
}

_NUMERIC_OID_MESSAGE = 'oid must be numeric string with a leading period'


class PanoptesSNMPConnection(object):
    def __init__(self, host, port, timeout, retries):
        require(valid_nonempty_string(host), 'host must a non-empty string')
        require(valid_port(port), 'port must be an integer between 1 and 65535')
        require(valid_nonzero_integer(timeout), 'timeout must be a integer greater than zero')
        require(valid_positive_integer(retries), 'retries must a non-negative integer')
        self._host = host
        self._port = port
        self._timeout = timeout
        self._retries = retries
        self._easy_snmp_session = None
        self._cut_timeout = None  # the per-try timeout (s) when shortened for the run's time limit

    @property
    def host(self):
        return self._host

    @property
    def port(self):
        return self._port

    @property
    def timeout(self):
        return self._timeout

    @property
    def retries(self):
        return self._retries

    def _endpoint(self):
        return '{}:{}'.format(self._host, self._port)

    @staticmethod
    def _wrap_panoptes_snmp_exception(easy_snmp_exception, endpoint=None):
        """The PanoptesSNMP*Exception for a library exception (PanoptesSNMPException for any other
        exception), its message followed by the endpoint when known."""
        cls = exception_class_mapping.get(type(easy_snmp_exception))
        message = str(easy_snmp_exception) if cls else repr(easy_snmp_exception)
        if endpoint:
            message = '{} ({})'.format(message, endpoint)
        return (cls or PanoptesSNMPException)(message)

    def _settings(self):
        text = '{}, timeout {} s, retries {}'.format(self._endpoint(), self._timeout, self._retries)
        if self._cut_timeout is not None:
            text += '; waits cut to {:.2f} s per try by the run\'s time limit'.format(self._cut_timeout)
        return text

    def _raise(self, exception):
        raise self._wrap_panoptes_snmp_exception(exception, self._settings()) from exception

    def _session(self):
        require(self._easy_snmp_session is not None, 'PanoptesSNMPSession not initialized')
        self._fit_time_limit()
        return self._easy_snmp_session

    def _fit_time_limit(self):
        """Before a request: shortens the session's per-try timeout when timeout x (retries + 1)
        would outlast what the run's time limit leaves (and restores it when there is time again);
        with no time left, raises the timeout at once."""
        budget = _host.snmp_budget() if _host is not None else None
        tries = self._retries + 1
        if budget is None or self._timeout * tries <= budget:
            wanted = None
        elif budget / tries >= 0.01:
            wanted = budget / tries
        else:
            self._cut_timeout = 0.0
            raise PanoptesSNMPTimeoutException(
                'timed out while connecting to remote host: no time left before the run\'s time limit ({})'.format(
                    self._settings()))
        if wanted != self._cut_timeout:
            self._easy_snmp_session.update_session(timeout=self._timeout if wanted is None else wanted)
            self._cut_timeout = wanted

    def get(self, oid):
        """The variable at `oid` (its snmp_type is 'NOSUCHOBJECT' / 'NOSUCHINSTANCE' when the agent
        has none, as the original: those are values, not errors)."""
        require(valid_numeric_oid(oid), _NUMERIC_OID_MESSAGE)
        session = self._session()
        try:
            varbind = session.get(oids=oid)
            return PanoptesSNMPVariable(queried_oid=oid, oid=varbind.oid, index=varbind.oid_index,
                                        value=varbind.value, snmp_type=varbind.snmp_type)
        except Exception as e:
            self._raise(e)

    def get_next(self, oid):
        """The variable after `oid` (our addition; the original's plugins use get and bulk_walk)."""
        require(valid_numeric_oid(oid), _NUMERIC_OID_MESSAGE)
        session = self._session()
        try:
            varbind = session.get_next(oids=oid)
            return PanoptesSNMPVariable(queried_oid=varbind.oid, oid=varbind.oid, index=varbind.oid_index,
                                        value=varbind.value, snmp_type=varbind.snmp_type)
        except Exception as e:
            self._raise(e)

    def get_bulk(self, oid, non_repeaters=0, max_repetitions=10, base_oid=None):
        """One GETBULK from `oid`: the variables answered that lie under `base_oid` (default: `oid`),
        with `oid` property = base_oid and index relative to it."""
        require(valid_numeric_oid(oid), _NUMERIC_OID_MESSAGE)
        require(valid_positive_integer(non_repeaters), 'non_repeaters must a positive integer')
        require(valid_positive_integer(max_repetitions), 'max_repetitions must a positive integer')
        require(base_oid is None or valid_numeric_oid(base_oid), _NUMERIC_OID_MESSAGE)
        session = self._session()
        base = base_oid or oid
        try:
            varbinds = session.get_bulk(oids=oid, non_repeaters=non_repeaters, max_repetitions=max_repetitions)
            return [PanoptesSNMPVariable(queried_oid=base, oid=v.oid, index=v.oid_index, value=v.value,
                                         snmp_type=v.snmp_type)
                    for v in varbinds if _under(_full_oid(v), base) and v.snmp_type != 'ENDOFMIBVIEW']
        except Exception as e:
            self._raise(e)

    def bulk_walk(self, oid, non_repeaters=0, max_repetitions=10):
        """Every variable in the subtree of `oid`, by GETBULK requests of max_repetitions each."""
        require(valid_numeric_oid(oid), _NUMERIC_OID_MESSAGE)
        require(valid_positive_integer(non_repeaters), 'non_repeaters must a positive integer')
        require(valid_positive_integer(max_repetitions), 'max_repetitions must a positive integer')
        self._session()
        varbinds = []
        current = oid
        while True:
            results = self.get_bulk(oid=current, non_repeaters=non_repeaters, max_repetitions=max_repetitions,
                                    base_oid=oid)
            varbinds.extend(results)
            if len(results) < max_repetitions:
                return varbinds
            following = oid + '.' + results[-1].index
            if _parts(following) <= _parts(current):  # an agent answering out of order: stop, not loop
                return varbinds
            current = following


def _parts(oid):
    return tuple(int(p) for p in oid.strip('.').split('.') if p)


def _full_oid(varbind):
    return varbind.oid + '.' + varbind.oid_index if varbind.oid_index else varbind.oid


def _under(oid, base):
    """True when `oid` lies strictly under `base` (component-wise, so .1.10 is not under .1.1)."""
    return oid.startswith(base + '.')


class PanoptesSNMPV2Connection(PanoptesSNMPConnection):
    def __init__(self, host, port, timeout, retries, community):
        """An SNMPv2c session with `community` (no packet is sent until the first request)."""
        super(PanoptesSNMPV2Connection, self).__init__(host, port, timeout, retries)
        require(valid_nonempty_string(community), 'community_string must a non-empty string')
        self._community = community
        try:
            self._easy_snmp_session = easysnmp.Session(hostname=host, remote_port=port, timeout=timeout,
                                                       retries=retries, version=2, use_numeric=True,
                                                       community=community)
        except Exception as e:
            self._raise(e)

    @property
    def community(self):
        return self._community


class PanoptesSNMPV3Connection(PanoptesSNMPConnection):
    # Our addition: SNMPv3 with a USM user over UDP. security_level: 'noAuthNoPriv', 'authNoPriv'
    # or 'authPriv' (or easysnmp's spellings); protocols as Net-SNMP names them (MD5, SHA, SHA-256,
    # ...; DES, AES, AES-256, ...).
    def __init__(self, host, port, timeout, retries, username, security_level='authPriv', auth_protocol='SHA',
                 auth_password='', privacy_protocol='AES', privacy_password='', context=''):
        super(PanoptesSNMPV3Connection, self).__init__(host, port, timeout, retries)
        require(valid_nonempty_string(username), 'username must be a non-empty string')
        require(security_level in easysnmp.session.SECURITY_LEVEL_MAPPING,
                'security_level must be one of noAuthNoPriv, authNoPriv, authPriv')
        self._username = username
        self._context = context
        try:
            self._easy_snmp_session = easysnmp.Session(
                hostname=host, remote_port=port, timeout=timeout, retries=retries, version=3, use_numeric=True,
                security_level=security_level, security_username=username, auth_protocol=auth_protocol,
                auth_password=auth_password, privacy_protocol=privacy_protocol, privacy_password=privacy_password,
                context=context)
        except Exception as e:
            self._raise(e)

    @property
    def username(self):
        return self._username

    @property
    def context(self):
        return self._context


class PanoptesSNMPV3TLSConnection(PanoptesSNMPConnection):
    def __init__(self, host, port, timeout, retries, context, our_identity, their_identity):
        """SNMPv3 over TLS (tlstcp): `our_identity` / `their_identity` are certificate fingerprints or
        file names (Net-SNMP's certificate store)."""
        super(PanoptesSNMPV3TLSConnection, self).__init__(host, port, timeout, retries)
        require(valid_nonempty_string(context), 'context must be a non-empty string')
        require(valid_nonempty_string(our_identity), 'our_identity must be a non-empty string')
        require(valid_nonempty_string(their_identity), 'their_identity must be a non-empty string')
        self._context = context
        self._our_identity = our_identity
        self._their_identity = their_identity
        try:
            self._easy_snmp_session = easysnmp.Session(
                hostname=host, remote_port=port, timeout=timeout, retries=retries, version=3, use_numeric=True,
                transport='tlstcp', context=context, our_identity=our_identity, their_identity=their_identity)
        except Exception as e:
            self._raise(e)


# The original's configuration defaults, used for keys the site's [snmp] / [x509] (context.snmp /
# context.x509) do not carry, e.g. when a test builds a context without them.
SNMP_DEFAULTS = {
    'connection_factory_module': 'yahoo_panoptes.plugins.helpers.snmp_connections',
    'connection_factory_class': 'PanoptesSNMPConnectionFactory',
    'community': 'public', 'community_string_key': 'snmp_community_string', 'timeout': 5, 'retries': 1,
    'non_repeaters': 0, 'max_repetitions': 25, 'port': 161, 'proxy_port': 10161,
}
X509_DEFAULTS = {
    'x509_secured_requests': 0, 'x509_cert_location': '/home/panoptes/x509/certs',
    'x509_cert_filename': 'panoptes.pem', 'x509_key_location': '/home/panoptes/x509/keys',
    'x509_key_filename': 'panoptes.key',
}


class PanoptesSNMPPluginConfiguration(object):
    """The SNMP and x509 settings of one plugin run: each key from the plugin file's [snmp] / [x509]
    when set there, else from the site's (context.snmp / context.x509). Bad values raise
    AssertionError (ValueError when a number does not parse), as the original. The community is the
    plugin file's, else the secret `community_string_key` for the resource's site, else the site's."""

    def __init__(self, plugin_context):
        require(isinstance(plugin_context, PanoptesPluginContext),
                'plugin_context must be a class or subclass of PanoptesPluginContext')
        self._plugin_context = plugin_context
        self._plugin_snmp_configuration = plugin_context.config.get('snmp', {})
        self._plugin_x509_configuration = plugin_context.config.get('x509', {})
        self._default_snmp_configuration = dict(SNMP_DEFAULTS, **(plugin_context.snmp or {}))
        self._default_x509_configuration = dict(X509_DEFAULTS, **(plugin_context.x509 or {}))
        self._parse_snmp_configuration()
        self._parse_x509_configuration()
        self._get_snmp_community_string()

    def _snmp(self, key):
        return self._plugin_snmp_configuration.get(key, self._default_snmp_configuration.get(key))

    def _x509(self, key):
        return self._plugin_x509_configuration.get(key, self._default_x509_configuration.get(key))

    def _parse_snmp_configuration(self):
        self._connection_factory_module = self._snmp('connection_factory_module')
        require(valid_nonempty_string(self._connection_factory_module),
                'SNMP connection factory module must be a non-empty string')
        self._connection_factory_class = self._snmp('connection_factory_class')
        require(valid_nonempty_string(self._connection_factory_class),
                'SNMP connection factory class must be a non-empty string')
        self._community_string_key = self._snmp('community_string_key')
        require(valid_nonempty_string(self._community_string_key),
                'SNMP community string key must be a non-empty string')
        self._port = int(self._snmp('port'))
        require(valid_port(self._port), 'SNMP port must be a valid TCP/UDP port number')
        self._proxy_port = int(self._snmp('proxy_port'))
        require(valid_port(self._proxy_port), 'SNMP proxy port must be a valid TCP/UDP port number')
        self._timeout = int(self._snmp('timeout'))
        require(valid_nonzero_integer(self._timeout), 'SNMP timeout must be a positive integer')
        self._retries = int(self._snmp('retries'))
        require(valid_nonzero_integer(self._retries), 'SNMP retries must be a positive integer')
        self._non_repeaters = int(self._snmp('non_repeaters'))
        require(valid_positive_integer(self._non_repeaters), 'SNMP non-repeaters must be a positive integer')
        self._max_repetitions = int(self._snmp('max_repetitions'))
        require(valid_nonzero_integer(self._max_repetitions), 'SNMP max-repetitions must be a positive integer')

    def _parse_x509_configuration(self):
        # x509_secured_requests: 0 none, 1 when the files are readable, 2 mandatory.
        self._x509_secure_connection = int(self._x509('x509_secured_requests'))
        require(valid_positive_integer(self._x509_secure_connection), 'x509 secure connection must be a positive integer')
        require(self._x509_secure_connection < 3, 'x509 secure connection cannot be greater than 2')
        paths = {}
        for kind in ('cert', 'key'):
            location = self._x509('x509_{}_location'.format(kind))
            require(valid_nonempty_string(location), '{} location must be a valid string'.format(kind))
            filename = self._x509('x509_{}_filename'.format(kind))
            require(valid_nonempty_string(filename), '{} filename must be a valid string'.format(kind))
            paths[kind] = '{}/{}'.format(location, filename)
        self._x509_certificate_file = paths['cert']
        self._x509_key_file = paths['key']

    def _get_snmp_community_string(self):
        # A community in the plugin file must be valid (the original let an empty one fall through to
        # the secrets, its tests expect an error).
        community = self._plugin_snmp_configuration.get('community')
        if 'community' in self._plugin_snmp_configuration:
            require(valid_nonempty_string(community), 'SNMP community must be a non-empty string')
        if not community:
            site = self._plugin_context.data.resource_site
            self._plugin_context.logger.debug('Going to get fetch SNMP community string using key "{}" for site "{}"'
                                              .format(self._community_string_key, site))
            try:
                community = self._plugin_context.secrets.get_by_site(self._community_string_key, site)
            except Exception as e:
                raise PanoptesSNMPException('Could not fetch SNMP community string for site "{}" using key "{}": {}'
                                            .format(site, self._community_string_key, repr(e)))
        if not community:
            community = self._default_snmp_configuration.get('community')
        require(valid_nonempty_string(community), 'SNMP community must be a non-empty string')
        self._community = community

    connection_factory_module = property(lambda self: self._connection_factory_module)
    connection_factory_class = property(lambda self: self._connection_factory_class)
    community_string_key = property(lambda self: self._community_string_key)
    community = property(lambda self: self._community)
    port = property(lambda self: self._port)
    proxy_port = property(lambda self: self._proxy_port)
    timeout = property(lambda self: self._timeout)
    retries = property(lambda self: self._retries)
    non_repeaters = property(lambda self: self._non_repeaters)
    max_repetitions = property(lambda self: self._max_repetitions)
    x509_secure_connection = property(lambda self: self._x509_secure_connection)
    x509_cert_file = property(lambda self: self._x509_certificate_file)
    x509_key_file = property(lambda self: self._x509_key_file)
