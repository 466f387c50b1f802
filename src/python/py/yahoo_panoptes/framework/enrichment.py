# Enrichment (docs/plugin-api.md): PanoptesEnrichmentSet, PanoptesEnrichmentGroup, PanoptesEnrichmentGroupSet,
# PanoptesEnrichmentMultiGroupSet, PanoptesEnrichmentSchemaValidator (Cerberus, as the original) and
# PanoptesEnrichmentCache (context.enrichment). The host reads the underscore attributes.
import copy
import json
import time

from yahoo_panoptes.framework import const

from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.resources import PanoptesResource
from yahoo_panoptes.framework.validators import (PanoptesValidators, check, valid_nonempty_string, valid_number,
                                                 valid_nonzero_integer)


class PanoptesEnrichmentException(PanoptesBaseException):
    pass


class PanoptesEnrichmentCacheError(PanoptesBaseException):
    pass


def _encode_bytes(value):
    # The original's serializer: bytes keep their ASCII characters, marked with '__decoded'.
    if isinstance(value, bytes):
        return value.decode('ascii', 'ignore') + '__decoded'
    raise TypeError('Object of type %s is not JSON serializable' % type(value).__name__)


class PanoptesEnrichmentEncoder(json.JSONEncoder):
    """JSON of the enrichment types (each as its raw form), of resources and of sets (as lists)."""

    def default(self, o):
        if isinstance(o, set):
            return list(o)
        if isinstance(o, PanoptesResource):
            return o.raw
        if isinstance(o, (PanoptesEnrichmentSet, PanoptesEnrichmentGroup, PanoptesEnrichmentGroupSet,
                          PanoptesEnrichmentMultiGroupSet)):
            return o._raw_data
        return json.JSONEncoder.default(self, o)


class PanoptesEnrichmentCacheKeyValueStore(object):
    """The original's key/value store of stored enrichment: get('<resource_id>:<namespace>') returns
    the stored group as a JSON string ({"data": ...}), or None. Read-only here: enrichment is written
    by the agent from enrichment plugins' results. Made from a plugin context."""

    redis_group = const.ENRICHMENT_REDIS_GROUP

    def __init__(self, panoptes_context):
        enrichment = getattr(panoptes_context, 'enrichment', None)
        self._fetch = getattr(enrichment, '_fetch', None)

    def get(self, key):
        resource_id, _, namespace = key.rpartition(const.KV_NAMESPACE_DELIMITER)
        data = self._fetch(resource_id, namespace) if self._fetch and resource_id else None
        return None if data is None else json.dumps({'data': data}, sort_keys=True)


class PanoptesEnrichmentSchemaValidator(object):
    """Subclasses set `schema`: a Cerberus schema whose 'enrichment_label' entry describes one set."""

    schema = {'key': 'value'}

    def __init__(self):
        check(isinstance(self.schema, dict) and len(self.schema) > 0, 'schema must be a non empty Cerberus schema dict')
        from cerberus import Validator
        self._validator = Validator(schema=self.schema)

    def validate(self, enrichment_set_data):
        check(isinstance(enrichment_set_data, PanoptesEnrichmentSet),
              'element set must be an instance of PanoptesEnrichmentSet')
        schema = copy.deepcopy(self.schema)
        schema[enrichment_set_data.key] = schema.pop('enrichment_label')
        return self._validator.validate(document=enrichment_set_data._raw_data, schema=schema)


class PanoptesEnrichmentSet(object):
    def __init__(self, key, value=None):
        check(valid_nonempty_string(key), 'enrichment key must be a string')
        if value is None or value == {None: None}:
            value = {}
        check(isinstance(value, dict), 'enrichment value must be a dict')
        self._key = key
        self._value = value

    key = property(lambda self: self._key)
    value = property(lambda self: self._value)
    _raw_data = property(lambda self: {self._key: self._value})

    def add(self, enrichment_key, enrichment_value):
        self._value[enrichment_key] = enrichment_value

    def json(self):
        """{key: value} as a JSON string, keys sorted (a method, as the original)."""
        return json.dumps(self._raw_data, sort_keys=True)

    def __repr__(self):
        inner = ','.join('{}:{}'.format(k, v) for k, v in sorted(self._value.items()))
        return 'PanoptesEnrichmentSet[{}[{}]]'.format(self._key, inner)

    def __hash__(self):
        return hash(self._key)

    def __len__(self):
        return len(self._value)

    def _sort_text(self):
        return ','.join('{}|{}'.format(k, v) for k, v in sorted(self._value.items()))

    def __lt__(self, other):
        # As the original: sets order by their values' text, not their keys.
        return self._sort_text() < other._sort_text()

    def __eq__(self, other):
        return isinstance(other, PanoptesEnrichmentSet) and self._key == other._key


class PanoptesEnrichmentGroup(object):
    # _sets: set key -> PanoptesEnrichmentSet (adding a set with an existing key replaces it).
    def __init__(self, namespace, schema_validator, enrichment_ttl, execute_frequency):
        check(valid_nonempty_string(namespace), 'enrichment namespace must be a string')
        check(isinstance(schema_validator, PanoptesEnrichmentSchemaValidator),
              'schema_validator must be an instance of PanoptesEnrichmentSchemaValidator')
        check(valid_nonzero_integer(enrichment_ttl), 'enrichment_ttl must be a valid nonzero integer')
        check(valid_nonzero_integer(execute_frequency), 'execute_frequency must be a valid nonzero integer')
        self._namespace = namespace
        self._validator = schema_validator
        self._sets = {}
        self._metadata = {'_enrichment_group_creation_timestamp': time.time(), '_enrichment_ttl': enrichment_ttl,
                          '_execute_frequency': execute_frequency}

    enrichment_schema = property(lambda self: self._validator.schema)
    validator = property(lambda self: self._validator)
    namespace = property(lambda self: self._namespace)
    data = property(lambda self: set(self._sets.values()))
    metadata = property(lambda self: self._metadata)
    enrichment_ttl = property(lambda self: self._metadata['_enrichment_ttl'])
    execute_frequency = property(lambda self: self._metadata['_execute_frequency'])
    enrichment_group_creation_timestamp = property(lambda self: self._metadata['_enrichment_group_creation_timestamp'])

    def add_enrichment_set(self, enrichment_set):
        check(isinstance(enrichment_set, PanoptesEnrichmentSet),
              'enrichment set must be an instance of PanoptesEnrichmentSet')
        check(self._validator.validate(enrichment_set), 'schema validation failed for enrichment_set data')
        self._sets[enrichment_set.key] = enrichment_set

    @property
    def _raw_data(self):
        return {'metadata': self._metadata, 'namespace': self._namespace, 'data': set(self._sets.values())}

    def json(self):
        """{"data": [{key: value}...], "metadata": {...}, "namespace": ...} as a JSON string."""
        return json.dumps(self._raw_data, sort_keys=True, cls=PanoptesEnrichmentEncoder)

    def serialize_data(self):
        """{set key: value} as a JSON string, keys sorted."""
        return json.dumps({s.key: s.value for s in self._sets.values()}, sort_keys=True)

    def serialize(self):
        """The stored form: {"data": {set key: value}, "metadata": {...}} as a JSON string, keys sorted,
        bytes as the original encodes them (what the agent stores for this group)."""
        return json.dumps({'data': {s.key: s.value for s in self._sets.values()}, 'metadata': self._metadata},
                          sort_keys=True, default=_encode_bytes)

    def bulk_add_enrichment_set(self):
        pass

    def upsert_metadata(self, metadata_key, metadata_value):
        check(valid_nonempty_string(metadata_key), 'metadata_key must be a string')
        if metadata_key.startswith('_'):
            raise ValueError('Failed to update reserved metadata')
        check(valid_nonempty_string(metadata_value) or valid_number(metadata_value),
              'metadata_value must be any of string / float / integer')
        self._metadata[metadata_key] = metadata_value

    def __repr__(self):
        sets = ','.join(repr(s) for s in sorted(self._sets.values()))
        return 'PanoptesEnrichmentGroup[namespace:{},enrichment_ttl:{},execute_frequency:{}{}]'.format(
            self._namespace, self.enrichment_ttl, self.execute_frequency, ',' + sets if sets else '')

    def __len__(self):
        return len(self._sets)

    def __hash__(self):
        return hash(self._namespace)

    def __lt__(self, other):
        return self._namespace < other._namespace

    def __eq__(self, other):
        return isinstance(other, PanoptesEnrichmentGroup) and self._namespace == other._namespace


class PanoptesEnrichmentGroupSet(object):
    # _groups: namespace -> PanoptesEnrichmentGroup (a group of an existing namespace replaces it).
    def __init__(self, resource):
        check(isinstance(resource, PanoptesResource), 'resource must be an instance of PanoptesResource')
        self._resource = resource
        self._groups = {}
        self._creation_timestamp = time.time()

    resource = property(lambda self: self._resource)
    enrichment = property(lambda self: set(self._groups.values()))
    enrichment_group_set_creation_timestamp = property(lambda self: self._creation_timestamp)

    @property
    def _raw_data(self):
        return {'resource': self._resource, 'enrichment': set(self._groups.values()),
                'enrichment_group_set_creation_timestamp': self._creation_timestamp}

    def json(self):
        return json.dumps(self._raw_data, sort_keys=True, cls=PanoptesEnrichmentEncoder)

    def bulk_add_enrichment_group(self):
        pass

    def add_enrichment_group(self, enrichment_group):
        check(isinstance(enrichment_group, PanoptesEnrichmentGroup),
              'enrichment_group must be an instance of PanoptesEnrichmentGroup')
        check(len(enrichment_group) > 0, 'enrichment_group must hold at least one data set')
        self._groups[enrichment_group.namespace] = enrichment_group

    def __len__(self):
        return len(self._groups)

    def __repr__(self):
        return 'PanoptesEnrichmentGroupSet[resource:{},{}]'.format(
            self._resource, ','.join(repr(g) for g in sorted(self._groups.values())))

    def __hash__(self):
        return hash(self._resource.resource_id + ''.join(sorted(self._groups)))

    def __eq__(self, other):
        return (isinstance(other, PanoptesEnrichmentGroupSet) and
                self._resource.resource_id == other._resource.resource_id and
                sorted(self._groups) == sorted(other._groups))

    def __lt__(self, other):
        return isinstance(other, PanoptesEnrichmentGroupSet) and self._resource < other._resource


class PanoptesEnrichmentMultiGroupSet(object):
    def __init__(self):
        self._group_sets = []

    def add_enrichment_group_set(self, enrichment_group_set):
        check(isinstance(enrichment_group_set, PanoptesEnrichmentGroupSet),
              'enrichment_group_set must be an instance of PanoptesEnrichmentGroupSet')
        check(len(enrichment_group_set) > 0, 'enrichment_group_set must hold at least one data set')
        self._group_sets = [s for s in self._group_sets if s != enrichment_group_set]
        self._group_sets.append(enrichment_group_set)

    enrichment_group_sets = property(lambda self: set(self._group_sets))
    _raw_data = property(lambda self: {'group_sets': set(self._group_sets)})

    def json(self):
        return json.dumps(self._raw_data, sort_keys=True, cls=PanoptesEnrichmentEncoder)

    def __len__(self):
        return len(self._group_sets)

    def __repr__(self):
        return 'PanoptesEnrichmentMultiGroupSet[{}]'.format(','.join(repr(s) for s in self._group_sets))


class PanoptesEnrichmentCache(object):
    """context.enrichment: the enrichment data stored by enrichment plugins, by resource id and
    namespace. `preload` entries are fetched when the context is made; others on first use.
    `fetch(resource_id, namespace)` returns the stored {set key: {k: v}} dict or None."""

    def __init__(self, resource_id, preload, fetch, plugin_name=''):
        self._resource_id = resource_id
        self._fetch = fetch
        self._plugin_name = plugin_name
        self._data = {}
        for resource_id_, namespace in preload:
            try:
                self._load(resource_id_ or resource_id, namespace)
            except Exception:  # a missing preload is reported when the plugin asks for it
                pass

    def _load(self, resource_id, namespace):
        data = self._fetch(resource_id, namespace)
        if data is None:
            raise KeyError('no enrichment stored for resource {} namespace {}'.format(resource_id, namespace))
        self._data.setdefault(resource_id, {})[namespace] = data
        return data

    def _get(self, resource_id, namespace):
        check(valid_nonempty_string(resource_id), 'resource_id must be a string')
        check(valid_nonempty_string(namespace), 'enrichment namespace must be a string')
        if resource_id == 'self':
            resource_id = self._resource_id
        try:
            return self._data[resource_id][namespace]
        except KeyError:
            pass
        try:
            return self._load(resource_id, namespace)
        except Exception as e:
            raise PanoptesEnrichmentCacheError('Failed to get data for resource {} namespace {} from enrichment cache: '
                                               '{} plugin_name: {}'.format(resource_id, namespace, repr(e),
                                                                           self._plugin_name))

    def get_enrichment(self, resource_id, namespace):
        return dict(self._get(resource_id, namespace))

    def get_enrichment_value(self, resource_id, namespace, enrichment_key):
        check(valid_nonempty_string(enrichment_key), 'enrichment_key must be a string')
        data = self._get(resource_id, namespace)
        try:
            return data[enrichment_key]
        except KeyError as e:
            raise PanoptesEnrichmentCacheError('Failed to get data for resource {} namespace {} enrichment_key {}: {} '
                                               'plugin_name: {}'.format(resource_id, namespace, enrichment_key,
                                                                        repr(e), self._plugin_name))

    def get_enrichment_keys(self, resource_id, namespace):
        return list(self._get(resource_id, namespace).keys())

