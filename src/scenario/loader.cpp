// Top level of a scenario file: name, description, seed, [server], [[rule]]; parse errors
// from toml++ and our own checks come out in the same FILE:LINE:COL form.
#include "scenario/loader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "scenario/builtin.hpp"
#include "scenario/nearest_name.hpp"
#include "scenario/rule_loader.hpp"
#include "scenario/toml_nesting.hpp"
#include "scenario/toml_read.hpp"

namespace bounceback::scenario {
namespace {

std::optional<Requirement> parse_requirement(const toml::node& n, const std::string& key,
                                             ErrorSink& errors) {
  const auto s = read_string(n, key, errors);
  if (!s) return std::nullopt;
  if (*s == "off") return Requirement::off;
  if (*s == "optional") return Requirement::optional;
  if (*s == "required") return Requirement::required;
  errors.add(n.source(), key, "expected \"off\", \"optional\" or \"required\", got \"" + *s + "\"");
  return std::nullopt;
}

// A string that must be one of `names` (in enum order): the enum value, or an error listing them.
template <typename Enum, std::size_t N>
std::optional<Enum> parse_choice(const toml::node& n, const std::string& key,
                                 const std::array<std::string_view, N>& names, ErrorSink& errors) {
  const auto s = read_string(n, key, errors);
  if (!s) return std::nullopt;
  for (std::size_t i = 0; i < N; ++i)
    if (*s == names[i]) return static_cast<Enum>(i);
  std::string expected;
  for (std::size_t i = 0; i < N; ++i)
    expected += (i == 0 ? "\"" : i + 1 == N ? " or \"" : ", \"") + std::string(names[i]) + "\"";
  errors.add(n.source(), key, "expected " + expected + ", got \"" + *s + "\"");
  return std::nullopt;
}

constexpr std::array<std::string_view, 5> certificate_names{"valid", "self-signed", "expired",
                                                            "not-yet-valid", "wrong-host"};
constexpr std::array<std::string_view, 3> tls_handshake_names{"normal", "abort", "close"};
constexpr std::array<std::string_view, 3> dsn_style_names{"postfix", "gmail", "microsoft"};

void load_users(const toml::node& n, ServerSettings& server, ErrorSink& errors) {
  const auto* t = n.as_table();
  if (!t) {
    errors.add(
        n.source(), "server.users",
        "expected a table of user = \"password\", like { alice = \"secret\" }, got " + describe(n));
    return;
  }
  std::map<std::string, std::string> users;
  for (auto&& [k, v] : *t)
    if (auto pw = read_string(v, "server.users." + std::string(k.str()), errors))
      users.emplace(std::string(k.str()), *pw);
  server.users = std::move(users);
}

std::optional<smtp::Extension> read_extension(const std::string& name,
                                              const toml::source_region& where,
                                              const std::string& key, ErrorSink& errors) {
  const auto e = smtp::find_extension(name);
  if (!e) {
    std::string known;
    for (const auto k : smtp::extension_keywords)
      known += (known.empty() ? "" : " ") + std::string(k);
    errors.add(where, key,
               "unknown extension \"" + name +
                   "\" (Bounceback offers only what it implements: " + known + ")");
  }
  return e;
}

// extensions = { CHUNKING = false, BINARYMIME = true }: the default list with each switch
// applied (one switched on is added at the end).
void load_extension_switches(const toml::table& t, ServerSettings& server, ErrorSink& errors) {
  std::vector<smtp::Extension> list(smtp::default_extensions.begin(),
                                    smtp::default_extensions.end());
  for (auto&& [k, v] : t) {
    const std::string key = "server.extensions." + std::string(k.str());
    const auto e = read_extension(std::string(k.str()), k.source(), key, errors);
    const auto on = read_bool(v, key, errors);
    if (!e || !on) continue;
    const auto at = std::find(list.begin(), list.end(), *e);
    if (*on && at == list.end()) list.push_back(*e);
    if (!*on && at != list.end()) list.erase(at);
  }
  server.extensions = std::move(list);
}

// extensions = ["SIZE", "PIPELINING", ...]: known keywords, each once, order kept; or a table
// of switches over the default list.
void load_extensions(const toml::node& n, ServerSettings& server, ErrorSink& errors) {
  if (const auto* t = n.as_table()) return load_extension_switches(*t, server, errors);
  const auto* arr = n.as_array();
  if (!arr) {
    errors.add(n.source(), "server.extensions",
               "expected a list of EHLO keywords, like [\"SIZE\", \"PIPELINING\"], or switches "
               "like { CHUNKING = false }, got " +
                   describe(n));
    return;
  }
  std::vector<smtp::Extension> list;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    const std::string key = "server.extensions[" + std::to_string(i) + "]";
    const auto name = read_string(item, key, errors);
    if (!name) continue;
    const auto e = read_extension(*name, item.source(), key, errors);
    if (!e) {
      continue;
    } else if (std::find(list.begin(), list.end(), *e) != list.end()) {
      errors.add(item.source(), key, "\"" + *name + "\" is listed twice");
    } else {
      list.push_back(*e);
    }
  }
  server.extensions = std::move(list);
}

// A requirement the capability list cannot meet: tls/auth = "required" without STARTTLS/AUTH.
void check_requirements(const toml::table& t, const ServerSettings& server, ErrorSink& errors) {
  if (!server.extensions) return;
  const auto offers = [&](smtp::Extension e) {
    return std::find(server.extensions->begin(), server.extensions->end(), e) !=
           server.extensions->end();
  };
  if (server.tls == Requirement::required && !offers(smtp::Extension::starttls))
    errors.add(t.get("tls")->source(), "server.tls",
               "\"required\" needs \"STARTTLS\" in server.extensions");
  if (server.auth == Requirement::required && !offers(smtp::Extension::auth))
    errors.add(t.get("auth")->source(), "server.auth",
               "\"required\" needs \"AUTH\" in server.extensions");
}

void load_server(const toml::node& n, ServerSettings& server, ErrorSink& errors) {
  const auto* t = n.as_table();
  if (!t) {
    errors.add(n.source(), "server", "expected a table [server], got " + describe(n));
    return;
  }
  reject_unknown_keys(*t, "server",
                      {"hostname", "banner", "max_size", "max_recipients", "auth", "tls",
                       "certificate", "tls_handshake", "users", "reply_domain", "extensions",
                       "replies", "dsn_style", "success_dsn"},
                      errors);
  if (const auto* v = t->get("hostname"))
    server.hostname = read_string(*v, "server.hostname", errors);
  if (const auto* v = t->get("banner")) server.banner = read_string(*v, "server.banner", errors);
  if (const auto* v = t->get("max_size"))
    server.max_size = read_size(*v, "server.max_size", errors);
  if (const auto* v = t->get("max_recipients"))
    if (auto m = read_integer(*v, "server.max_recipients", 1, errors))
      server.max_recipients = static_cast<std::uint64_t>(*m);
  if (const auto* v = t->get("auth")) server.auth = parse_requirement(*v, "server.auth", errors);
  if (const auto* v = t->get("tls")) server.tls = parse_requirement(*v, "server.tls", errors);
  if (const auto* v = t->get("certificate"))
    server.certificate =
        parse_choice<Certificate>(*v, "server.certificate", certificate_names, errors);
  if (const auto* v = t->get("tls_handshake"))
    server.tls_handshake =
        parse_choice<TlsHandshake>(*v, "server.tls_handshake", tls_handshake_names, errors);
  if (const auto* v = t->get("users")) load_users(*v, server, errors);
  if (const auto* v = t->get("reply_domain"))
    if (auto d = read_string(*v, "server.reply_domain", errors)) server.reply_domain = *d;
  if (const auto* v = t->get("extensions")) load_extensions(*v, server, errors);
  if (const auto* v = t->get("replies")) load_success_replies(*v, server.replies, errors);
  if (const auto* v = t->get("dsn_style"))
    if (auto style = parse_choice<report::Style>(*v, "server.dsn_style", dsn_style_names, errors))
      server.dsn_style = *style;
  if (const auto* v = t->get("success_dsn"))
    if (auto b = read_bool(*v, "server.success_dsn", errors)) server.success_dsn = *b;
  check_requirements(*t, server, errors);
  if (server.hostname && server.hostname->find_first_of(" \t\r\n") != std::string::npos)
    errors.add(t->get("hostname")->source(), "server.hostname", "must not contain spaces");
  if (server.banner && server.banner->find_first_of("\r\n") != std::string::npos)
    errors.add(t->get("banner")->source(), "server.banner", "must be a single line");
}

void load_rules(const toml::node& n, Scenario& s, ErrorSink& errors) {
  const auto* arr = n.as_array();
  if (!arr) {
    errors.add(n.source(), "rule", "expected [[rule]] tables, got " + describe(n));
    return;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& item = *arr->get(i);
    const auto* t = item.as_table();
    if (!t) {
      errors.add(item.source(), "rule[" + std::to_string(i) + "]",
                 "expected a table ([[rule]]), got " + describe(item));
      continue;
    }
    if (auto r = load_rule(*t, static_cast<std::uint32_t>(i), errors))
      s.rules.push_back(std::move(*r));
  }
}

std::string stem_of(const std::string& origin) {
  auto name = origin.substr(origin.find_last_of("/:") + 1);
  if (const auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

}  // namespace

std::string LoadError::str() const {
  if (line == 0) return origin + ": " + message;
  return origin + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string LoadResult::error_text() const {
  std::string out;
  for (const auto& e : errors) out += e.str() + "\n";
  return out;
}

LoadResult load_scenario_text(std::string_view text, std::string origin) {
  LoadResult result;
  ErrorSink errors(origin);
  // toml++ recurses once per nesting level: bound the nesting before it sees the text.
  if (auto deep = find_excess_nesting(text)) {
    result.errors.push_back({origin, deep->line, deep->column, deep->message});
    return result;
  }
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    errors.add(e.source(), "", std::string(e.description()));
    result.errors = errors.take();
    return result;
  }
  auto s = std::make_shared<Scenario>();
  s->origin = origin;
  s->source = std::string(text);
  reject_unknown_keys(root, "", {"name", "description", "seed", "server", "rule"}, errors);
  if (const auto* v = root.get("name")) {
    if (auto name = read_string(*v, "name", errors)) s->name = *name;
  } else {
    s->name = stem_of(origin);
  }
  if (const auto* v = root.get("description"))
    if (auto d = read_string(*v, "description", errors)) s->description = *d;
  if (const auto* v = root.get("seed")) {
    if (auto seed = read_integer(*v, "seed", 0, errors)) {
      s->seed = static_cast<std::uint64_t>(*seed);
      s->seed_given = true;
    }
  } else {
    // Without a seed, probabilities differ from run to run, as users of `probability` expect.
    std::random_device rd;
    s->seed = (std::uint64_t{rd()} << 32) ^ rd();
  }
  if (const auto* v = root.get("server")) load_server(*v, s->server, errors);
  if (const auto* v = root.get("rule")) load_rules(*v, *s, errors);
  if (!errors.empty()) {
    result.errors = errors.take();
    std::stable_sort(result.errors.begin(), result.errors.end(), [](const auto& a, const auto& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    return result;
  }
  s->build_index();
  result.scenario = std::move(s);
  return result;
}

namespace {

LoadResult cannot_load(std::string origin, std::string message) {
  LoadResult r;
  r.unreadable = true;
  r.errors.push_back({std::move(origin), 0, 0, std::move(message)});
  return r;
}

// "unknown scenario 'greylistng'; did you mean greylisting?" (or the list of built-ins).
std::string unknown_name(std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& b : builtin_scenarios()) names.push_back(b.name);
  std::string out = "unknown scenario '" + std::string(name) + "'";
  if (const auto near = nearest_name(name, names))
    return out + "; did you mean " + std::string(*near) + "?";
  out += "; built-in scenarios:";
  for (const auto n : names) out += " " + std::string(n);
  return out + " (or give a file path)";
}

}  // namespace

LoadResult load_scenario_file(const std::string& path) {
  // C stdio rather than ifstream: its errno is reliable, so the message says why (ENOENT,
  // EACCES, EISDIR when reading a directory).
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return cannot_load(path, std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  char buffer[16384];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get()))
    text.append(buffer, n);
  if (std::ferror(file.get()))
    return cannot_load(path, std::string("cannot read: ") + std::strerror(errno));
  return load_scenario_text(text, path);
}

const std::string_view* builtin_text(std::string_view name, std::string& error) {
  for (const auto& b : builtin_scenarios())
    if (b.name == name) return &b.text;
  error = unknown_name(name);
  return nullptr;
}

LoadResult load_scenario(std::string_view name_or_path) {
  const bool is_path =
      name_or_path.find('/') != std::string_view::npos ||
      (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".toml");
  if (!is_path)
    for (const auto& b : builtin_scenarios())
      if (b.name == name_or_path)
        return load_scenario_text(b.text, "builtin:" + std::string(b.name));
  const std::string path(name_or_path);
  // A bare name that is neither a built-in nor a file in the working directory: a typo.
  if (!is_path) {
    if (std::FILE* f = std::fopen(path.c_str(), "rb"))
      std::fclose(f);
    else if (errno == ENOENT)
      return cannot_load("bounceback", unknown_name(name_or_path));
  }
  return load_scenario_file(path);
}

}  // namespace bounceback::scenario
