// The local-part grammar: ["data-"] CODE ["-" X.Y.Z] ["-" N ("time"|"times")], and the
// reaction forms dsn-CODE[-X.Y.Z], ooo and complaint.
#include "scenario/address_encoded.hpp"

#include <cctype>

#include "catalog/catalog.hpp"
#include "smtp/command.hpp"

namespace bounceback::scenario {

using smtp::iequals;  // SMTP keywords and addresses compare ASCII case-insensitively
namespace {

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Reads "N" + "time(s)" into `times`.
bool parse_times(std::string_view s, std::uint64_t& times) {
  std::size_t i = 0;
  times = 0;
  while (i < s.size() && i < 6 && std::isdigit(static_cast<unsigned char>(s[i])))
    times = times * 10 + static_cast<std::uint64_t>(s[i++] - '0');
  const auto unit = s.substr(i);
  return i > 0 && times > 0 && (iequals(unit, "times") || iequals(unit, "time"));
}

char local_class(std::uint16_t code) {
  return static_cast<char>('0' + code / 100);
}

// The local part of `address` when its domain is `reply_domain`.
std::optional<std::string_view> local_part(std::string_view address,
                                           std::string_view reply_domain) {
  if (reply_domain.empty()) return std::nullopt;
  if (!address.empty() && address.front() == '<') address.remove_prefix(1);
  if (!address.empty() && address.back() == '>') address.remove_suffix(1);
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || !iequals(address.substr(at + 1), reply_domain))
    return std::nullopt;
  return address.substr(0, at);
}

// ["data-"] CODE ["-" X.Y.Z] ["-" N ("time"|"times")]
std::optional<EncodedReply> parse_local(std::string_view local) {
  EncodedReply e;
  if (istarts_with(local, "data-")) {
    e.at_message = true;
    local.remove_prefix(5);
  }
  if (local.size() < 3 || local[0] < '2' || local[0] > '5' ||
      !std::isdigit(static_cast<unsigned char>(local[1])) ||
      !std::isdigit(static_cast<unsigned char>(local[2])))
    return std::nullopt;
  e.code =
      static_cast<std::uint16_t>((local[0] - '0') * 100 + (local[1] - '0') * 10 + (local[2] - '0'));
  local.remove_prefix(3);

  // The remaining parts, each introduced by '-': an enhanced code, then a repeat count.
  while (!local.empty()) {
    if (local.front() != '-') return std::nullopt;
    local.remove_prefix(1);
    const auto part = local.substr(0, local.find('-'));
    local.remove_prefix(part.size());
    if (e.enhanced.empty() && e.times == 0 && smtp::is_enhanced_code(part)) {
      if (part[0] != local_class(e.code)) return std::nullopt;
      e.enhanced = part;
    } else if (e.times == 0 && parse_times(part, e.times)) {
      if (!local.empty()) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return e;
}

}  // namespace

std::optional<EncodedReply> parse_encoded_address(std::string_view address,
                                                  std::string_view reply_domain) {
  const auto local = local_part(address, reply_domain);
  return local ? parse_local(*local) : std::nullopt;
}

smtp::Reply encoded_reply(const EncodedReply& e) {
  return catalog::standard_reply(e.code, e.enhanced);
}

std::optional<EncodedReaction> parse_encoded_reaction(std::string_view address,
                                                      std::string_view reply_domain) {
  const auto local = local_part(address, reply_domain);
  if (!local) return std::nullopt;
  EncodedReaction r;
  if (iequals(*local, "ooo")) {
    r.kind = ReactionKind::auto_reply;
    return r;
  }
  if (iequals(*local, "complaint")) {
    r.kind = ReactionKind::complaint;
    return r;
  }
  if (!istarts_with(*local, "dsn-")) return std::nullopt;
  // The rest is the grammar of the RCPT forms, without "data-" or a repeat count.
  const auto e = parse_local(local->substr(4));
  if (!e || e->at_message || e->times != 0) return std::nullopt;
  r.action = e->code >= 500   ? report::Action::failed
             : e->code >= 400 ? report::Action::delayed
                              : report::Action::delivered;
  r.reply = encoded_reply(*e);
  return r;
}

}  // namespace bounceback::scenario
