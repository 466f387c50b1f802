"""Shared by our SNMP plugins (not a plugin itself): OIDs of the standard MIBs they read, and a
table reader over the framework's SNMP connection (any object with bulk_walk(oid, non_repeaters,
max_repetitions) returning variables with .index and .value, and get(oid))."""

# IF-MIB ifTable (1.3.6.1.2.1.2.2.1) and ifXTable (1.3.6.1.2.1.31.1.1.1) columns.
IF_TABLE = '.1.3.6.1.2.1.2.2.1'
IF_X_TABLE = '.1.3.6.1.2.1.31.1.1.1'
IF_DESCR, IF_TYPE, IF_MTU, IF_SPEED, IF_PHYS_ADDRESS = (IF_TABLE + '.%d' % n for n in (2, 3, 4, 5, 6))
IF_ADMIN_STATUS, IF_OPER_STATUS = IF_TABLE + '.7', IF_TABLE + '.8'
IF_IN_DISCARDS, IF_IN_ERRORS, IF_OUT_DISCARDS, IF_OUT_ERRORS = (IF_TABLE + '.%d' % n for n in (13, 14, 19, 20))
IF_NAME, IF_ALIAS, IF_HIGH_SPEED = IF_X_TABLE + '.1', IF_X_TABLE + '.18', IF_X_TABLE + '.15'
IF_HC_IN_OCTETS, IF_HC_IN_UCAST, IF_HC_IN_MCAST, IF_HC_IN_BCAST = (IF_X_TABLE + '.%d' % n for n in (6, 7, 8, 9))
IF_HC_OUT_OCTETS, IF_HC_OUT_UCAST, IF_HC_OUT_MCAST, IF_HC_OUT_BCAST = (IF_X_TABLE + '.%d' % n
                                                                      for n in (10, 11, 12, 13))

# SNMPv2-MIB system group.
SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME = ('.1.3.6.1.2.1.1.%d.0' % n for n in (1, 2, 3, 5))

# HOST-RESOURCES-MIB.
HR_PROCESSOR_LOAD = '.1.3.6.1.2.1.25.3.3.1.2'
HR_STORAGE = '.1.3.6.1.2.1.25.2.3.1'
HR_STORAGE_TYPE, HR_STORAGE_DESCR, HR_STORAGE_UNITS, HR_STORAGE_SIZE, HR_STORAGE_USED = (
    HR_STORAGE + '.%d' % n for n in (2, 3, 4, 5, 6))
HR_STORAGE_TYPES = '.1.3.6.1.2.1.25.2.1'
HR_STORAGE_RAM = HR_STORAGE_TYPES + '.2'

# IANAifType numbers of the kinds we name (others are "other(<n>)").
IF_TYPE_NAMES = {1: 'other', 6: 'ethernetCsmacd', 24: 'softwareLoopback', 53: 'propVirtual', 131: 'tunnel',
                 135: 'l2vlan', 136: 'l3ipvlan', 161: 'ieee8023adLag', 71: 'ieee80211', 23: 'ppp'}

MISSING_TEXT = '<not set>'
MISSING_NUMBER = -1


def read_columns(connection, columns, non_repeaters=0, max_repetitions=25):
    """{index: {name: value}} for columns = {name: column OID}; an index lacks the names a column
    has no row for. Raises what the connection raises (timeouts name the endpoint)."""
    rows = {}
    for name, oid in columns.items():
        for variable in connection.bulk_walk(oid, non_repeaters=non_repeaters, max_repetitions=max_repetitions):
            rows.setdefault(str(variable.index), {})[name] = variable.value
    return rows


def to_int(value, default=MISSING_NUMBER):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def to_text(value, default=MISSING_TEXT):
    """Printable text of an OCTET STRING value (bytes or str), or `default` when empty."""
    if value is None:
        return default
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    text = ''.join(c for c in str(value) if c.isprintable()).strip()
    return text if text else default


def mac_address(value):
    """aa:bb:cc:dd:ee:ff from the 6 raw bytes of ifPhysAddress (as bytes or latin-1 text)."""
    if value is None:
        return MISSING_TEXT
    raw = value if isinstance(value, bytes) else str(value).encode('latin-1', 'replace')
    if len(raw) != 6:
        return MISSING_TEXT
    return ':'.join('%02x' % b for b in raw)


def if_type_name(value):
    number = to_int(value)
    return IF_TYPE_NAMES.get(number, 'other(%d)' % number) if number >= 0 else MISSING_TEXT


def speed_bps(high_speed_mbps, speed_bps_32):
    """Interface speed in bit/s: ifHighSpeed (Mbit/s) when it is set, else ifSpeed."""
    high = to_int(high_speed_mbps, 0)
    return high * 1000000 if high > 1 else to_int(speed_bps_32)
