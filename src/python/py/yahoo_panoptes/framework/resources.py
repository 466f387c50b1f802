# PanoptesResource and PanoptesResourceSet (docs/plugin-api.md): constructor arguments, properties and
# validation as the original Panoptes. The host reads the underscore attributes directly.
import json
import time

from yahoo_panoptes.framework import const
from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.validators import (PanoptesValidators, check, valid_nonempty_string,
                                                 valid_nonzero_integer, valid_key)

DEFAULT_RESOURCE_TTL = const.RESOURCE_MANAGER_RESOURCE_EXPIRE
RESOURCE_SET_SCHEMA_VERSION = '0.1'


class PanoptesResourceError(PanoptesBaseException):
    pass


class PanoptesResourceValidators(object):
    @classmethod
    def valid_panoptes_resource(cls, resource):
        """True if `resource` is a PanoptesResource."""
        return bool(resource) and isinstance(resource, PanoptesResource)


def _check_arguments(site, class_, subclass, type_, id_, endpoint, plugin, ttl):
    check(valid_nonempty_string(site), 'resource_site must be a non-empty str')
    check(valid_nonempty_string(class_), 'resource_class must be a non-empty str')
    check(valid_nonempty_string(subclass), 'resource_subclass must be a non-empty str')
    check(valid_nonempty_string(type_), 'resource_type must be a non-empty str')
    check(valid_nonempty_string(id_), 'resource_id must be a non-empty str')
    check(valid_nonempty_string(endpoint), 'resource_endpoint must be a non-empty str')
    check(plugin is None or valid_nonempty_string(plugin), 'resource_plugin must be None or a non-empty str')
    check(valid_nonzero_integer(ttl), 'resource_ttl must be an integer greater than 0')


class PanoptesResource(object):
    # The host makes a task's resource (context.data) with __new__ and sets the slots itself when
    # the values pass the checks below (host.cpp, NewResource): keep __init__ to checks and stores.
    __slots__ = ('_site', '_class', '_subclass', '_type', '_id', '_endpoint', '_plugin', '_creation_timestamp',
                 '_metadata', '__weakref__')

    def __init__(self, resource_site, resource_class, resource_subclass, resource_type, resource_id,
                 resource_endpoint, resource_creation_timestamp=None, resource_plugin=None,
                 resource_ttl=DEFAULT_RESOURCE_TTL):
        # The common case (plain non-empty str) in one expression; otherwise each check in turn.
        if not (type(resource_site) is str and resource_site and type(resource_class) is str and resource_class
                and type(resource_subclass) is str and resource_subclass and type(resource_type) is str
                and resource_type and type(resource_id) is str and resource_id
                and type(resource_endpoint) is str and resource_endpoint
                and (resource_plugin is None or (type(resource_plugin) is str and resource_plugin))
                and type(resource_ttl) is int and resource_ttl > 0):
            _check_arguments(resource_site, resource_class, resource_subclass, resource_type, resource_id,
                             resource_endpoint, resource_plugin, resource_ttl)
        self._site = resource_site
        self._class = resource_class
        self._subclass = resource_subclass
        self._type = resource_type
        self._id = resource_id
        self._endpoint = resource_endpoint
        self._creation_timestamp = resource_creation_timestamp if resource_creation_timestamp else time.time()
        self._plugin = resource_plugin
        self._metadata = {'_resource_ttl': str(resource_ttl)}

    def add_metadata(self, key, value):
        check(valid_nonempty_string(key), 'key must be a non-empty str')
        check(valid_nonempty_string(value), 'value must be a non-empty str')
        if not valid_key(key):
            raise ValueError('metadata key "%s" has to match pattern: (letter|"_") (letter | digit | "_")*' % key)
        if '|' in value:
            raise ValueError('metadata value "%s" cannot contain |' % value)
        self._metadata[key] = value

    resource_site = property(lambda self: self._site)
    resource_class = property(lambda self: self._class)
    resource_subclass = property(lambda self: self._subclass)
    resource_type = property(lambda self: self._type)
    resource_id = property(lambda self: self._id)
    resource_endpoint = property(lambda self: self._endpoint)
    resource_plugin = property(lambda self: self._plugin)
    resource_creation_timestamp = property(lambda self: self._creation_timestamp)
    resource_metadata = property(lambda self: self._metadata)
    resource_ttl = property(lambda self: self._metadata.get('_resource_ttl'))

    @property
    def serialization_key(self):
        return '|'.join(['plugin', str(self._plugin), 'site', self._site, 'class', self._class, 'subclass',
                         self._subclass, 'type', self._type, 'id', self._id, 'endpoint', self._endpoint])

    @property
    def raw(self):
        """The resource as a dict, in the original's key order (a copy: changing it changes nothing)."""
        return {'resource_site': self._site, 'resource_class': self._class, 'resource_subclass': self._subclass,
                'resource_type': self._type, 'resource_id': self._id, 'resource_endpoint': self._endpoint,
                'resource_metadata': dict(self._metadata),
                'resource_creation_timestamp': self._creation_timestamp, 'resource_plugin': self._plugin}

    @property
    def json(self):
        """The resource as a JSON string (the keys of `raw`, in that order)."""
        return json.dumps(self.raw)

    @staticmethod
    def resource_from_dict(resource_dict):
        """The resource a dict of `raw`'s form describes. As the original, every key of that form must be
        there (KeyError otherwise), values pass the constructor's and add_metadata's checks, and
        metadata '_resource_ttl' (default 604800) must be an integer string (ValueError)."""
        check(isinstance(resource_dict, dict), 'resource_dict must be a dict')
        metadata = resource_dict['resource_metadata']
        resource = PanoptesResource(
            resource_plugin=resource_dict['resource_plugin'], resource_site=resource_dict['resource_site'],
            resource_class=resource_dict['resource_class'], resource_subclass=resource_dict['resource_subclass'],
            resource_type=resource_dict['resource_type'], resource_id=resource_dict['resource_id'],
            resource_endpoint=resource_dict['resource_endpoint'],
            resource_ttl=int(metadata.get('_resource_ttl', const.RESOURCE_MANAGER_RESOURCE_EXPIRE)),
            resource_creation_timestamp=resource_dict['resource_creation_timestamp'])
        for key in metadata:
            resource.add_metadata(key, metadata[key])
        return resource

    def __repr__(self):
        return self.serialization_key

    def __hash__(self):
        return hash((self._site, self._class, self._subclass, self._type, self._id))

    def __eq__(self, other):
        if not isinstance(other, PanoptesResource):
            return False
        return (self._site == other._site and self._class == other._class and self._subclass == other._subclass
                and self._type == other._type and self._id == other._id)

    def __lt__(self, other):
        if not isinstance(other, PanoptesResource):
            return False
        return self._id < other._id


class PanoptesResourceSet(object):
    """An unordered set of PanoptesResource (equal resources are kept once)."""

    def __init__(self):
        self._resources = set()
        self._creation_timestamp = time.time()

    def add(self, resource):
        check(isinstance(resource, PanoptesResource), 'resource must an instance of PanoptesResource')
        self._resources.add(resource)

    def remove(self, resource):
        check(isinstance(resource, PanoptesResource), 'resource must an instance of PanoptesResource')
        self._resources.remove(resource)

    def get_resources_by_site(self):
        by_site = {}
        for resource in self._resources:
            by_site.setdefault(resource.resource_site, []).append(resource)
        return by_site

    resources = property(lambda self: self._resources)

    @property
    def resource_set_creation_timestamp(self):
        return self._creation_timestamp

    @resource_set_creation_timestamp.setter
    def resource_set_creation_timestamp(self, timestamp):
        check(PanoptesValidators.valid_timestamp(timestamp),
              'timestamp should be an Unix epoch int|float not more than 7 days old or more than 60 seconds in '
              'the future')
        self._creation_timestamp = timestamp

    resource_set_schema_version = property(lambda self: RESOURCE_SET_SCHEMA_VERSION)

    @property
    def json(self):
        """The set as a JSON string: resources (each as PanoptesResource.raw), the set's creation
        timestamp and schema version."""
        return json.dumps({'resources': [r.raw for r in self._resources],
                           'resource_set_creation_timestamp': self._creation_timestamp,
                           'resource_set_schema_version': RESOURCE_SET_SCHEMA_VERSION})

    def __iter__(self):
        return iter(self._resources)

    def __next__(self):
        return next(iter(self._resources))

    def __len__(self):
        return len(self._resources)

    def __repr__(self):
        return 'PanoptesResourceSet[' + ','.join(repr(r) for r in sorted(self._resources)) + ']'
