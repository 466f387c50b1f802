# Building blocks of the MIB classes: `oid` (an OID that can be extended with +, carrying the type
# of its values), typed values that validate themselves, and the `Mib` base class.
from yahoo_panoptes.framework.metrics import PanoptesMetricType


class SNMPTypeMixin(object):
    """A value of an SNMP type: `name`, the metric type it maps to, and validation on creation
    (ValueError when the value is not of `valid_types` or out of range)."""
    name = 'float'
    metric_type = PanoptesMetricType.GAUGE
    valid_types = float

    def __init__(self, value):
        self.value = value
        self.validate()

    def __str__(self):
        return self.name

    def validate(self):
        self.validate_type()
        self.validate_value()

    def validate_type(self):
        if not isinstance(self.value, self.valid_types):
            raise ValueError('%r is not a %s' % (self.value, type(self.valid_types)))

    def validate_value(self):
        pass


class SNMPType(SNMPTypeMixin):
    pass


class SNMPString(str, SNMPTypeMixin):
    pass


class SNMPInteger(int, SNMPTypeMixin):
    name = 'integer'
    metric_type = PanoptesMetricType.COUNTER
    valid_types = int


class SNMPInteger32(SNMPInteger):
    def validate_value(self):
        if self.value > 2 ** 31 - 1:
            raise ValueError('32 bit integer overflow, value of %r is to large for a signed 32 bit integer' %
                             self.value)


class SNMPGauge32(SNMPInteger32):
    metric_type = PanoptesMetricType.GAUGE


class SNMPFloat(float, SNMPTypeMixin):
    pass


class oid(object):
    """An OID (text). `a + b` appends b's components (an oid or text; dots at its ends ignored) and
    keeps b's value type when it has one, else a's."""

    def __init__(self, value, snmp_type=None, description=None):
        self.value = value
        self.snmp_type = snmp_type
        self.description = description

    @property
    def oid(self):
        return self.value

    def __repr__(self):
        return 'oid("' + str(self.value) + '")'

    def __str__(self):
        return self.value

    def __add__(self, item):
        snmp_type = getattr(item, 'snmp_type', self.snmp_type)
        return oid(str(self.value) + '.' + str(item).strip('.'), snmp_type=snmp_type)


class Mib(object):
    """Base of the MIB classes (namespaces of oid attributes)."""
