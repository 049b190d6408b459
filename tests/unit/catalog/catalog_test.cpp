// Unit tests of the reply-code catalogue: coverage of the RFC/IANA/seed codes, RFC classes and
// bounce types, table invariants, standard replies, and explain/render.
#include "catalog/catalog.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace bounceback;
using catalog::Bounce;

namespace {

// Basic codes named by RFC 5321 §4.2, RFC 3207/4954 (TLS, AUTH), the brief, and the seeds.
constexpr std::uint16_t kRequiredBasic[] = {
    // RFC 5321
    211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502, 503, 504, 550,
    551, 552, 553, 554, 555,
    // RFC 3207 / RFC 4954
    235, 334, 454, 530, 534, 535, 538,
    // field codes and seed article 002 (and 004: 120, 130; 003: 911)
    101, 111, 120, 130, 420, 422, 431, 432, 441, 442, 446, 447, 449, 471, 510, 511, 512, 513, 523,
    541, 911};

std::string enhanced_name(char klass, int subject, int detail) {
  return std::string(1, klass) + "." + std::to_string(subject) + "." + std::to_string(detail);
}

// Highest registered detail per subject (RFC 3463 + IANA registry), X.0.0 .. X.7.30.
constexpr int kMaxDetail[] = {0, 10, 4, 6, 7, 6, 10, 30};

}  // namespace

TEST_CASE("every required basic code is in the catalogue with meaning and action",
          "[catalog][coverage]") {
  const auto code = GENERATE(from_range(std::begin(kRequiredBasic), std::end(kRequiredBasic)));
  CAPTURE(code);
  const auto* row = catalog::find_basic(code);
  REQUIRE(row != nullptr);
  CHECK(row->code == code);
  CHECK_FALSE(row->meaning.empty());
  CHECK_FALSE(row->action.empty());
  CHECK_FALSE(row->reference.empty());
}

TEST_CASE("every RFC 3463 / IANA enhanced code is in the catalogue, in both failure classes",
          "[catalog][coverage]") {
  for (int subject = 0; subject <= 7; ++subject) {
    for (int detail = 0; detail <= kMaxDetail[subject]; ++detail) {
      if (subject == 0 && detail > 0) break;
      for (char klass : {'4', '5'}) {
        const auto name = enhanced_name(klass, subject, detail);
        CAPTURE(name);
        const auto* row = catalog::find_enhanced(name);
        REQUIRE(row != nullptr);
        CHECK_FALSE(row->meaning.empty());
        CHECK_FALSE(row->action.empty());
        CHECK_FALSE(row->standard_text.empty());
        CHECK_FALSE(row->reference.empty());
      }
    }
  }
}

TEST_CASE("seed 003's 510..577 (5.1.0..5.7.7) and the field favourites are all explained",
          "[catalog][coverage]") {
  const auto name = GENERATE(
      as<std::string>{}, "5.1.0", "5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.5", "5.1.6", "5.1.7",
      "5.1.8", "5.2.0", "5.2.1", "5.2.2", "5.2.3", "5.2.4", "5.3.0", "5.3.1", "5.3.2", "5.3.3",
      "5.3.4", "5.4.0", "5.4.1", "5.4.2", "5.4.3", "5.4.4", "5.4.5", "5.4.6", "5.4.7", "5.5.0",
      "5.5.1", "5.5.2", "5.5.3", "5.5.4", "5.5.5", "5.6.0", "5.6.1", "5.6.2", "5.6.3", "5.6.4",
      "5.6.5", "5.7.0", "5.7.1", "5.7.2", "5.7.3", "5.7.4", "5.7.5", "5.7.6", "5.7.7", "5.7.25",
      "5.7.26", "5.7.27", "4.7.1", "2.0.0", "2.1.5");
  CAPTURE(name);
  const auto x = catalog::explain(name);
  REQUIRE(x);
  CHECK(x->enhanced == name);
  CHECK_FALSE(x->meaning.empty());
  CHECK_FALSE(x->action.empty());
}

TEST_CASE("classes follow RFC 5321 and bounce types follow the documented field practice",
          "[catalog][class]") {
  const std::set<std::string_view> classes = {"success",   "intermediate",  "temporary",
                                              "permanent", "informational", "not_smtp"};
  for (const auto& row : catalog::basic_codes()) {
    CAPTURE(row.code);
    CHECK(classes.count(row.klass) == 1);
    switch (row.code / 100) {
      case 2:
        CHECK((row.klass == "success" || row.klass == "informational"));
        CHECK(row.bounce == Bounce::none);
        break;
      case 3:
        CHECK(row.klass == "intermediate");
        CHECK(row.bounce == Bounce::none);
        break;
      case 4:
        CHECK(row.klass == "temporary");
        CHECK(row.bounce == Bounce::soft);
        break;
      case 5:
        CHECK(row.klass == "permanent");
        if (row.bounce != Bounce::hard) {
          // A documented exception: a permanent code senders treat as soft must say why.
          CHECK(row.bounce == Bounce::soft);
          CHECK_FALSE(row.note.empty());
        }
        break;
      default:
        CHECK(row.klass == "not_smtp");
        CHECK_FALSE(row.note.empty());
    }
  }
  CHECK(catalog::find_basic(552)->bounce == Bounce::soft);  // mailbox full: soft in the field
  CHECK(catalog::find_basic(550)->bounce == Bounce::hard);
  CHECK(catalog::find_basic(554)->bounce == Bounce::hard);
  CHECK(catalog::find_basic(101)->klass == "not_smtp");
  CHECK(catalog::find_basic(111)->klass == "not_smtp");
}

TEST_CASE("the tables are sorted, unique and consistent", "[catalog][invariants]") {
  SECTION("basic codes: strictly increasing, standard enhanced code known and of the same class") {
    const auto table = catalog::basic_codes();
    REQUIRE(table.size() >= std::size(kRequiredBasic));
    for (std::size_t i = 0; i < table.size(); ++i) {
      const auto& row = table[i];
      CAPTURE(row.code);
      if (i > 0) CHECK(table[i - 1].code < row.code);
      CHECK(catalog::find_basic(row.code) == &row);
      if (!row.standard_enhanced.empty()) {
        CHECK(smtp::is_enhanced_code(row.standard_enhanced));
        CHECK(catalog::find_enhanced(row.standard_enhanced) != nullptr);
        CHECK(row.standard_enhanced.front() == static_cast<char>('0' + row.code / 100));
      }
      if (row.klass != "not_smtp" && row.code != 220 && row.code != 334 && row.code != 354)
        CHECK_FALSE(row.standard_enhanced.empty());
      if (row.klass != "not_smtp") CHECK_FALSE(row.standard_text.empty());
    }
  }
  SECTION("enhanced codes: unique, generic rows cover every class-specific row") {
    std::set<std::string_view> seen;
    for (const auto& row : catalog::enhanced_codes()) {
      CAPTURE(row.code);
      CHECK(seen.insert(row.code).second);
      CHECK(catalog::find_enhanced(row.code) == &row);
      CHECK_FALSE(row.meaning.empty());
      CHECK_FALSE(row.action.empty());
      CHECK_FALSE(row.standard_text.empty());
      if (row.code.front() != 'X') {
        CHECK(smtp::is_enhanced_code(row.code));
        // A provider's own code (Microsoft 4.7.651) exists in one class only.
        const std::string generic = "X" + std::string(row.code.substr(1));
        if (!row.reference.starts_with("field")) CHECK(catalog::find_enhanced(generic) != nullptr);
      }
    }
  }
  SECTION("lookups of unknown or malformed codes fail") {
    CHECK(catalog::find_basic(0) == nullptr);
    CHECK(catalog::find_basic(999) == nullptr);
    CHECK(catalog::find_basic(559) == nullptr);
    CHECK(catalog::find_enhanced("") == nullptr);
    CHECK(catalog::find_enhanced("5.1") == nullptr);
    CHECK(catalog::find_enhanced("5.8.0") == nullptr);
    CHECK(catalog::find_enhanced("5.1.11") == nullptr);
    CHECK(catalog::find_enhanced("3.1.1") == nullptr);
    CHECK(catalog::find_enhanced("5.1.1x") == nullptr);
  }
  SECTION("a class-specific row wins over the generic one") {
    const auto* greylist = catalog::find_enhanced("4.7.1");
    const auto* policy = catalog::find_enhanced("5.7.1");
    REQUIRE(greylist);
    REQUIRE(policy);
    CHECK(greylist->code == "4.7.1");
    CHECK(policy->code == "X.7.1");
  }
}

TEST_CASE("standard_reply gives the catalogue's usual enhanced code and text", "[catalog][reply]") {
  using Row = std::tuple<std::uint16_t, std::string, std::string, std::string>;
  const auto [code, asked, enhanced, text] =
      GENERATE(table<std::uint16_t, std::string, std::string, std::string>({
          Row{550, "", "5.1.1", "Recipient address rejected: User unknown"},
          Row{552, "", "5.2.2", "Mailbox full"},
          Row{552, "5.2.2", "5.2.2", "Mailbox full"},
          Row{421, "", "4.3.2", "Service not available, closing transmission channel"},
          Row{451, "", "4.3.0", "Requested action aborted: local error in processing"},
          Row{452, "", "4.3.1", "Insufficient system storage"},
          Row{554, "", "5.7.1", "Message refused: local policy violation"},
          Row{451, "4.7.1", "4.7.1", "Greylisted, please try again later"},
          Row{550, "5.1.2", "5.1.2", "Recipient address rejected: Domain not found"},
          Row{552, "5.3.4", "5.3.4", "Message size exceeds fixed maximum message size"},
          Row{535, "", "5.7.8", "Authentication credentials invalid"},
          Row{250, "", "2.0.0", "Ok"},
          Row{354, "", "", "End data with <CR><LF>.<CR><LF>"},
          Row{599, "", "5.0.0", "Requested action not taken"},
          Row{459, "", "4.0.0", "Temporary failure, please try again later"},
          Row{550, "5.9.99", "5.9.99", "Other undefined status"},
      }));
  CAPTURE(code, asked);
  const auto reply = catalog::standard_reply(code, asked);
  CHECK(reply.code == code);
  CHECK(reply.enhanced == enhanced);
  CHECK(reply.text == text);
}

TEST_CASE("an enhanced code the catalogue lacks gets text of its class and subject",
          "[catalog][reply]") {
  // Never the reply code's own text: "550 5.7.99 ... User unknown" reads as an unknown user.
  using Row = std::tuple<std::uint16_t, std::string, std::string>;
  const auto [code, asked, text] = GENERATE(table<std::uint16_t, std::string, std::string>({
      Row{550, "5.0.99", "Other undefined status"},
      Row{550, "5.1.99", "Address rejected"},
      Row{550, "5.2.99", "Mailbox cannot accept this message"},
      Row{550, "5.3.99", "Mail system error"},
      Row{550, "5.4.99", "Network or routing error"},
      Row{550, "5.5.99", "Protocol error"},
      Row{550, "5.6.99", "Message content rejected"},
      Row{550, "5.7.99", "Message refused by security policy"},
      Row{554, "5.7.800", "Message refused by security policy"},
      Row{451, "4.2.99", "Mailbox temporarily unavailable, please try again later"},
      Row{451, "4.7.99", "Temporarily refused by local policy, please try again later"},
      Row{451, "4.4.99", "Network or routing problem, please try again later"},
      Row{250, "2.7.99", "Ok"},
  }));
  CAPTURE(code, asked);
  const auto reply = catalog::standard_reply(code, asked);
  CHECK(reply.enhanced == asked);
  CHECK(reply.text == text);
  CHECK_FALSE(catalog::find_enhanced(asked));
}

TEST_CASE("provider codes: Microsoft's ranges, Gmail's 4.7.26", "[catalog][reply]") {
  using Row = std::tuple<std::string, std::string, std::string>;
  const auto [asked, row, text] = GENERATE(table<std::string, std::string, std::string>({
      Row{"5.7.606", "5.7.606", "Access denied, banned sending IP"},
      Row{"5.7.620", "5.7.606", "Access denied, banned sending IP"},
      Row{"5.7.649", "5.7.606", "Access denied, banned sending IP"},
      Row{"5.7.510", "5.7.500", "Access denied by the receiving provider's policy"},
      Row{"5.7.509", "5.7.509", "Access denied, sending domain does not pass DMARC"},
      Row{"4.7.650", "4.7.500", "Server busy. Please try again later"},
      Row{"4.7.651", "4.7.651", "temporarily rate limited due to IP reputation"},
      Row{"4.7.26", "4.7.26", "rate limited because it is unauthenticated"},
      Row{"5.7.26", "X.7.26", "DMARC"},
      Row{"5.7.700", "5.7.700", "blocked from sending"},
      Row{"5.7.705", "5.7.705", "tenant has exceeded threshold"},
      Row{"5.7.708", "5.7.708", "traffic not accepted from this IP"},
      Row{"5.7.720", "5.7.700", "blocked from sending"},
      Row{"5.7.749", "5.7.700", "blocked from sending"},
      Row{"5.7.750", "5.7.750", "unregistered domains"},
  }));
  CAPTURE(asked);
  const auto* found = catalog::find_enhanced(asked);
  REQUIRE(found);
  CHECK(found->code == row);
  const auto reply = catalog::standard_reply(asked[0] == '4' ? 451 : 550, asked);
  CHECK(reply.enhanced == asked);
  CHECK_THAT(reply.text, Catch::Contains(text));
  CHECK_FALSE(catalog::find_enhanced("5.7.650") == catalog::find_enhanced("5.7.606"));
  CHECK_FALSE(catalog::find_enhanced("4.7.700"));
}

TEST_CASE("a provider's reply is explained by its row: every row's example finds it",
          "[catalog][provider]") {
  std::set<std::pair<std::string_view, std::uint16_t>> seen;
  for (const auto& row : catalog::provider_replies()) {
    CAPTURE(row.provider, row.code, row.markers, row.example);
    REQUIRE(catalog::find_basic(row.code));
    CHECK(row.bounce != Bounce::none);
    CHECK_FALSE(row.meaning.empty());
    CHECK_FALSE(row.action.empty());
    // The example carries the row's codes and one of its markers.
    const auto x = catalog::explain(row.example);
    REQUIRE(x);
    CHECK(x->code == std::to_string(row.code));
    CHECK(x->enhanced == row.enhanced);
    CHECK(x->provider == row.provider);
    CHECK(x->meaning == row.meaning);
    CHECK(x->bounce == std::string(catalog::to_string(row.bounce)));
    CHECK(catalog::find_provider_reply(row.code, row.enhanced, row.example) == &row);
    seen.insert({row.provider, row.code});
  }
  CHECK(seen.size() > 10);
}

TEST_CASE("a provider row overrides what the codes alone say", "[catalog][provider]") {
  // Yahoo's 552 "mailbox not found" is an unknown user (hard), not a full mailbox (soft).
  const auto yahoo = catalog::explain("552 1 Requested mail action aborted, mailbox not found");
  REQUIRE(yahoo);
  CHECK(yahoo->bounce == "hard");
  CHECK(yahoo->provider == "Yahoo");
  CHECK_THAT(yahoo->code_meaning, Catch::Contains("storage allocation"));
  CHECK(catalog::explain("552 Requested mail action aborted")->bounce == "soft");
  // Orange's 552 5.1.1 OFR_417 is a full mailbox (soft), not an unknown user (hard).
  const auto orange = catalog::explain("552 5.1.1 Boite du destinataire pleine. OFR_417 [417]");
  REQUIRE(orange);
  CHECK(orange->bounce == "soft");
  CHECK(catalog::explain("552 5.1.1")->bounce == "hard");
  // Yahoo's TSS tags: temporary at 421 4.7.0, for good at 553 5.7.2; markers ignore case.
  const auto tss04 = catalog::explain("421 4.7.0 [tss04] Messages from 192.0.2.1 deferred");
  REQUIRE(tss04);
  CHECK(tss04->provider == "Yahoo");
  CHECK(tss04->bounce == "soft");
  CHECK(catalog::explain("553 5.7.2 [TSS11] All messages ... permanently deferred")->provider ==
        "Yahoo");
  // A marker counts only with the row's codes, and text without one is ignored as before.
  CHECK(catalog::explain("451 4.7.0 [TSS04] deferred")->provider.empty());
  CHECK(catalog::explain("554 5.7.9 Authentication mechanism is too weak")->provider.empty());
  CHECK(catalog::explain("554 5.7.9 Message not accepted for policy reasons")->provider == "Yahoo");
  CHECK(catalog::render(*tss04).find("Provider:   Yahoo") != std::string::npos);
}

TEST_CASE("standard_reply with an enhanced code uses that code's text", "[catalog][reply]") {
  const auto dmarc = catalog::standard_reply(550, "5.7.26");
  CHECK(dmarc.enhanced == "5.7.26");
  CHECK_THAT(dmarc.text, Catch::Contains("DMARC"));
  CHECK(dmarc.wire().rfind("550 5.7.26 ", 0) == 0);
  const auto ptr = catalog::standard_reply(550, "5.7.25");
  CHECK_THAT(ptr.text, Catch::Contains("Reverse DNS"));
  // Every enhanced code yields a non-empty text with the code it was asked for.
  for (const auto& row : catalog::enhanced_codes()) {
    std::string code(row.code);
    if (code.front() == 'X' || code.front() == '2') code.front() = '5';
    const auto reply = catalog::standard_reply(550, code);
    CAPTURE(code);
    CHECK(reply.enhanced == code);
    CHECK_FALSE(reply.text.empty());
  }
}

TEST_CASE("explain a reply code with an enhanced code", "[catalog][explain]") {
  const auto x = catalog::explain("550 5.7.26");
  REQUIRE(x);
  CHECK(x->code == "550");
  CHECK(x->enhanced == "5.7.26");
  CHECK(x->klass == "permanent");
  CHECK(x->bounce == "hard");
  CHECK_THAT(x->meaning, Catch::Contains("DMARC"));
  CHECK_THAT(x->action, Catch::Contains("SPF"));
  CHECK_FALSE(x->code_meaning.empty());
  CHECK_THAT(x->example, Catch::StartsWith("550 5.7.26 "));

  SECTION("other spellings of the same query") {
    const auto query = GENERATE(as<std::string>{}, "550-5.7.26", "  550 5.7.26  ",
                                "550 5.7.26 Unauthenticated email is not accepted");
    CAPTURE(query);
    const auto y = catalog::explain(query);
    REQUIRE(y);
    CHECK(y->code == "550");
    CHECK(y->enhanced == "5.7.26");
    CHECK(y->meaning == x->meaning);
  }
  SECTION("the enhanced code refines the bounce type: 550 5.2.2 is soft, 552 5.3.4 hard") {
    CHECK(catalog::explain("550 5.2.2")->bounce == "soft");
    CHECK(catalog::explain("552 5.3.4")->bounce == "hard");
    CHECK(catalog::explain("451 4.7.1")->bounce == "soft");
  }
  SECTION("a class mismatch is explained by the reply code, with a warning") {
    const auto y = catalog::explain("452 5.2.2");
    REQUIRE(y);
    CHECK(y->klass == "temporary");
    CHECK(y->bounce == "soft");
    CHECK(y->warning ==
          "the reply code 452 is temporary but the enhanced code 5.2.2 is permanent; they should "
          "agree (RFC 3463 §2), and SMTP clients act on the reply code.");
    CHECK_THAT(catalog::render(*catalog::explain("550 4.7.1")),
               Catch::StartsWith("550 4.7.1 — permanent, hard bounce\nWarning:    the reply "
                                 "code 550 is permanent but the enhanced code 4.7.1"));
    CHECK(catalog::explain("550 5.1.1")->warning.empty());
    CHECK(catalog::explain("4.7.1")->warning.empty());
  }
  SECTION("an unregistered enhanced code falls back to the reply code") {
    const auto y = catalog::explain("550 5.7.99");
    REQUIRE(y);
    CHECK(y->klass == "permanent");
    CHECK(y->meaning == catalog::find_basic(550)->meaning);
    CHECK_THAT(y->note, Catch::Contains("not in the IANA registry"));
  }
}

TEST_CASE("explain a lone reply code or enhanced code", "[catalog][explain]") {
  SECTION("550") {
    const auto x = catalog::explain("550");
    REQUIRE(x);
    CHECK(x->code == "550");
    CHECK(x->enhanced.empty());
    CHECK(x->klass == "permanent");
    CHECK(x->bounce == "hard");
    CHECK(x->example == "550 5.1.1 Recipient address rejected: User unknown");
  }
  SECTION("5.1.1") {
    const auto x = catalog::explain("5.1.1");
    REQUIRE(x);
    CHECK(x->code.empty());
    CHECK(x->enhanced == "5.1.1");
    CHECK(x->klass == "permanent");
    CHECK(x->bounce == "hard");
    CHECK_THAT(x->meaning, Catch::Contains("does not exist"));
    CHECK_THAT(x->example, Catch::StartsWith("550 5.1.1"));
  }
  SECTION("4.7.1 is temporary, a soft bounce, with greylisting advice") {
    const auto x = catalog::explain("4.7.1");
    REQUIRE(x);
    CHECK(x->klass == "temporary");
    CHECK(x->bounce == "soft");
    CHECK_THAT(x->meaning, Catch::Contains("greylisting"));
  }
  SECTION("5.2.2 and 552 are permanent but soft, and say why") {
    for (const char* q : {"5.2.2", "552"}) {
      const auto x = catalog::explain(q);
      REQUIRE(x);
      CHECK(x->klass == "permanent");
      CHECK(x->bounce == "soft");
      CHECK_FALSE(x->note.empty());
    }
  }
  SECTION("success codes have no bounce") {
    const auto x = catalog::explain("250");
    REQUIRE(x);
    CHECK(x->klass == "success");
    CHECK_FALSE(x->bounce);
    CHECK_FALSE(catalog::explain("2.0.0")->bounce);
  }
  SECTION("101 and 111 are not SMTP replies and say how to reproduce them") {
    for (const char* q : {"101", "111"}) {
      const auto x = catalog::explain(q);
      REQUIRE(x);
      CHECK(x->klass == "not_smtp");
      CHECK_THAT(x->meaning, Catch::StartsWith("Not an SMTP reply"));
      CHECK_THAT(x->action, Catch::Contains("drop"));
      CHECK(x->example.empty());
    }
  }
}

TEST_CASE("explain rejects what is not a catalogued code", "[catalog][explain]") {
  const auto query =
      GENERATE(as<std::string>{}, "999", "garbage", "", "   ", "55", "5500", "550x", "5.9.9",
               "5.1.99", "3.1.1", "X.1.1", "1.2.3", "5.1", "559", "abc 5.1.1");
  CAPTURE(query);
  CHECK_FALSE(catalog::explain(query));
}

TEST_CASE("render prints a readable multi-line explanation", "[catalog][render]") {
  const auto text = catalog::render(*catalog::explain("550 5.7.26"));
  CHECK_THAT(text, Catch::StartsWith("550 5.7.26 — permanent, hard bounce\n"));
  CHECK_THAT(text, Catch::Contains("\nMeaning:    "));
  CHECK_THAT(text, Catch::Contains("\nReply 550:  "));
  CHECK_THAT(text, Catch::Contains("\nAction:     "));
  CHECK_THAT(text, Catch::Contains("\nExample:    550 5.7.26 "));
  for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    // Long words may overflow, but our texts wrap within 80 columns (UTF-8 "—" counts 3).
    CHECK(end - start <= 82);
  }
  const auto not_smtp = catalog::render(*catalog::explain("111"));
  CHECK_THAT(not_smtp, Catch::StartsWith("111 — not an SMTP reply, soft bounce\n"));
}
