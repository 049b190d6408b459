// Stateless matchers, cheapest first so expensive ones (headers, body) rarely run.
#include "scenario/match.hpp"

#include "scenario/hash.hpp"
#include "scenario/message_view.hpp"

namespace bounceback::scenario {
namespace {

const smtp::SessionFacts no_session{};

const smtp::SessionFacts& session_of(const smtp::Event& e) {
  return e.session ? *e.session : no_session;
}

bool client_ip_matches(const Rule& rule, const smtp::Event& e) {
  const auto ip = parse_ip(session_of(e).client_ip);
  if (!ip) return false;
  for (const auto& c : rule.client_ip)
    if (c.contains(*ip)) return true;
  return false;
}

bool rcpt_matches(const Pattern& p, const smtp::Event& e, MatchInfo& info) {
  if (e.kind == smtp::EventKind::rcpt) {
    info.rcpt = e.rcpt;
    return p.matches(e.rcpt);
  }
  for (const auto& r : e.rcpts)
    if (p.matches(r)) {
      info.rcpt = r;
      return true;
    }
  return false;
}

bool headers_match(const Rule& rule, const smtp::Event& e) {
  for (const auto& h : rule.headers)
    if (!for_each_header(e.message, h.name,
                         [&](std::string_view v) { return h.pattern.matches(v); }))
      return false;
  return true;
}

}  // namespace

std::string_view helo_of(const smtp::Event& e) {
  return e.kind == smtp::EventKind::helo ? e.argument : std::string_view(session_of(e).helo);
}

TemplateValues template_values(const smtp::Event& e, std::string_view rcpt, std::uint64_t seed,
                               std::chrono::system_clock::time_point now) {
  TemplateValues v;
  v.rcpt = rcpt;
  v.from = e.from;
  v.helo = helo_of(e);
  v.client_ip = e.session ? std::string_view(e.session->client_ip) : std::string_view{};
  v.hostname = e.server_name;
  v.queue_id = e.queue_id;
  v.session_id = e.session ? std::string_view(e.session->id) : std::string_view{};
  v.size = e.size;
  const auto session = KeyHash().add(seed).add(e.session ? e.session->number : 0);
  v.session_token = session.value();
  v.token = KeyHash(session).add(std::uint64_t{e.sequence}).value();
  v.now = now;
  return v;
}

std::string_view auth_user_of(const smtp::Event& e) {
  // At `auth` the session has not recorded the user yet: it passes it as the argument.
  const auto& user = session_of(e).auth_user;
  return !user.empty() || e.kind != smtp::EventKind::auth ? std::string_view(user) : e.argument;
}

double probability_draw(std::uint64_t seed, const smtp::Event& e, std::uint32_t rule) {
  return unit_interval(KeyHash()
                           .add(seed)
                           .add(session_of(e).number)
                           .add(std::uint64_t{e.sequence})
                           .add(std::uint64_t{rule})
                           .value());
}

bool matches_stateless(const Rule& rule, const smtp::Event& e, std::uint64_t seed,
                       BodyRegexes::Search& body, MatchInfo& info) {
  const auto& s = session_of(e);
  if (rule.tls && *rule.tls != s.tls) return false;
  if (rule.esmtp && *rule.esmtp != s.esmtp) return false;
  if (rule.nth_message && !rule.nth_message->contains(e.nth_message)) return false;
  if (rule.size_over && !(e.size > *rule.size_over)) return false;
  if (!rule.client_ip.empty() && !client_ip_matches(rule, e)) return false;
  if (rule.from && !rule.from->matches(e.from)) return false;
  if (rule.helo && !rule.helo->matches(helo_of(e))) return false;
  if (rule.auth_user && !rule.auth_user->matches(auth_user_of(e))) return false;
  if (rule.rcpt && !rcpt_matches(*rule.rcpt, e, info)) return false;
  if (rule.probability && !(probability_draw(seed, e, rule.index) < *rule.probability))
    return false;
  if (!rule.headers.empty() && !headers_match(rule, e)) return false;
  if (rule.body && !body.matches(rule)) return false;
  return true;
}

}  // namespace bounceback::scenario
