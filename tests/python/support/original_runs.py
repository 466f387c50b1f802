# Helpers of the tests that run the original Panoptes' SNMP plugins through our programs
# (test_original_plugins_run.py): a plugin file and a resource for one of its test cases
# (original_plugin_cases.Case), and the comparison of a run's output with the results the case
# expects. Everything of the original is read at test time from the checkout; nothing is copied.
import json
import os

# The original's PanoptesResource adds this default when its tests build a resource.
RESOURCE_TTL = '604800'


# Sections whose keys the framework reads with types (numbers are written as their digits).
FRAMEWORK_SECTIONS = ('core', 'main', 'snmp', 'x509', 'enrichment')


def not_expressible(case):
    """Why the case's plugin configuration cannot be written as a plugin file, or None. A plugin file
    gives every value as a string, in the original as here (its plugin loader reads the file with
    configparser); some test cases hand the plugin a dict holding a list or a falsy number, which
    a plugin then tests by membership or truth, and '3048' in '3048T, 3064' or bool('0') differ."""
    for section, values in case.attrs['plugin_conf'].items():
        for key, value in values.items():
            if isinstance(value, (list, tuple, dict, set)):
                return '[{}] {} is a {} (a plugin file gives a string)'.format(section, key, type(value).__name__)
            if section.lower() not in FRAMEWORK_SECTIONS and not isinstance(value, str) and not value:
                return '[{}] {} = {!r} is false (the string {!r} of a plugin file is true)'.format(
                    section, key, value, str(value))
    return None


def module_path(root, case):
    """The original module of a case, as a plugin file's Module (a path without .py)."""
    return os.path.join(root, *case.module.split('.'))


def plugin_file_text(root, case, name=None, resource_filter=None, snmp=None):
    """A plugin file holding the case's plugin configuration (the dict its test hands the plugin),
    with Module the original's module. `name`, `resource_filter` and `snmp` (more [snmp] keys)
    change what the scheduler needs to tell cases apart; the plugin sees the rest unchanged."""
    conf = {section: dict(values) for section, values in case.attrs['plugin_conf'].items()}
    lines = ['[Core]', 'Name = ' + (name or conf.get('Core', {}).get('name', 'Test Plugin')),
             'Module = ' + module_path(root, case), '', '[Documentation]', 'Description = ' + case.name, '']
    if resource_filter:
        conf.setdefault('main', {})['resource_filter'] = resource_filter
    if snmp:
        conf.setdefault('snmp', {}).update(snmp)
    for section, values in conf.items():
        if section.lower() in ('core', 'documentation'):
            continue
        lines.append('[{}]'.format(section))
        lines.extend('{} = {}'.format(key, ', '.join(value) if isinstance(value, (list, tuple)) else value)
                     for key, value in values.items())
        lines.append('')
    return '\n'.join(lines)


def resource_document(case):
    """The case's resource in the JSON form of docs/plugin-api.md (what discovery stores)."""
    a = case.attrs
    metadata = {'model': a['resource_model'], '_resource_ttl': RESOURCE_TTL}
    metadata.update({k: str(v) for k, v in a['metadata_overrides'].items()})
    if a['resource_backplane']:
        metadata['backplane'] = a['resource_backplane']
    return {'resource_site': a['resource_site'], 'resource_class': a['resource_class'],
            'resource_subclass': a['resource_subclass'], 'resource_type': a['resource_type'],
            'resource_id': a['resource_id'], 'resource_endpoint': a['resource_endpoint'],
            'resource_plugin': a['resource_plugin'], 'resource_metadata': metadata}


def stored_enrichment(case):
    """{'<resource_id>:<namespace>': stored JSON text} of the case's enrichment data file (lines
    `<id>:<namespace>=>JSON`, the original's stored form), when its plugin preloads enrichment."""
    if not (case.attrs['plugin_conf'].get('enrichment') or {}).get('preload'):
        return {}
    path = os.path.join(case.data_dir, case.attrs['enrichment_data_file'])
    stored = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if '=>' in line:
                    key, value = line.strip().split('=>', 1)
                    stored[key] = value
    return stored


def enrichment_file_entries(stored):
    """`panoptes-ctl run --enrichment-file` entries for stored enrichment."""
    entries = []
    for key, text in sorted(stored.items()):
        resource_id, namespace = key.rsplit(':', 1)
        value = json.loads(text)
        entries.append({'resource_id': resource_id, 'namespace': namespace, 'data': value['data'],
                        'metadata': value.get('metadata', {})})
    return entries


def expected_results(case):
    with open(os.path.join(case.data_dir, case.attrs['results_data_file'])) as f:
        return json.load(f)


def ordered(value):
    """A canonical form for comparing JSON documents regardless of list order."""
    if isinstance(value, dict):
        return sorted((k, ordered(v)) for k, v in value.items())
    if isinstance(value, list):
        return sorted((ordered(v) for v in value), key=repr)
    return value


def without_times(groups):
    """Metrics groups without their creation timestamps (the original's tests froze the clock;
    a run through our programs cannot), as the original's tests compare them."""
    out = []
    for group in groups:
        group = json.loads(json.dumps(group))
        group.get('resource', {}).pop('resource_creation_timestamp', None)
        group.pop('metrics_group_creation_timestamp', None)
        for metric in group.get('metrics', []):
            metric.pop('metric_creation_timestamp', None)
        out.append(group)
    return out


def compare_polling(got, expected):
    """'matches' or what differs, for metrics groups (a run's output or the stream's entries)."""
    mine, theirs = without_times(got), without_times(expected)
    if ordered(mine) == ordered(theirs):
        return 'matches'
    ours = {json.dumps(ordered(g)) for g in mine}
    wanted = {json.dumps(ordered(e)) for e in theirs}
    return 'differs: {} groups, {} expected; only ours: {:.400}; only expected: {:.400}'.format(
        len(mine), len(theirs), str(sorted(ours - wanted)[:1]), str(sorted(wanted - ours)[:1]))


def compare_enrichment(got, expected):
    """'matches' or what differs, for enrichment groups as panoptes-ctl run prints them (or as
    stored, with resource_id and namespace added) against the original's enrichment group set:
    the resource id, each namespace's sets, TTL and frequency (not the creation times)."""
    def sets(data):
        merged = {}
        for item in (data if isinstance(data, list) else [data]):
            merged.update(item)
        return merged

    want = {(expected['resource']['resource_id'], g['namespace']): g for g in expected['enrichment']}
    have = {(g['resource_id'], g['namespace']): g for g in got}
    if sorted(want) != sorted(have):
        return 'differs: groups {} expected {}'.format(sorted(have), sorted(want))
    for key, group in want.items():
        mine = have[key]
        for field in ('_enrichment_ttl', '_execute_frequency'):
            if mine['metadata'].get(field) != group['metadata'].get(field):
                return 'differs: {} {} = {} expected {}'.format(key, field, mine['metadata'].get(field),
                                                               group['metadata'].get(field))
        if ordered(sets(mine['data'])) != ordered(sets(group['data'])):
            return 'differs: {} sets {:.400} expected {:.400}'.format(key, json.dumps(sets(mine['data'])),
                                                                     json.dumps(sets(group['data'])))
    return 'matches'
