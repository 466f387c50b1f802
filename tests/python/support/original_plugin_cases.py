# Reads the test cases of the original Panoptes' SNMP plugin tests (tests/plugins/**/test_*.py of
# an original checkout) without importing them (they need the original's framework and mocks): for
# each test class, the literal class attributes it and its bases within the file set (plugin_class,
# plugin_conf, resource_*, snmp_community, results_data_file, enrichment_data_file, ...) over the
# defaults of the original's SNMPPluginTestFramework. Nothing of the original is copied: this is
# read at test time from the checkout named by PANOPTES_ORIGINAL_TREE.
import ast
import copy
import os

# The original's SNMPPluginTestFramework class attributes the cases rely on.
FRAMEWORK_DEFAULTS = {
    'snmp_community': 'public', 'resource_id': 'test_id', 'resource_endpoint': '127.0.0.1',
    'resource_plugin': 'dummy', 'resource_site': 'test_site', 'resource_class': 'network',
    'resource_subclass': 'test_subclass', 'resource_type': 'test_type', 'resource_backplane': None,
    'resource_model': 'model', 'results_data_file': 'results.json', 'enrichment_data_file': 'enrichment_data',
    'use_enrichment': True,
    'plugin_conf': {'Core': {'name': 'Test Plugin', 'module': 'test_plugin'},
                    'main': {'execute_frequency': '60', 'enrichment_ttl': '300',
                             'resource_filter': 'resource_class = "network"'},
                    'snmp': {'timeout': 10, 'retries': 1, 'non_repeaters': 1, 'max_repetitions': 25},
                    'x509': {'x509_secured_requests': 0}},
}
FRAMEWORKS = {'SNMPEnrichmentPluginTestFramework': 'enrichment', 'SNMPPollingPluginTestFramework': 'polling'}


class Case(object):
    def __init__(self, path, name, kind, attrs, plugin):
        self.path, self.name, self.kind, self.attrs = path, name, kind, attrs
        self.module, self.cls = plugin

    @property
    def data_dir(self):
        return os.path.join(os.path.dirname(self.path), 'data')

    def __repr__(self):
        return '{}::{}'.format(self.path, self.name)


def _imports(tree):
    """{local name: (module, attribute or None)} of the file's imports."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name] = (alias.name, None)
    return names


def _plugin(expr, imports):
    """(module, class) of a plugin_class expression: Name imported from a module, or module.Class."""
    if isinstance(expr, ast.Name) and expr.id in imports:
        return imports[expr.id]
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in imports:
        module, attr = imports[expr.value.id]
        return ('{}.{}'.format(module, attr) if attr else module), expr.attr
    return None


def _module_literals(tree):
    """Module-level NAME = literal, NAME = OTHER.copy() and `del NAME[key]`, in order."""
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _literal(node.value, values)
            if value is not _NOT_LITERAL:
                values[node.targets[0].id] = value
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    values.get(target.value.id, {}).pop(ast.literal_eval(target.slice), None)
    return values


_NOT_LITERAL = object()


def _literal(expr, names):
    if isinstance(expr, ast.Name) and expr.id in names:
        return copy.deepcopy(names[expr.id])
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == 'copy'
            and isinstance(expr.func.value, ast.Name) and expr.func.value.id in names):
        return copy.copy(names[expr.func.value.id])
    try:
        return ast.literal_eval(expr)
    except (ValueError, SyntaxError, TypeError):
        return _NOT_LITERAL


def cases(tests_dir):
    """Every concrete SNMP plugin test class (a unittest.TestCase using one of the frameworks)."""
    found = []
    for root, _, files in sorted(os.walk(os.path.join(tests_dir, 'plugins'))):
        for f in sorted(files):
            if f.startswith('test_') and f.endswith('.py'):
                found.extend(_file_cases(os.path.join(root, f)))
    return found


def _file_cases(path):
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    imports, literals = _imports(tree), _module_literals(tree)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    out = []
    for name, node in classes.items():
        kind, attrs, plugin, concrete = _resolve(name, classes, imports, literals)
        if kind and plugin and concrete:
            out.append(Case(path, name, kind, attrs, plugin))
    return out


def _base_names(node):
    return [b.attr if isinstance(b, ast.Attribute) else getattr(b, 'id', None) for b in node.bases]


def _resolve(name, classes, imports, literals, depth=0):
    """(kind, attrs, (module, class), is a TestCase) of class `name`, bases first."""
    node = classes[name]
    kind, attrs, plugin, concrete = None, copy.deepcopy(FRAMEWORK_DEFAULTS), None, False
    for base in _base_names(node):
        if base in FRAMEWORKS:
            kind = FRAMEWORKS[base]
        elif base == 'TestCase':
            concrete = True
        elif base in classes and depth < 10:
            k, a, p, c = _resolve(base, classes, imports, literals, depth + 1)
            kind, plugin, concrete = kind or k, plugin or p, concrete or c
            attrs.update(a)
    attrs.setdefault('metadata_overrides', {})
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == 'setUp':
            attrs['metadata_overrides'].update(_setup_metadata(stmt))
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            target = stmt.targets[0].id
            if target == 'plugin_class':
                plugin = _plugin(stmt.value, imports) or plugin
                continue
            value = _literal(stmt.value, literals)
            if value is not _NOT_LITERAL:
                attrs[target] = value
    return kind, attrs, plugin, concrete


def _setup_metadata(function):
    """{key: value} of `self._panoptes_resource.resource_metadata[key] = literal` lines in a setUp."""
    found = {}
    for stmt in ast.walk(function):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript)):
            continue
        target = stmt.targets[0]
        if isinstance(target.value, ast.Attribute) and target.value.attr == 'resource_metadata':
            try:
                found[ast.literal_eval(target.slice)] = ast.literal_eval(stmt.value)
            except ValueError:
                pass
    return found
