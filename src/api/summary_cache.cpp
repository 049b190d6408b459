// The summaries' cache: one lock for a lookup, none while rendering.
#include "api/summary_cache.hpp"

#include "api/json_views.hpp"
#include "api/mailpit_views.hpp"

namespace bounceback::api {

std::string summary_text(const store::StoredMessage& m) {
  return serialize(message_summary(m));
}

std::string mailpit_list_text(const store::StoredMessage& m) {
  return serialize(mailpit_list_item(m));
}

SummaryCache::SummaryCache(std::size_t slots, Render render) : render_(render), slots_(slots) {}

std::shared_ptr<const std::string> SummaryCache::get(const store::StoredMessage& m) {
  Slot* slot = nullptr;
  if (m.sequence != 0) {  // 0: not from a store, not kept
    slot = &slots_[m.sequence & (slots_.size() - 1)];
    std::lock_guard lock(mutex_);
    if (slot->sequence == m.sequence) return slot->json;
  }
  auto json = std::make_shared<const std::string>(render_(m));
  std::lock_guard lock(mutex_);
  ++rendered_;
  if (slot) *slot = Slot{m.sequence, json};
  return json;
}

std::uint64_t SummaryCache::rendered() const {
  std::lock_guard lock(mutex_);
  return rendered_;
}

std::string render(const SummaryPage& page) {
  std::size_t bytes = 96 + (page.top ? page.top->size() : 0);
  for (const auto& item : page.items) bytes += item->size() + 1;
  std::string body;
  body.reserve(bytes);
  body += "{\"total\":";
  body += std::to_string(page.total);
  body += ",\"start\":";
  body += std::to_string(page.start);
  body += ",\"count\":";
  body += std::to_string(page.items.size());
  body += ",\"messages\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0) body += ',';
    body += *page.items[i];
  }
  body += ']';
  if (page.top) {
    body += page.more ? ",\"more\":true" : ",\"more\":false";
    const std::string& top = *page.top;  // {"id":...}: its keys after this object's
    if (top.size() > 2) {
      body += ',';
      body.append(top, 1, top.size() - 2);
    }
  } else if (page.more) {
    body += ",\"more\":true,\"next\":";
    body += std::to_string(page.next);
  }
  body += "}\n";
  return body;
}

std::string render_mailpit(std::size_t stored, std::size_t matches, std::size_t start,
                           const std::vector<std::shared_ptr<const std::string>>& items) {
  std::size_t bytes = 160;
  for (const auto& item : items) bytes += item->size() + 1;
  std::string body;
  body.reserve(bytes);
  const auto key = [&](const char* name, std::size_t n) {
    body += name;
    body += std::to_string(n);
  };
  key("{\"total\":", stored);
  key(",\"unread\":", stored);
  key(",\"count\":", items.size());
  key(",\"messages_count\":", matches);
  key(",\"messages_unread\":", matches);
  key(",\"start\":", start);
  body += ",\"tags\":[],\"messages\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) body += ',';
    body += *items[i];
  }
  body += "]}\n";
  return body;
}

}  // namespace bounceback::api
