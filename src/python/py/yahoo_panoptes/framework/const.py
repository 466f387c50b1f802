# yahoo_panoptes.framework.const: the original's constants that plugins and the framework modules
# use, with the original's names and values. Names of the original's Celery, Kafka and ZooKeeper
# machinery are left out: none of that exists here (the daemons' own settings are the site config).

# Key/value naming (the original's Redis keys; our stores have their own layout, see docs/redis.md).
KEY_VALUE_NAMESPACE_PREFIX = 'panoptes:'
KV_STORE_DELIMITER = '|'
KV_NAMESPACE_DELIMITER = ':'
KV_STORE_SCAN_ITER_COUNT = 1000
PLUGINS_KEY_VALUE_NAMESPACE = KEY_VALUE_NAMESPACE_PREFIX + 'plugins_kv'
PLUGINS_METADATA_KEY_VALUE_NAMESPACE = KEY_VALUE_NAMESPACE_PREFIX + 'plugins_metadata'
SECRETS_MANAGER_KEY_VALUE_NAMESPACE = KEY_VALUE_NAMESPACE_PREFIX + 'secrets'
ENRICHMENT_REDIS_GROUP = 'enrichments'
ENRICHMENT_PLUGIN_RESULTS_KEY_VALUE_NAMESPACE = PLUGINS_KEY_VALUE_NAMESPACE + KV_NAMESPACE_DELIMITER + 'enrichment'
DEFAULT_REDIS_GROUP_NAME = 'default'

# Plugins: kinds, file extension and the defaults the agent applies (SPEC §3 keeps the same ones).
PLUGIN_TYPES = ['discovery', 'polling', 'enrichment']
PLUGIN_EXTENSION = 'panoptes-plugin'
PLUGIN_AGENT_PLUGIN_TIMESTAMPS_EXPIRE = 604800  # seconds P:meta lives
PLUGIN_AGENT_PLUGIN_EXPIRES_MULTIPLE = 2  # default expires = 2 x execute_frequency
PLUGIN_AGENT_PLUGIN_TIME_LIMIT_MULTIPLE = 1.25  # default time_limit = 1.25 x execute_frequency

# Resources: the default lifetime of a discovered resource (seconds).
RESOURCE_MANAGER_RESOURCE_EXPIRE = 604800

# Logging.
DEFAULT_ROOT_LOGGER_NAME = 'panoptes'
DEFAULT_LOG_FORMAT = '[%(asctime)s: %(levelname)s/%(processName)s] %(message)s'

# Metrics.
METRICS_KV_STORE_TTL = 14400
METRICS_KV_STORE_TTL_MULTIPLE = 3

# Used by the original's temperature metrics (the melting point of steel in degrees Celsius, as a
# sanity bound on a reading).
MELTING_POINT_STEEL = 1371
