// The [[rule]] keys as a table: name, the events the key makes sense at, and its parser.
// A key used on an event it cannot apply to is an error, not a rule that never matches.
#include "scenario/rule_loader.hpp"

#include <array>

#include "scenario/fault_loader.hpp"
#include "scenario/reaction_loader.hpp"

namespace bounceback::scenario {
namespace {

using smtp::EventKind;
using K = EventKind;

constexpr EventMask bits(std::initializer_list<EventKind> kinds) {
  EventMask m = 0;
  for (auto k : kinds) m |= event_bit(k);
  return m;
}
constexpr EventMask transaction = bits({K::mail, K::rcpt, K::data, K::message});
constexpr EventMask with_rcpt = bits({K::rcpt, K::data, K::message});
constexpr EventMask after_connect = all_events & ~event_bit(K::connect);

std::string event_names(EventMask m) {
  std::string out;
  for (std::size_t k = 0; k < smtp::event_kind_count; ++k)
    if (m & (EventMask{1} << k))
      out += (out.empty() ? "" : ", ") + std::string(smtp::event_kind_names[k]);
  return out;
}

struct Ctx {
  Rule& rule;
  const std::string& key;
  ErrorSink& errors;
};

using Parser = bool (*)(const toml::node&, Ctx&);

// Reads `slot` with `read`, reporting false on failure.
template <class T, class Read>
bool assign(std::optional<T>& slot, const toml::node& n, Ctx& c, Read read) {
  slot = read(n, c.key, c.errors);
  return slot.has_value();
}

template <class T>
bool assign_value(T& slot, std::optional<T> v) {
  if (v) slot = *v;
  return v.has_value();
}

bool parse_client_ip(const toml::node& n, Ctx& c) {
  auto one = [&](const toml::node& item) {
    const auto s = read_string(item, c.key, c.errors);
    if (!s) return false;
    const auto cidr = parse_cidr(*s);
    if (!cidr) {
      c.errors.add(item.source(), c.key,
                   "expected an IP address or CIDR prefix like \"192.0.2.0/24\" or "
                   "\"2001:db8::/32\", got \"" +
                       *s + "\"");
      return false;
    }
    c.rule.client_ip.push_back(*cidr);
    return true;
  };
  if (const auto* arr = n.as_array()) {
    bool ok = !arr->empty();
    if (!ok) c.errors.add(n.source(), c.key, "expected at least one address or prefix");
    for (const auto& item : *arr) ok = one(item) && ok;
    return ok;
  }
  return one(n);
}

bool parse_headers(const toml::node& n, Ctx& c) {
  const auto* table = n.as_table();
  if (!table || table->empty()) {
    c.errors.add(
        n.source(), c.key,
        "expected header patterns like header.Subject = \"re:(?i)offer\", got " + describe(n));
    return false;
  }
  bool ok = true;
  for (auto&& [name, value] : *table) {
    const std::string key = c.key + "." + std::string(name.str());
    const bool name_ok =
        !name.str().empty() && name.str().find_first_of(": \t\r\n") == std::string_view::npos;
    if (!name_ok) {
      c.errors.add(name.source(), key, "not a valid header field name");
      ok = false;
      continue;
    }
    auto p = read_pattern(value, key, c.errors);
    if (p)
      c.rule.headers.push_back({std::string(name.str()), std::move(*p)});
    else
      ok = false;
  }
  return ok;
}

bool parse_greylist(const toml::node& n, Ctx& c) {
  const auto* t = n.as_table();
  if (!t) {
    c.errors.add(
        n.source(), c.key,
        "expected a table like { retry_after = \"2s\", expire = \"4h\" }, got " + describe(n));
    return false;
  }
  reject_unknown_keys(*t, c.key, {"retry_after", "expire"}, c.errors);
  GreylistSpec g;
  bool ok = true;
  if (const auto* v = t->get("retry_after"))
    ok = assign_value(g.retry_after, read_duration(*v, c.key + ".retry_after", c.errors)) && ok;
  if (const auto* v = t->get("expire"))
    ok = assign_value(g.expire, read_duration(*v, c.key + ".expire", c.errors)) && ok;
  if (ok && g.expire <= g.retry_after) {
    c.errors.add(n.source(), c.key + ".expire", "must be longer than retry_after");
    ok = false;
  }
  c.rule.greylist = g;
  return ok;
}

struct RateKeyName {
  std::string_view name;
  RateKey key;
  EventMask events;  // where the key has a value
};
constexpr std::array<RateKeyName, 5> rate_keys{{{"client_ip", RateKey::client_ip, all_events},
                                                {"from", RateKey::from, transaction},
                                                {"rcpt", RateKey::rcpt, event_bit(K::rcpt)},
                                                {"helo", RateKey::helo, after_connect},
                                                {"auth_user", RateKey::auth_user, after_connect}}};

bool parse_rate_limit(const toml::node& n, Ctx& c) {
  const auto* t = n.as_table();
  if (!t) {
    c.errors.add(
        n.source(), c.key,
        "expected a table like { max = 5, per = \"1m\", key = \"client_ip\" }, got " + describe(n));
    return false;
  }
  reject_unknown_keys(*t, c.key, {"max", "per", "key"}, c.errors);
  RateLimitSpec r;
  bool ok = true;
  if (const auto* v = t->get("max")) {
    const auto m = read_integer(*v, c.key + ".max", 0, c.errors);
    ok = m.has_value() && ok;
    if (m) r.max = static_cast<std::uint64_t>(*m);
  } else {
    c.errors.add(n.source(), c.key + ".max", "missing (the number of events allowed per window)");
    ok = false;
  }
  if (const auto* v = t->get("per")) {
    ok = assign_value(r.per, read_duration(*v, c.key + ".per", c.errors)) && ok;
    if (ok && r.per.count() == 0) {
      c.errors.add(v->source(), c.key + ".per", "must be longer than 0s");
      ok = false;
    }
  } else {
    c.errors.add(n.source(), c.key + ".per", "missing (the window, e.g. \"1m\")");
    ok = false;
  }
  if (const auto* v = t->get("key")) {
    const auto name = read_string(*v, c.key + ".key", c.errors);
    const RateKeyName* found = nullptr;
    for (const auto& k : rate_keys)
      if (name && k.name == *name) found = &k;
    if (!found) {
      if (name)
        c.errors.add(
            v->source(), c.key + ".key",
            "expected one of client_ip, from, rcpt, helo, auth_user, got \"" + *name + "\"");
      ok = false;
    } else if (c.rule.on & ~found->events) {
      c.errors.add(v->source(), c.key + ".key",
                   "\"" + *name + "\" has no value at " + event_names(c.rule.on & ~found->events) +
                       "; it is known at: " + event_names(found->events));
      ok = false;
    } else {
      r.key = found->key;
    }
  }
  c.rule.rate_limit = r;
  return ok;
}

bool parse_reply(const toml::node& n, Ctx& c) {
  const auto text = read_reply_text(n, c.key, c.errors);
  if (!text) return false;
  std::string error;
  c.rule.reply = ReplyTemplate::parse(*text, error);
  if (!c.rule.reply) c.errors.add(n.source(), c.key, error);
  return c.rule.reply.has_value();
}

template <std::optional<Pattern> Rule::*Slot>
bool pattern_key(const toml::node& n, Ctx& c) {
  return assign(c.rule.*Slot, n, c, read_pattern);
}

template <bool (*Read)(const toml::node&, Rule&, const std::string&, ErrorSink&)>
bool fault_key(const toml::node& n, Ctx& c) {
  return Read(n, c.rule, c.key, c.errors);
}

struct KeySpec {
  std::string_view name;
  EventMask events;  // the events this key applies to
  Parser parse;
};

// `on` is read first, separately. Matchers, stateful conditions, then actions.
const std::array<KeySpec, 31> key_specs{{
    {"from", transaction, pattern_key<&Rule::from>},
    {"rcpt", with_rcpt, pattern_key<&Rule::rcpt>},
    {"helo", after_connect, pattern_key<&Rule::helo>},
    {"auth_user", after_connect, pattern_key<&Rule::auth_user>},
    {"client_ip", all_events, parse_client_ip},
    {"tls", all_events,
     [](const toml::node& n, Ctx& c) { return assign(c.rule.tls, n, c, read_bool); }},
    {"esmtp", after_connect,
     [](const toml::node& n, Ctx& c) { return assign(c.rule.esmtp, n, c, read_bool); }},
    {"size_over", transaction,
     [](const toml::node& n, Ctx& c) { return assign(c.rule.size_over, n, c, read_size); }},
    {"header", event_bit(K::message), parse_headers},
    {"body", event_bit(K::message), pattern_key<&Rule::body>},
    {"attempts", bits({K::connect, K::rcpt, K::data, K::message}),
     [](const toml::node& n, Ctx& c) { return assign(c.rule.attempts, n, c, read_range); }},
    {"nth_message", transaction,
     [](const toml::node& n, Ctx& c) { return assign(c.rule.nth_message, n, c, read_range); }},
    {"probability", all_events,
     [](const toml::node& n, Ctx& c) {
       return assign(c.rule.probability, n, c, read_probability);
     }},
    {"greylist", event_bit(K::rcpt), parse_greylist},
    {"quota", with_rcpt,
     [](const toml::node& n, Ctx& c) { return assign(c.rule.quota, n, c, read_size); }},
    {"rate_limit", all_events, parse_rate_limit},
    {"reply", all_events, parse_reply},
    {"delay", all_events,
     [](const toml::node& n, Ctx& c) {
       return assign_value(c.rule.delay, read_duration(n, c.key, c.errors));
     }},
    {"drip", all_events,
     [](const toml::node& n, Ctx& c) {
       return assign_value(c.rule.drip, read_duration(n, c.key, c.errors));
     }},
    {"disconnect", all_events,
     [](const toml::node& n, Ctx& c) {
       return assign_value(c.rule.disconnect, read_bool(n, c.key, c.errors));
     }},
    {"drop", all_events, fault_key<read_drop>},
    {"hang", all_events,
     [](const toml::node& n, Ctx& c) {
       return assign_value(c.rule.hang, read_bool(n, c.key, c.errors));
     }},
    // The MX's own faults (scenario/fault_loader.hpp).
    {"split", all_events, fault_key<read_split>},
    {"split_pause", all_events, fault_key<read_split_pause>},
    {"line_pause", all_events, fault_key<read_line_pause>},
    {"malformed", all_events, fault_key<read_malformed>},
    {"line_length", all_events, fault_key<read_line_length>},
    {"shutdown_after", all_events, fault_key<read_shutdown_after>},
    // Reactions later, by mail, to an accepted message (scenario/reaction.hpp).
    {"dsn", event_bit(K::message),
     [](const toml::node& n, Ctx& c) { return read_dsn(n, c.rule.reactions, c.key, c.errors); }},
    {"auto_reply", event_bit(K::message),
     [](const toml::node& n, Ctx& c) {
       return read_auto_reply(n, c.rule.reactions, c.key, c.errors);
     }},
    {"complaint", event_bit(K::message),
     [](const toml::node& n, Ctx& c) {
       return read_complaint(n, c.rule.reactions, c.key, c.errors);
     }},
}};

const KeySpec* find_key(std::string_view name) {
  for (const auto& s : key_specs)
    if (s.name == name) return &s;
  return nullptr;
}

std::string known_keys() {
  std::string out = "on";
  for (const auto& s : key_specs) out += ", " + std::string(s.name);
  return out;
}

bool parse_on(const toml::node& n, Ctx& c) {
  auto one = [&](const toml::node& item) {
    const auto s = read_string(item, c.key, c.errors);
    if (!s) return false;
    if (*s == "*") {
      c.rule.on |= all_events;
      return true;
    }
    if (const auto k = smtp::parse_event_kind(*s)) {
      c.rule.on |= event_bit(*k);
      return true;
    }
    c.errors.add(
        item.source(), c.key,
        "unknown event \"" + *s + "\"; expected one of: " + event_names(all_events) + " or \"*\"");
    return false;
  };
  if (const auto* arr = n.as_array()) {
    bool ok = !arr->empty();
    if (!ok) c.errors.add(n.source(), c.key, "expected at least one event");
    for (const auto& item : *arr) ok = one(item) && ok;
    return ok;
  }
  return one(n);
}

// Combinations that cannot mean anything.
void check_actions(const Rule& r, const toml::table& t, const std::string& where,
                   ErrorSink& errors) {
  if ((r.drop ? 1 : 0) + (r.hang ? 1 : 0) + (r.disconnect ? 1 : 0) > 1)
    errors.add(t.source(), where, "choose one of drop, hang and disconnect");
  if ((r.drop || r.hang) && r.reply)
    errors.add(t.source(), where + ".reply",
               std::string("is never sent with ") + (r.drop ? "drop" : "hang") + " = true");
  if (r.drop && r.drip.count() > 0)
    errors.add(t.source(), where + ".drip", "is never used with drop");
  // A reaction follows a message that was accepted: not one refused, dropped or hung.
  if (r.reactions.any() && (r.drop || r.hang || (r.reply && r.reply->raw().code >= 400)))
    errors.add(t.source(), where,
               "dsn, auto_reply and complaint follow an accepted message: they cannot go with " +
                   std::string(r.drop   ? "drop"
                               : r.hang ? "hang"
                                        : "a 4xx/5xx reply"));
}

}  // namespace

std::optional<Rule> load_rule(const toml::table& table, std::uint32_t index, ErrorSink& errors) {
  const std::string where = "rule[" + std::to_string(index) + "]";
  const std::size_t errors_before = errors.size();
  Rule rule;
  rule.index = index;
  rule.line = static_cast<std::uint32_t>(table.source().begin.line);
  rule.column = static_cast<std::uint32_t>(table.source().begin.column);
  bool ok = true;

  const std::string on_key = where + ".on";
  Ctx on_ctx{rule, on_key, errors};
  if (const auto* on = table.get("on")) {
    ok = parse_on(*on, on_ctx);
  } else {
    errors.add(table.source(), on_key,
               "missing: every rule says which event(s) it is for, e.g. on = \"rcpt\"");
    ok = false;
  }
  const bool events_known = ok;

  for (auto&& [k, v] : table) {
    if (k.str() == "on") continue;
    const std::string key = where + "." + std::string(k.str());
    const KeySpec* spec = find_key(k.str());
    if (!spec) {
      errors.add(k.source(), key, "unknown key; expected one of: " + known_keys());
      ok = false;
      continue;
    }
    Ctx c{rule, key, errors};
    ok = spec->parse(v, c) && ok;
    if (events_known && (rule.on & ~spec->events)) {
      errors.add(k.source(), key,
                 "does not apply at " + event_names(rule.on & ~spec->events) +
                     "; it applies at: " + event_names(spec->events));
      ok = false;
    }
  }
  check_actions(rule, table, where, errors);
  finish_faults(rule, table, where, errors);
  if (!ok || errors.size() != errors_before) return std::nullopt;
  return rule;
}

}  // namespace bounceback::scenario
