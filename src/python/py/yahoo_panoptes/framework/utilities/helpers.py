# yahoo_panoptes.framework.utilities.helpers: the original's helper functions, with its names,
# arguments, checks (AssertionError) and results. Name resolution runs on threads here (the original
# used gevent), so importing this module patches nothing.
import concurrent.futures
import inspect
import io
import ipaddress
import os
import platform
import re
import socket
import sys
import threading
import uuid

from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.validators import PanoptesValidators, check


class PanoptesConfigurationParsingError(PanoptesBaseException):
    pass


def is_python_2():
    return sys.version_info[0] == 2


def normalize_plugin_name(plugin_name):
    """Each '_' doubled, then every character outside [A-Za-z0-9_] replaced by '_' (SPEC §3)."""
    check(PanoptesValidators.valid_nonempty_string(plugin_name), 'plugin_name must be a non-empty str')
    return re.sub(r'[^A-Za-z0-9_]', '_', plugin_name.replace('_', '__'))


def get_module_mtime(module_path):
    """The mtime (int seconds) of `module_path`.py, or the newest of the files in the directory
    `module_path`; 0 when neither exists."""
    check(PanoptesValidators.valid_nonempty_string(module_path), 'module_path must be a non-empty str')
    if os.path.isdir(module_path):
        return max([int(os.path.getmtime(os.path.join(module_path, f))) for f in os.listdir(module_path)] or [0])
    if os.path.isfile(module_path + '.py'):
        return int(os.path.getmtime(module_path + '.py'))
    return 0


def _resolve_all(function, items, timeout, failures):
    """[function(item) or None when it raised one of `failures` or did not finish within `timeout`
    seconds for all items together], in the order of `items`."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(32, len(items)))
    try:
        futures = [pool.submit(function, item) for item in items]
        concurrent.futures.wait(futures, timeout=timeout)
        results = []
        for future in futures:
            if not future.done() or future.exception() is not None:
                if future.done() and not isinstance(future.exception(), failures):
                    raise future.exception()
                results.append(None)
            else:
                results.append(future.result())
        return results
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def resolve_hostnames(hostnames, timeout):
    """[(hostname, IPv4 address or None)] in the order of `hostnames`, resolved in parallel within
    `timeout` seconds for all of them."""
    check(PanoptesValidators.valid_nonempty_iterable_of_strings(hostnames), 'hostnames should be a list')
    check(PanoptesValidators.valid_nonzero_integer(timeout), 'timeout should be an int greater than zero')
    hostnames = list(hostnames)
    addresses = _resolve_all(socket.gethostbyname, hostnames, timeout, (socket.gaierror,))
    return list(zip(hostnames, addresses))


def unknown_hostname(ip):
    """'unknown-' and the address with '.' and ':' replaced by '-'."""
    return 'unknown-' + re.sub(r'[.:]', '-', ip)


def get_hostnames(ips, timeout):
    """{ip: hostname} resolved in parallel within `timeout` seconds; an address without a name (or
    whose name starts with UNKNOWN) maps to unknown_hostname(ip)."""
    check(PanoptesValidators.valid_nonempty_iterable_of_strings(ips), 'ips should be a list')
    check(PanoptesValidators.valid_nonzero_integer(timeout), 'timeout should be an int greater than zero')
    ips = list(ips)
    names = _resolve_all(socket.gethostbyaddr, ips, timeout, (socket.gaierror, socket.herror))
    out = {}
    for ip, name in zip(ips, names):
        good = name and name[0] and not name[0].startswith('UNKNOWN')
        out[ip] = name[0] if good else unknown_hostname(ip)
    return out


def get_ip_version(ip):
    """4 or 6; ValueError(ip) for anything else."""
    try:
        socket.inet_aton(ip)
        return 4
    except (OSError, TypeError):
        pass
    try:
        socket.inet_pton(socket.AF_INET6, ip)
        return 6
    except (OSError, TypeError):
        pass
    raise ValueError(ip)


def get_hostname():
    return str(platform.node())


def get_os_tid():
    """The kernel's id of the calling thread."""
    return threading.get_native_id()


def get_calling_module_name(depth=3):
    """The name of the module of the frame `depth` levels up the stack (this function is level 0)."""
    check(isinstance(depth, int), 'depth should be an int')
    frame = inspect.stack()[depth]
    module = inspect.getmodule(frame[0])
    if module:
        return module.__name__


def inspect_calling_module_for_name(name):
    """True if `name` is in the file name of a frame on the stack."""
    return any(name in frame.filename for frame in inspect.stack())


def get_client_id(prefix):
    """'<uuid4>_<prefix>_<hostname>_<thread id>'."""
    check(PanoptesValidators.valid_nonempty_string(prefix), 'prefix must be a non-empty str')
    return '_'.join([str(uuid.uuid4()), prefix, get_hostname(), str(get_os_tid())])


class CaptureStdErr(list):
    """with CaptureStdErr() as lines: ... collects what was written to sys.stderr, line by line."""

    def __enter__(self):
        self._saved = sys.stderr
        sys.stderr = self._buffer = io.StringIO()
        return self

    def __exit__(self, *args):
        self.extend(self._buffer.getvalue().splitlines())
        sys.stderr = self._saved


class CaptureStdOut(list):
    """with CaptureStdOut() as lines: ... collects what was written to sys.stdout, line by line."""

    def __enter__(self):
        self._saved = sys.stdout
        sys.stdout = self._buffer = io.StringIO()
        return self

    def __exit__(self, *args):
        self.extend(self._buffer.getvalue().splitlines())
        sys.stdout = self._saved


def parse_config_file(config_file, config_spec_file):
    """The ConfigObj of `config_file` validated against `config_spec_file` (configobj, as the
    original); PanoptesConfigurationParsingError naming what failed."""
    check(PanoptesValidators.valid_nonempty_string(config_file), 'config_file must be a non-empty str')
    check(PanoptesValidators.valid_nonempty_string(config_spec_file), 'config_spec_file must be a non empty str')
    from configobj import ConfigObj, ConfigObjError, flatten_errors
    from validate import Validator
    try:
        config = ConfigObj(config_file, configspec=config_spec_file, interpolation='template', file_error=True)
    except IOError as e:
        raise PanoptesConfigurationParsingError('Error reading file: %s' % e)
    except ConfigObjError as e:
        raise PanoptesConfigurationParsingError('Error parsing config file "%s": %s' % (config_file, e))
    result = config.validate(Validator(), preserve_errors=True)
    if result is not True:
        problems = []
        for sections, key, _ in flatten_errors(config, result):
            if key is None:
                problems.append('Section(s) %s are missing' % ','.join(sections))
            else:
                problems.append('The "%s" key in section "%s" failed validation' % (key, ','.join(sections)))
        raise PanoptesConfigurationParsingError('Error parsing the configuration file: %s' % '\n'.join(problems))
    return config


def convert_kv_str_to_dict(kv, prefix, kv_delimiter='|', prefix_delimiter='_'):
    """'k1|v1|k2|v2' -> {'<prefix>_k1': 'v1', '<prefix>_k2': 'v2'}; {} when keys and values do not
    pair up."""
    check(PanoptesValidators.valid_nonempty_string(kv), 'kv must be a non-empty string')
    check(PanoptesValidators.valid_nonempty_string(prefix), 'prefix must be a non-empty string')
    check(PanoptesValidators.valid_nonempty_string(kv_delimiter), 'kv_delimiter must be a non-empty string')
    check(PanoptesValidators.valid_nonempty_string(prefix_delimiter), 'prefix_delimiter must be a non-empty string')
    fields = kv.split(kv_delimiter)
    if len(fields) % 2:
        return {}
    return {prefix + prefix_delimiter + k: v for k, v in zip(fields[::2], fields[1::2])}


def convert_celsius_to_fahrenheit(celsius):
    return round(celsius * 1.8 + 32, 2)


def ordered(obj):
    """A comparable, order-free form of nested dicts and lists (sorted pairs and items)."""
    if isinstance(obj, dict):
        return sorted((k, ordered(v)) for k, v in obj.items())
    if isinstance(obj, list):
        return sorted(ordered(x) for x in obj)
    return obj


def transform_index_ipv6_address(ipv6_str):
    """An SNMP index part of 16 dotted decimal bytes -> the IPv6 address in its compressed form."""
    return str(ipaddress.IPv6Address(bytes(int(b) for b in ipv6_str.split('.'))))


def transform_octet_to_mac(octet_string):
    """An SNMP octet string (bytes, or str of code points < 256) -> 'AA:BB:...' in upper case."""
    octets = octet_string if isinstance(octet_string, bytes) else [ord(c) for c in octet_string]
    return ':'.join('{:02X}'.format(o) for o in octets)


def transform_dotted_decimal_to_mac(dotted_decimal_mac):
    """'126.2.196' -> '7E:02:C4' (each number in hex, at least two digits, upper case)."""
    return ':'.join('{:02X}'.format(int(n)) for n in dotted_decimal_mac.split('.'))


def convert_netmask_to_cidr(netmask):
    """'255.255.255.0' -> 24 (the number of one bits)."""
    return sum(bin(int(x)).count('1') for x in netmask.split('.'))
