// PluginHost: loading plugin code and running it (see host.h). Every entry takes the GIL once and
// catches Python and C++ exceptions.
#include <sys/stat.h>

#include <filesystem>
#include <initializer_list>
#include <iterator>
#include <map>
#include <utility>
#include <variant>

#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include "core/logging.h"
#include "model/identity.h"
#include "python/native.h"

namespace panoptes::python {
namespace {

const char* BaseClassName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kDiscovery: return "PanoptesDiscoveryPlugin";
    case PluginKind::kEnrichment: return "PanoptesEnrichmentPlugin";
    case PluginKind::kPolling: return "PanoptesPollingPlugin";
  }
  return "?";
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The checks of PanoptesResource.__init__ for the values ResourceObject passes it.
bool PassesResourceChecks(const Resource& r) {
  return !r.site.empty() && !r.class_.empty() && !r.subclass.empty() && !r.type.empty() && !r.id.empty() &&
         !r.endpoint.empty() && r.creation_timestamp > 0;
}

py::module_ ImportApi() {
  py::module_::import("_panoptes_native");  // registers the bound types
  return py::module_::import("panoptes");
}

// PanoptesPluginContext's attributes, in the order of its __init__ arguments.
const char* const kContextFields[] = {"logger", "config",     "data", "kv",  "secrets",
                                      "sites",  "enrichment", "snmp", "x509"};

// One field of a config struct, by its key name (an int or a string member).
template <typename Config>
struct Field {
  const char* key;
  std::variant<int Config::*, std::string Config::*> member;
};

// {key: value} of the fields of `c`, for context.snmp and context.x509.
template <typename Config>
py::dict FieldsDict(const Config& c, std::initializer_list<Field<Config>> fields) {
  py::dict d;
  for (const Field<Config>& f : fields) std::visit([&](auto member) { d[f.key] = c.*member; }, f.member);
  return d;
}

py::dict SnmpDict(const SnmpConfig& c) {
  using C = SnmpConfig;
  return FieldsDict<C>(c, {{"connection_factory_module", &C::connection_factory_module},
                           {"connection_factory_class", &C::connection_factory_class},
                           {"community", &C::community},
                           {"community_string_key", &C::community_string_key},
                           {"version", &C::version},
                           {"timeout", &C::timeout},
                           {"retries", &C::retries},
                           {"non_repeaters", &C::non_repeaters},
                           {"max_repetitions", &C::max_repetitions},
                           {"port", &C::port},
                           {"proxy_port", &C::proxy_port},
                           {"v3_username", &C::v3_username},
                           {"v3_security_level", &C::v3_security_level},
                           {"v3_auth_protocol", &C::v3_auth_protocol},
                           {"v3_privacy_protocol", &C::v3_privacy_protocol},
                           {"v3_context", &C::v3_context},
                           {"v3_auth_password_key", &C::v3_auth_password_key},
                           {"v3_privacy_password_key", &C::v3_privacy_password_key}});
}

py::dict X509Dict(const X509Config& c) {
  using C = X509Config;
  return FieldsDict<C>(c, {{"x509_secured_requests", &C::x509_secured_requests},
                           {"x509_cert_location", &C::x509_cert_location},
                           {"x509_cert_filename", &C::x509_cert_filename},
                           {"x509_key_location", &C::x509_key_location},
                           {"x509_key_filename", &C::x509_key_filename}});
}

// A shallow copy: a plugin that edits its context.snmp does not change the next run's.
py::object CopyDict(const py::dict& d) {
  PyObject* copy = PyDict_Copy(d.ptr());
  if (copy == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(copy);
}

// callable(*args) through the vectorcall protocol (no argument tuple); raises what it raised.
py::object Call(const py::object& callable, PyObject* const* args, size_t nargs) {
  PyObject* result = PyObject_Vectorcall(callable.ptr(), args, nargs, nullptr);
  if (result == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(result);
}

int PythonLevel() {
  auto level = core::Logger("plugin")->level();
  return level <= spdlog::level::debug  ? 10
         : level == spdlog::level::info ? 20
         : level == spdlog::level::warn ? 30
                                        : 40;
}

}  // namespace

struct PluginHost::Impl {
  struct Module {
    py::object module;
    std::string name;
    int64_t mtime_ns = 0;
  };
  struct Entry {
    PluginKind kind = PluginKind::kPolling;
    std::string module_path, class_name;
    int64_t file_mtime_ns = 0, module_mtime_ns = 0;
    py::object instance, run, logger, config, preload;
    std::optional<Resource> resource;  // cached conversion of the last resource
    py::object resource_py;
    std::vector<std::string> sites;
    py::object sites_py;
  };

  py::module_ api;
  ApiClasses classes;
  py::object base_classes[3];
  py::object context_cls, enrichment_context_cls, cache_cls, make_logger, add_plugin_module, open_code,
      compile, module_type, sys_modules, sys_path, host_module;
  // The slots of PanoptesPluginContext and of PanoptesPluginWithEnrichmentContext (a run with an
  // enrichment cache), each with its own fast path.
  Slot context_slots[std::size(kContextFields)], enrichment_context_slots[std::size(kContextFields)];
  py::object sink_obj, kv_obj, secrets_obj, fetch_obj;
  py::dict snmp, x509;  // the site's [snmp] / [x509], copied into each context
  LogSink* sink = nullptr;
  KvProxy* kv = nullptr;
  SecretsProxy* secrets = nullptr;
  EnrichmentFetcher* fetcher = nullptr;
  std::map<std::string, Module> modules;  // by module path
  std::map<std::string, Entry> entries;   // by plugin file

  explicit Impl(const PluginDefaults& defaults);
  // Loads the plugin if needed; on success *entry (if given) is its cache entry.
  Status Load(const PluginInfo& info, Entry** entry = nullptr);
  Result<Module*> ImportModule(const std::string& path, int64_t mtime_ns);
  Result<py::object> FindClass(const PluginInfo& info, const Module& module);
  py::object MakeContext(const PluginInfo& info, Entry& entry, const RunInput& input);
  py::object ResourceObject(Entry& entry, const Resource& resource);
  py::object NewResource(const Resource& resource);
  py::object ConstructResource(const Resource& resource);
  // `start`: when the run began (its time limit counts from there).
  void Bind(const RunInput& input, std::chrono::steady_clock::time_point start);
  void Unbind();
};

PluginHost::Impl::Impl(const PluginDefaults& defaults)
    : api(ImportApi()), classes(api), snmp(SnmpDict(defaults.snmp)), x509(X509Dict(defaults.x509)) {
  for (PluginKind k : kAllKinds) base_classes[KindIndex(k)] = api.attr(BaseClassName(k));
  context_cls = api.attr("PanoptesPluginContext");
  enrichment_context_cls = api.attr("PanoptesPluginWithEnrichmentContext");
  cache_cls = api.attr("PanoptesEnrichmentCache");
  host_module = py::module_::import("panoptes._host");
  make_logger = host_module.attr("make_logger");
  add_plugin_module = py::module_::import("_panoptes_bootstrap").attr("add_plugin_module");
  open_code = py::module_::import("io").attr("open_code");
  compile = py::module_::import("builtins").attr("compile");
  module_type = py::module_::import("types").attr("ModuleType");
  py::module_ sys = py::module_::import("sys");
  sys_modules = sys.attr("modules");
  sys_path = sys.attr("path");
  sink_obj = py::cast(new LogSink(), py::return_value_policy::take_ownership);
  sink = sink_obj.cast<LogSink*>();
  kv_obj = py::cast(new KvProxy(), py::return_value_policy::take_ownership);
  kv = kv_obj.cast<KvProxy*>();
  secrets_obj = py::cast(new SecretsProxy(), py::return_value_policy::take_ownership);
  secrets = secrets_obj.cast<SecretsProxy*>();
  fetch_obj = py::cast(new EnrichmentFetcher(), py::return_value_policy::take_ownership);
  fetcher = fetch_obj.cast<EnrichmentFetcher*>();
  for (size_t i = 0; i < std::size(kContextFields); ++i) {
    context_slots[i] = Slot(context_cls, kContextFields[i]);
    enrichment_context_slots[i] = Slot(enrichment_context_cls, kContextFields[i]);
  }
}

Result<PluginHost::Impl::Module*> PluginHost::Impl::ImportModule(const std::string& path, int64_t mtime_ns) {
  auto it = modules.find(path);
  if (it != modules.end() && it->second.mtime_ns == mtime_ns) return &it->second;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::NotFound("module not found: " + path);
  }
  std::string name = "_panoptes_plugin_" + model::Md5Hex(path).substr(0, 16);
  py::str dir(std::filesystem::path(path).parent_path().string());
  if (!sys_path.contains(dir)) sys_path.attr("append")(dir);
  try {
    add_plugin_module(path);  // the yahoo_panoptes/ tree it lives in, if any, joins the namespace
    // Compiled from the source each time (no __pycache__): a changed file is always seen, even when
    // rewritten within the same second with the same size.
    py::object file = open_code(path);
    py::object source = file.attr("read")();
    file.attr("close")();
    py::object code = compile(source, path, "exec", 0, true);
    py::object module = module_type(name);
    module.attr("__file__") = path;
    module.attr("__builtins__") = py::module_::import("builtins");
    sys_modules[py::str(name)] = module;
    py::module_::import("linecache").attr("checkcache")(path);
    PyObject* done =
        PyEval_EvalCode(code.ptr(), module.attr("__dict__").ptr(), module.attr("__dict__").ptr());
    if (done == nullptr) throw py::error_already_set();
    Py_DECREF(done);
    Module& m = modules[path];
    m = Module{module, name, mtime_ns};
    return &m;
  } catch (py::error_already_set& e) {
    if (sys_modules.contains(py::str(name))) sys_modules.attr("pop")(name);
    modules.erase(path);
    if (e.matches(PyExc_SyntaxError)) {
      py::object v = e.value();
      std::string file =
          v.attr("filename").is_none() ? path : py::str(v.attr("filename")).cast<std::string>();
      std::string line = py::str(v.attr("lineno")).cast<std::string>();
      return Status::PythonError("syntax error in " + file + ", line " + line + ": " +
                                 py::str(v.attr("msg")).cast<std::string>());
    }
    return Status::PythonError("exception while importing " + path + ": " + SummarizePythonError(e) + "\n" +
                               FormatPythonError(e));
  }
}

Result<py::object> PluginHost::Impl::FindClass(const PluginInfo& info, const Module& module) {
  py::object base = base_classes[KindIndex(info.kind)];
  py::object any_base = api.attr("PanoptesBasePlugin");
  std::vector<std::string> ours, others;
  std::map<std::string, py::object> by_name;
  for (auto item : py::reinterpret_borrow<py::dict>(module.module.attr("__dict__"))) {
    py::handle cls = item.second;
    if (!PyType_Check(cls.ptr()) || !PyObject_IsSubclass(cls.ptr(), any_base.ptr())) continue;
    if (py::str(cls.attr("__module__")).cast<std::string>() != module.name)
      continue;  // imported, not defined
    std::string cls_name = py::str(cls.attr("__name__")).cast<std::string>();
    by_name[cls_name] = py::reinterpret_borrow<py::object>(cls);
    (PyObject_IsSubclass(cls.ptr(), base.ptr()) ? ours : others).push_back(cls_name);
  }
  std::string kind_text =
      std::string(KindName(info.kind)) + " plugin: its class must derive from " + BaseClassName(info.kind);
  if (!info.class_name.empty()) {
    auto it = by_name.find(info.class_name);
    if (it == by_name.end()) {
      return Status::InvalidArgument("[Core] Class " + info.class_name +
                                     ": no plugin class of that name in " + info.module_path);
    }
    if (!PyObject_IsSubclass(it->second.ptr(), base.ptr())) {
      return Status::InvalidArgument("class " + info.class_name + " in " + info.module_path +
                                     " is of the wrong kind for a " + kind_text);
    }
    return it->second;
  }
  if (ours.size() == 1) return by_name[ours[0]];
  if (ours.size() > 1) {
    return Status::InvalidArgument("ambiguous plugin class in " + info.module_path + ": " + Join(ours) +
                                   " all derive from " + BaseClassName(info.kind) + "; set [Core] Class");
  }
  if (!others.empty()) {
    return Status::InvalidArgument("wrong kind: " + info.module_path + " defines " + Join(others) +
                                   " but this is a " + kind_text);
  }
  return Status::InvalidArgument("no plugin class in " + info.module_path + ": no class deriving from " +
                                 BaseClassName(info.kind) + " is defined there");
}

Status PluginHost::Impl::Load(const PluginInfo& info, Entry** loaded) {
  auto it = entries.find(info.file);
  if (it != entries.end()) {
    Entry& e = it->second;
    if (e.kind == info.kind && e.module_path == info.module_path && e.class_name == info.class_name &&
        e.file_mtime_ns == info.file_mtime_ns && e.module_mtime_ns == info.module_mtime_ns) {
      if (loaded != nullptr) *loaded = &e;
      return Status::Ok();
    }
    entries.erase(it);
  }
  auto module = ImportModule(info.module_path, info.module_mtime_ns);
  if (!module.ok()) return module.status();
  auto cls = FindClass(info, **module);
  if (!cls.ok()) return cls.status();
  Entry entry;
  entry.kind = info.kind;
  entry.module_path = info.module_path;
  entry.class_name = info.class_name;
  entry.file_mtime_ns = info.file_mtime_ns;
  entry.module_mtime_ns = info.module_mtime_ns;
  try {
    entry.instance = (*cls)();
  } catch (py::error_already_set& e) {
    return Status::PythonError("exception in " + py::str(cls->attr("__name__")).cast<std::string>() +
                               "() of " + info.module_path + ": " + SummarizePythonError(e) + "\n" +
                               FormatPythonError(e));
  }
  entry.run = entry.instance.attr("run");
  entry.logger = make_logger("panoptes.plugin." + info.normalized_name, sink_obj, info.name, PythonLevel());
  entry.config = py::cast(info.sections);
  py::list preload;
  for (const auto& p : info.preload) {
    preload.append(
        py::make_tuple(p.self ? py::object(py::none()) : py::object(py::str(p.resource_id)), p.namespace_));
  }
  entry.preload = preload;
  Entry& stored = entries.emplace(info.file, std::move(entry)).first->second;
  if (loaded != nullptr) *loaded = &stored;
  return Status::Ok();
}

// context.data: the task's resource as a PanoptesResource, reused while the task's resource is the
// same as the previous run's. A resource that passes the constructor's checks is made without
// running __init__ (its checks would pass, and its _metadata would be replaced); any other goes
// through the constructor, which raises the error the run reports.
py::object PluginHost::Impl::ResourceObject(Entry& entry, const Resource& resource) {
  if (entry.resource && *entry.resource == resource) return entry.resource_py;
  py::object obj = PassesResourceChecks(resource) ? NewResource(resource) : ConstructResource(resource);
  entry.resource = resource;
  entry.resource_py = obj;
  return obj;
}

// PanoptesResource.__new__ with the slots __init__ would set (REQUIRES: the checks pass).
py::object PluginHost::Impl::NewResource(const Resource& resource) {
  py::object obj = classes.r.site.NewInstance();
  if (!obj) return ConstructResource(resource);
  py::dict metadata;  // exactly the stored metadata (validated when discovered): no _resource_ttl added
  for (const auto& [k, v] : resource.metadata) metadata[py::str(k)] = py::str(v);
  const auto& n = classes.r;
  n.site.Set(obj, py::str(resource.site));
  n.class_.Set(obj, py::str(resource.class_));
  n.subclass.Set(obj, py::str(resource.subclass));
  n.type.Set(obj, py::str(resource.type));
  n.id.Set(obj, py::str(resource.id));
  n.endpoint.Set(obj, py::str(resource.endpoint));
  n.creation_timestamp.Set(obj, py::float_(resource.creation_timestamp));
  n.plugin.Set(obj, resource.plugin.empty() ? py::object(py::none()) : py::object(py::str(resource.plugin)));
  n.metadata.Set(obj, metadata);
  return obj;
}

// PanoptesResource(...) with the resource's values: its checks raise for an invalid resource.
py::object PluginHost::Impl::ConstructResource(const Resource& resource) {
  py::object ttl_arg = py::int_(604800);
  auto ttl = resource.metadata.find("_resource_ttl");
  if (ttl != resource.metadata.end()) {
    try {
      long v = std::stol(ttl->second);
      if (v > 0) ttl_arg = py::int_(v);
    } catch (const std::exception&) {
    }
  }
  py::object plugin = resource.plugin.empty() ? py::object(py::none()) : py::object(py::str(resource.plugin));
  py::object ts = resource.creation_timestamp > 0 ? py::object(py::float_(resource.creation_timestamp))
                                                  : py::object(py::none());
  py::object obj = classes.resource(resource.site, resource.class_, resource.subclass, resource.type,
                                    resource.id, resource.endpoint, ts, plugin, ttl_arg);
  // Metadata of a stored resource was validated when it was discovered: set it as it is.
  py::dict metadata = classes.r.metadata.Get(obj);
  metadata.clear();  // exactly the stored metadata: no _resource_ttl added
  for (const auto& [k, v] : resource.metadata) metadata[py::str(k)] = py::str(v);
  return obj;
}

py::object PluginHost::Impl::MakeContext(const PluginInfo& info, Entry& entry, const RunInput& input) {
  if (entry.sites != input.sites || !entry.sites_py) {
    entry.sites = input.sites;
    entry.sites_py = py::cast(input.sites);
  }
  py::object data = py::none();
  py::object enrichment = py::none();
  if (input.resource) {
    data = ResourceObject(entry, *input.resource);
    // As the original: context.enrichment exists for plugins with an [enrichment] preload.
    if (info.kind != PluginKind::kDiscovery && !info.preload.empty()) {
      enrichment = cache_cls(input.resource->id, entry.preload, fetch_obj, info.name);
    }
  }
  py::object snmp_copy = CopyDict(snmp), x509_copy = CopyDict(x509);
  PyObject* args[] = {entry.logger.ptr(), entry.config.ptr(), data.ptr(),
                      kv_obj.ptr(),       secrets_obj.ptr(),  entry.sites_py.ptr(),
                      enrichment.ptr(),   snmp_copy.ptr(),    x509_copy.ptr()};
  static_assert(std::size(args) == std::size(kContextFields));
  // The context's __init__ only stores its arguments: store them without the Python call.
  bool with_enrichment = !enrichment.is_none();
  const Slot* slots = with_enrichment ? enrichment_context_slots : context_slots;
  py::object context = slots[0].NewInstance();
  if (!context) return Call(with_enrichment ? enrichment_context_cls : context_cls, args, std::size(args));
  for (size_t i = 0; i < std::size(args); ++i) slots[i].Set(context, args[i]);
  return context;
}

void PluginHost::Impl::Bind(const RunInput& input, std::chrono::steady_clock::time_point start) {
  // steady_clock is CLOCK_MONOTONIC, the clock of Python's time.monotonic().
  double started = std::chrono::duration<double>(start.time_since_epoch()).count();
  host_module.attr("run_started") = started;
  host_module.attr("run_time_limit") =
      input.time_limit_s > 0 ? py::object(py::float_(input.time_limit_s)) : py::none();
  sink->signature = input.signature;
  sink->resource_id = input.resource ? input.resource->id : std::string();
  sink->task_id = input.task_id;
  kv->store = input.services.kv;
  secrets->store = input.services.secrets;
  fetcher->store = input.services.enrichment;
}

void PluginHost::Impl::Unbind() {
  host_module.attr("run_time_limit") = py::none();
  kv->store = nullptr;
  secrets->store = nullptr;
  fetcher->store = nullptr;
}

PluginHost::PluginHost(Interpreter& /*interpreter*/, const PluginDefaults& defaults) {
  py::gil_scoped_acquire gil;
  try {
    impl_ = std::make_unique<Impl>(defaults);
  } catch (py::error_already_set& e) {
    init_error_ = "the plugin host cannot start: " + FormatPythonError(e);
  } catch (const std::exception& e) {
    init_error_ = std::string("the plugin host cannot start: ") + e.what();
  }
}

PluginHost::~PluginHost() {
  py::gil_scoped_acquire gil;
  impl_.reset();
}

Status PluginHost::Load(const PluginInfo& info) {
  if (!impl_) return Status::Internal(init_error_);
  py::gil_scoped_acquire gil;
  try {
    return impl_->Load(info).WithContext(info.file);
  } catch (py::error_already_set& e) {
    return Status::PythonError(info.file + ": " + FormatPythonError(e));
  } catch (const std::exception& e) {
    return Status::Internal(info.file + ": " + e.what());
  }
}

RunOutcome PluginHost::Run(const PluginInfo& info, const RunInput& input) {
  auto start = std::chrono::steady_clock::now();
  RunOutcome outcome;
  if (!impl_) {
    outcome.error = init_error_;
    return outcome;
  }
  {
    py::gil_scoped_acquire gil;
    try {
      Impl::Entry* loaded = nullptr;
      Status st = impl_->Load(info, &loaded);
      if (!st.ok()) {
        outcome.error = st.message();
      } else {
        Impl::Entry& entry = *loaded;
        impl_->Bind(input, start);
        py::object context = impl_->MakeContext(info, entry, input);
        PyObject* args[] = {context.ptr()};
        py::object result = Call(entry.run, args, 1);
        outcome = ConvertResult(info.kind, result, impl_->classes);
      }
    } catch (py::error_already_set& e) {
      outcome = RunOutcome{};
      outcome.error = FormatPythonError(e);
    } catch (const std::exception& e) {
      outcome = RunOutcome{};
      outcome.error = std::string("internal error: ") + e.what();
    }
    impl_->Unbind();
  }
  outcome.duration = std::chrono::steady_clock::now() - start;
  return outcome;
}

Status PluginHost::Import(const PluginInfo& info) {
  if (!impl_) return Status::Internal(init_error_);
  py::gil_scoped_acquire gil;
  try {
    auto module = impl_->ImportModule(info.module_path, info.module_mtime_ns);
    return module.ok() ? Status::Ok() : module.status().WithContext(info.file);
  } catch (py::error_already_set& e) {
    return Status::PythonError(info.file + ": " + FormatPythonError(e));
  } catch (const std::exception& e) {
    return Status::Internal(info.file + ": " + e.what());
  }
}

void PluginHost::Forget(const std::string& plugin_file) {
  if (!impl_) return;
  py::gil_scoped_acquire gil;
  impl_->entries.erase(plugin_file);
}

size_t PluginHost::loaded() const {
  return impl_ ? impl_->entries.size() : 0;
}

Status ValidatePluginCode(Interpreter& interpreter, const PluginInfo& info) {
  PluginHost host(interpreter);
  return host.Load(info);
}

}  // namespace panoptes::python
