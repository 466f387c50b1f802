# ICMP ping of a resource (the original's framework.utilities.ping), Linux only:
#  - PanoptesPingDirect runs `ping -c COUNT -w TIMEOUT HOST` on this host and parses its summary;
#  - PanoptesPingSteamroller asks an SNMP proxy agent (resource metadata snmp_proxy_hosts, and
#    ping_route = steamroller) over HTTPS to ping for us.
# PanoptesPingConnectionFactory.get_ping_connection picks one. Both expose the statistics as
# properties and as JSON (`response`); a failed ping raises PanoptesPing*Exception.
import json
import random
import re
import shutil
import subprocess

from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.resources import PanoptesResource
from yahoo_panoptes.framework.utilities.snmp._checks import require, valid_nonempty_string, valid_nonzero_integer
from yahoo_panoptes.framework.validators import PanoptesValidators  # noqa: F401 (the original's plugins get it via *)

# The summary iputils ping prints (counts, loss, time in ms, then rtt min/avg/max/mdev).
_PING_SUMMARY = re.compile(r'ping statistics ---\n(\d+) packets transmitted, (\d+) received, (?:\+\d+ \w+, )*'
                           r'(\d*\.?\d*)% packet loss, time (\d+)ms\n'
                           r'rtt min/avg/max/mdev = (\d*\.\d+)/(\d*\.\d+)/(\d*\.\d+)/(\d*\.\d+) ms')

_STATISTICS = ('packets_transmitted', 'packets_received', 'packet_loss_pct', 'execution_time', 'round_trip_min',
               'round_trip_avg', 'round_trip_max', 'round_trip_stddev')

# Separator of several values in one metadata string (the original's const.KV_STORE_DELIMITER).
_LIST_DELIMITER = '|'


class PanoptesPingException(PanoptesBaseException):
    """A ping failed (e.g. the host name does not resolve)."""


class PanoptesPingTimeoutException(PanoptesPingException):
    """Ping ran but not every packet came back in time."""


class PanoptesPingConnectionError(PanoptesPingException):
    """The proxy agent could not be reached."""


class PanoptesPingRequestException(PanoptesBaseException):
    """The request to the proxy agent failed otherwise."""


class PanoptesPingConnectionFactory(object):
    @staticmethod
    def get_ping_connection(resource, context=None, count=10, timeout=10):
        """Pings `resource` now: through its proxy when the context is given and the resource asks
        for it (metadata ping_route = steamroller and snmp_proxy_hosts), else directly."""
        require(isinstance(resource, PanoptesResource), 'resource must be an instance of PanoptesResource')
        metadata = resource.resource_metadata
        if context and metadata.get('ping_route', 'default') == 'steamroller' and 'snmp_proxy_hosts' in metadata:
            return PanoptesPingSteamroller(context, resource, count, timeout)
        return PanoptesPingDirect(count, timeout, hostname=resource.resource_endpoint)


class PanoptesPing(object):
    def __init__(self):
        self._response = {name: None for name in _STATISTICS}

    def setPingStatsAPIResponse(self, decoded_response):
        for name in _STATISTICS:
            self._response[name] = decoded_response[name]

    packets_transmitted = property(lambda self: self._response['packets_transmitted'])
    packets_received = property(lambda self: self._response['packets_received'])
    packet_loss_pct = property(lambda self: self._response['packet_loss_pct'])
    execution_time = property(lambda self: self._response['execution_time'], doc='seconds')
    round_trip_min = property(lambda self: self._response['round_trip_min'])
    round_trip_avg = property(lambda self: self._response['round_trip_avg'])
    round_trip_max = property(lambda self: self._response['round_trip_max'])
    round_trip_stddev = property(lambda self: self._response['round_trip_stddev'])

    @property
    def response(self):
        """The statistics as a JSON object (text)."""
        return json.dumps(self._response)


def _ping_program():
    return shutil.which('ping', path='/usr/bin:/bin') or '/bin/ping'


class PanoptesPingDirect(PanoptesPing):
    def __init__(self, count=10, timeout=10, hostname='localhost'):
        require(valid_nonzero_integer(count), 'count must be integer > 0')
        require(valid_nonempty_string(hostname), 'hostname must be nonempty string')
        require(valid_nonzero_integer(timeout), 'timeout must be integer > 0')
        super(PanoptesPingDirect, self).__init__()
        try:
            output = subprocess.check_output([_ping_program(), '-c', str(count), '-w', str(timeout), hostname],
                                             stderr=subprocess.STDOUT, universal_newlines=True)
            self._parse(output)
        except subprocess.CalledProcessError as e:
            # ping exits non-zero when packets were lost: with a summary that is a timeout.
            self._parse(e.output)
            if self._response['packets_transmitted'] is not None:
                raise PanoptesPingTimeoutException('Ping timed out with response: ' + str(self._response))
            raise PanoptesPingException(e.output)
        except Exception as e:
            raise PanoptesPingException(str(e))

    def _parse(self, output):
        m = _PING_SUMMARY.search(output or '')
        if not m:
            return
        values = m.groups()
        self._response.update(
            packets_transmitted=int(values[0]), packets_received=int(values[1]), packet_loss_pct=float(values[2]),
            execution_time=round(float(values[3]) / 1000, 2), round_trip_min=float(values[4]),
            round_trip_avg=float(values[5]), round_trip_max=float(values[6]), round_trip_stddev=float(values[7]))


class PanoptesPingSteamroller(PanoptesPing):
    def __init__(self, context, resource, count, timeout):
        super(PanoptesPingSteamroller, self).__init__()
        self._plugin_context = context
        self._resource = resource
        self._count = count
        self._timeout = timeout
        self._get_ping_stats()

    def _get_proxy_host(self):
        hosts = self._resource.resource_metadata['snmp_proxy_hosts'].split(_LIST_DELIMITER)
        return hosts[random.randint(0, len(hosts) - 1)]

    def _session(self):
        """A requests session, with the client certificate when x509_secured_requests asks for it."""
        import requests
        from yahoo_panoptes.framework.utilities.snmp.connection import PanoptesSNMPPluginConfiguration
        session = requests.Session()
        try:
            configuration = PanoptesSNMPPluginConfiguration(self._plugin_context)
        except Exception:
            return session
        files = (configuration.x509_cert_file, configuration.x509_key_file)
        readable = all(_readable(f) for f in files)
        if configuration.x509_secure_connection == 2:
            require(readable, 'Check cert and key files are readable - {}'.format(files))
        if configuration.x509_secure_connection and readable:
            session.cert = files
        return session

    def _get_ping_stats(self):
        import requests
        endpoint = 'https://{}/ping/{}'.format(self._get_proxy_host(), self._resource.resource_endpoint)
        response = None
        try:
            response = self._session().post(endpoint, json={'count': self._count, 'timeout': self._timeout})
            response.raise_for_status()
        except requests.exceptions.HTTPError as e:
            raise PanoptesPingException('Error in getting response from SteamRoller SNMP Agent: {} -> {}'.format(
                str(e), response.text if response is not None else ''))
        except requests.exceptions.Timeout as e:
            raise PanoptesPingTimeoutException(str(e))
        except requests.exceptions.ConnectionError as e:
            raise PanoptesPingConnectionError(str(e))
        except requests.exceptions.RequestException as e:
            raise PanoptesPingRequestException(str(e))
        try:
            decoded = response.json()
        except ValueError as e:
            raise PanoptesPingException('Error Parsing Response From Steamroller -> {}'.format(str(e)))
        self.setPingStatsAPIResponse(decoded)


def _readable(path):
    try:
        with open(path, 'rb'):
            return True
    except (OSError, TypeError):
        return False
