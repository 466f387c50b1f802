# Metrics (docs/plugin-api.md): PanoptesMetric, PanoptesMetricType, PanoptesMetricDimension,
# PanoptesMetricsGroup, PanoptesMetricsGroupSet with the original Panoptes' arguments, properties
# and validation. Kept lean: the agent builds thousands of these per second. The host converts them
# by reading the underscore attributes directly (see src/python/convert.cpp).
import json
from math import floor as _floor
from time import time

from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.resources import PanoptesResource
from yahoo_panoptes.framework.validators import PanoptesValidators, check, valid_nonempty_string, valid_number, _match_key

METRICS_TIMESTAMP_PRECISION = 3


def _round3(t):
    # round(t, 3) for the timestamps of metrics and groups, without round()'s decimal-string detour
    # (a quarter of a trivial plugin's cost). Half-way cases round up, as near enough for timestamps.
    # The constructors inline it for time(): `_floor(time() * 1000.0 + 0.5) / 1000.0`.
    return _floor(float(t) * 1000.0 + 0.5) / 1000.0


METRICS_GROUP_SCHEMA_VERSION = '0.2'

# Metric and dimension names (str) that matched VALID_KEY: a plugin uses the same few names on every
# run, so the regular expression runs once per name instead of once per object. Bounded, since a
# plugin may make names from data.
_valid_names = set()
_VALID_NAMES_MAX = 8192


def _remember_name(name):
    """True if `name` (a non-empty str) matches VALID_KEY; remembers it if so."""
    if _match_key(name) is None:
        return False
    if len(_valid_names) >= _VALID_NAMES_MAX:
        _valid_names.clear()
    _valid_names.add(name)
    return True


class PanoptesMetricsException(PanoptesBaseException):
    pass


class PanoptesMetricsNullException(PanoptesMetricsException):
    pass


class PanoptesMetricType(object):
    GAUGE, COUNTER = 0, 1


METRIC_TYPE_NAMES = {PanoptesMetricType.GAUGE: 'GAUGE', PanoptesMetricType.COUNTER: 'COUNTER'}


class PanoptesMetricValidators(object):
    @classmethod
    def valid_panoptes_resource(cls, resource):
        return bool(resource) and isinstance(resource, PanoptesResource)

    @classmethod
    def valid_panoptes_metric_type(cls, metric_type):
        return metric_type is not None and metric_type in METRIC_TYPE_NAMES

    @classmethod
    def valid_panoptes_metric(cls, metric):
        return metric is not None and isinstance(metric, PanoptesMetric)

    @classmethod
    def valid_panoptes_metric_dimension(cls, metric_dimension):
        return metric_dimension is not None and isinstance(metric_dimension, PanoptesMetricDimension)

    @classmethod
    def valid_panoptes_metrics_group(cls, metrics_group):
        return metrics_group is not None and isinstance(metrics_group, PanoptesMetricsGroup)


class PanoptesMetric(object):
    __slots__ = ('_name', '_value', '_type', '_ts')

    def __init__(self, metric_name, metric_value, metric_type, metric_creation_timestamp=None):
        # Checks in the original's order (the first failing one raises).
        known = type(metric_name) is str and metric_name in _valid_names
        if not (known or (type(metric_name) is str and metric_name)):
            raise AssertionError('metric_name must be a non-empty str')
        t = type(metric_value)
        if not (t is int or t is float or valid_number(metric_value)):
            raise AssertionError('metric_value must be number')
        if metric_type not in METRIC_TYPE_NAMES:
            raise AssertionError('metric_type must be an attribute of PanoptesMetricType')
        if not (known or _remember_name(metric_name)):
            raise ValueError('metric name "%s" has to match pattern: (letter|"_") (letter | digit | "_")*'
                             % metric_name)
        self._name = metric_name
        self._value = metric_value
        self._type = metric_type
        if metric_creation_timestamp is None:
            self._ts = _floor(time() * 1000.0 + 0.5) / 1000.0
        else:
            check(valid_number(metric_creation_timestamp), 'metric_creation_timestamp should be None or a number')
            self._ts = _round3(metric_creation_timestamp)

    metric_name = property(lambda self: self._name)
    metric_value = property(lambda self: self._value)
    metric_type = property(lambda self: self._type)
    metric_timestamp = property(lambda self: self._ts)

    def _raw(self):
        return {'metric_creation_timestamp': self._ts, 'metric_name': self._name,
                'metric_type': METRIC_TYPE_NAMES[self._type].lower(), 'metric_value': self._value}

    @property
    def json(self):
        """The metric as a JSON string (keys sorted, as the original; metric_type 'gauge'/'counter')."""
        return json.dumps(self._raw(), sort_keys=True)

    def __repr__(self):
        return 'PanoptesMetric[%s|%s|%s|%s]' % (self._name, self._value, METRIC_TYPE_NAMES[self._type], self._ts)

    def __str__(self):
        return '%s|%s|%s' % (self._name, self._value, self._type)

    def __hash__(self):
        # Consistent with __eq__ (1 and 1.0 are equal values and hash alike), and no str() of the
        # value: a float's repr was a tenth of a small plugin's cost.
        return hash((self._name, self._value))

    def __lt__(self, other):
        if not isinstance(other, PanoptesMetric):
            return False
        return self._name < other._name

    def __eq__(self, other):
        if not isinstance(other, PanoptesMetric):
            return False
        return self._name == other._name and self._value == other._value and self._type == other._type


class PanoptesMetricDimension(object):
    __slots__ = ('_name', '_value')

    def __init__(self, name, value):
        known = type(name) is str and name in _valid_names
        if not (known or (type(name) is str and name)):
            raise AssertionError('dimension name must be non-empty str, is type %s' % type(name))
        if not ((type(value) is str or isinstance(value, str)) and value):
            raise AssertionError('dimension value for dimension "%s" must be non-empty str, is type %s'
                                 % (name, type(value)))
        if not (known or _remember_name(name)):
            raise ValueError('dimension name "%s" has to match pattern: (letter|"_") (letter | digit | "_")*' % name)
        self._name = name
        self._value = value

    name = property(lambda self: self._name)
    value = property(lambda self: self._value)

    def _raw(self):
        return {'dimension_name': self._name, 'dimension_value': self._value}

    @property
    def json(self):
        return json.dumps(self._raw())

    def __repr__(self):
        return 'PanoptesMetricDimension[%s|%s]' % (self._name, self._value)

    def __str__(self):
        return '%s|%s' % (self._name, self._value)

    def __hash__(self):
        return hash(self._name + self._value)

    def __lt__(self, other):
        if not isinstance(other, PanoptesMetricDimension):
            return False
        return self._name < other._name

    def __eq__(self, other):
        if not isinstance(other, PanoptesMetricDimension):
            return False
        return self._name == other._name and self._value == other._value


class PanoptesMetricsGroup(object):
    # _metrics: list in insertion order; _names: one set of metric names per type (duplicates raise);
    # _dimensions: name -> PanoptesMetricDimension.
    __slots__ = ('_resource', '_group_type', '_interval', '_creation_timestamp', '_metrics', '_names',
                 '_dimensions')

    def __init__(self, resource, group_type, interval, creation_timestamp=None):
        if not isinstance(resource, PanoptesResource):
            raise AssertionError('resource must be an instance of PanoptesResource')
        if not (type(group_type) is str and group_type):
            raise AssertionError('group_type must be a non-empty string')
        if not (type(interval) is int and interval > 0):
            raise AssertionError('interval must a integer greater than zero')
        self._resource = resource
        self._group_type = group_type
        self._interval = interval
        self._creation_timestamp = (_floor(time() * 1000.0 + 0.5) / 1000.0 if creation_timestamp is None
                                    else creation_timestamp)
        self._metrics = []
        self._names = (set(), set())
        self._dimensions = {}

    def copy(self, retain_timestamp=True):
        copied = PanoptesMetricsGroup(self._resource, self._group_type, self._interval,
                                      self._creation_timestamp if retain_timestamp else None)
        for metric in self._metrics:
            copied.add_metric(metric)
        for dimension in self._dimensions.values():
            copied.add_dimension(dimension)
        return copied

    def add_metric(self, metric):
        if type(metric) is not PanoptesMetric and not isinstance(metric, PanoptesMetric):
            raise AssertionError('metric must be an instance of PanoptesMetric')
        names = self._names[metric._type]
        if metric._name in names:
            raise KeyError('Metric name "%s" (type "%s") for metrics group type "%s" already populated'
                           % (metric._name, METRIC_TYPE_NAMES[metric._type], self._group_type))
        names.add(metric._name)
        self._metrics.append(metric)

    def add_dimension(self, dimension):
        if type(dimension) is not PanoptesMetricDimension and not isinstance(dimension, PanoptesMetricDimension):
            raise AssertionError('dimension must be instance of PanoptesMetricDimension')
        if dimension._name in self._dimensions:
            raise KeyError('Dimension name %s already populated. '
                           'Please use upsert_dimension if you need to update dimensions' % dimension._name)
        self._dimensions[dimension._name] = dimension

    def get_dimension_by_name(self, dimension_name):
        check(valid_nonempty_string(dimension_name), 'dimension name must be non-empty str')
        return self._dimensions.get(dimension_name)

    def contains_dimension_by_name(self, dimension_name):
        check(valid_nonempty_string(dimension_name), 'dimension name must be non-empty str')
        return dimension_name in self._dimensions

    def delete_dimension_by_name(self, dimension_name):
        check(valid_nonempty_string(dimension_name), 'dimension name must be non-empty str')
        self._dimensions.pop(dimension_name, None)

    def upsert_dimension(self, dimension):
        check(isinstance(dimension, PanoptesMetricDimension), 'dimension must be instance of PanoptesMetricDimension')
        self._dimensions[dimension._name] = dimension

    @staticmethod
    def flatten_dimensions(dimensions):
        return {d['dimension_name']: d['dimension_value'] for d in dimensions}

    @staticmethod
    def flatten_metrics(metrics):
        flat = {'counter': {}, 'gauge': {}}
        for m in metrics:
            flat[m['metric_type']][m['metric_name']] = {'value': m['metric_value'],
                                                         'timestamp': m['metric_creation_timestamp']}
        return flat

    def _raw(self):
        return {'metrics_group_type': self._group_type, 'metrics_group_interval': self._interval,
                'metrics_group_creation_timestamp': self._creation_timestamp,
                'metrics_group_schema_version': METRICS_GROUP_SCHEMA_VERSION, 'resource': self._resource.raw,
                'metrics': [m._raw() for m in self._metrics],
                'dimensions': [d._raw() for d in sorted(self._dimensions.values())]}

    @property
    def json(self):
        """The group as a JSON string, in the form of SPEC §7 (what the agent writes to the stream)."""
        return json.dumps(self._raw())

    resource = property(lambda self: self._resource)
    metrics = property(lambda self: sorted(self._metrics))
    dimensions = property(lambda self: sorted(self._dimensions.values()))
    group_type = property(lambda self: self._group_type)
    interval = property(lambda self: self._interval)
    schema_version = property(lambda self: METRICS_GROUP_SCHEMA_VERSION)
    creation_timestamp = property(lambda self: self._creation_timestamp)

    def __repr__(self):
        return ('PanoptesMetricsGroup[resource:%r,interval:%s,schema_version:%s,group_type:%s,'
                'creation_timestamp:%s,dimensions:[%s],metrics:[%s]]'
                % (self._resource, self._interval, METRICS_GROUP_SCHEMA_VERSION, self._group_type,
                   self._creation_timestamp, ','.join(repr(d) for d in self.dimensions),
                   ','.join(repr(m) for m in self.metrics)))

    def __hash__(self):
        # Consistent with __eq__, which (as the original's) ignores the group type: two groups of
        # one resource with the same metrics and dimensions are one member of a metrics group set,
        # whatever their types (the original's polling results rely on it, e.g. empty groups).
        return hash((self._resource, frozenset(self._metrics), frozenset(self._dimensions.values())))

    def __lt__(self, other):
        if not isinstance(other, PanoptesMetricsGroup):
            return False
        return self._group_type < other._group_type

    def __eq__(self, other):
        if not isinstance(other, PanoptesMetricsGroup):
            return False
        return (self._resource == other._resource and self.metrics == other.metrics
                and self.dimensions == other.dimensions)


class PanoptesMetricsGroupSet(object):
    __slots__ = ('_metrics_groups', '_by_shape')

    def __init__(self):
        self._metrics_groups = []  # insertion order, for stable output
        # Equal groups have as many metrics and as many dimensions, so the groups are indexed by
        # that shape first: shape -> the one group of that shape, unhashed, or -> {hash: groups}
        # once a second group of the shape comes (the lone one is hashed then). The usual set, a
        # group or a few of different shapes, hashes nothing: a group's hash (its resource, every
        # metric and dimension) was a third of a small plugin's cost. Unlike a Python set, a lone
        # group changed after it was added is compared as it is when the second group comes.
        self._by_shape = {}

    def add(self, metrics_group):
        if not isinstance(metrics_group, PanoptesMetricsGroup):
            raise AssertionError('metrics_group must be an instance of PanoptesMetricsGroup')
        # As the original's set: a group equal to one already present (same resource, metrics and
        # dimensions, whatever the type) is not added again; the first one stays.
        shape = (len(metrics_group._metrics), len(metrics_group._dimensions))
        entry = self._by_shape.get(shape)
        if entry is None:
            self._by_shape[shape] = metrics_group
        else:
            if type(entry) is not dict:
                entry = self._by_shape[shape] = {hash(entry): [entry]}
            same_hash = entry.setdefault(hash(metrics_group), [])
            if any(existing is metrics_group or existing == metrics_group for existing in same_hash):
                return
            same_hash.append(metrics_group)
        self._metrics_groups.append(metrics_group)

    def remove(self, metrics_group):
        check(isinstance(metrics_group, PanoptesMetricsGroup), 'metrics_group must be an instance of PanoptesMetricsGroup')
        self._metrics_groups.remove(metrics_group)
        for shape, entry in self._by_shape.items():
            if type(entry) is not dict:
                if entry == metrics_group:
                    del self._by_shape[shape]
                    return
                continue
            for same_hash in entry.values():
                for i, existing in enumerate(same_hash):
                    if existing == metrics_group:
                        del same_hash[i]
                        return

    metrics_groups = property(lambda self: set(self._metrics_groups))

    def __add__(self, other):
        if not other or not isinstance(other, PanoptesMetricsGroupSet):
            raise TypeError('Unsupported type for addition: {}'.format(type(other)))
        result = PanoptesMetricsGroupSet()
        for group in self._metrics_groups + other._metrics_groups:
            result.add(group)
        return result

    def __iter__(self):
        return iter(self._metrics_groups)

    def __len__(self):
        return len(self._metrics_groups)

    def __next__(self):
        return next(iter(self._metrics_groups))

    @property
    def json(self):
        """The groups as a JSON list (an addition: the original's set had no JSON form)."""
        return json.dumps([g._raw() for g in self._metrics_groups])

    def __repr__(self):
        return 'PanoptesMetricsGroupSet[' + ','.join(repr(g) for g in sorted(self._metrics_groups)) + ']'


class PanoptesMetricSet(object):
    def __init__(self):
        self._metrics = set()

    def add(self, metric):
        check(isinstance(metric, PanoptesMetric), 'metric must be an instance of PanoptesMetric')
        self._metrics.add(metric)

    def remove(self, metric):
        check(isinstance(metric, PanoptesMetric), 'metric must be an instance of PanoptesMetric')
        self._metrics.remove(metric)

    metrics = property(lambda self: self._metrics)

    def __iter__(self):
        return iter(self._metrics)

    def __len__(self):
        return len(self._metrics)
