// The pieces of a streamed JSON list (see json_stream.hpp).
#include "api/json_stream.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <memory>
#include <string>

namespace bounceback::api {
namespace json = boost::json;

BodyStream json_list_stream(const json::object& fields, std::string_view name, std::size_t count,
                            std::function<json::value(std::size_t)> item) {
  struct State {
    std::string head;  // `{"total":3,...,"name":[`
    std::size_t count, next = 0;
    std::function<json::value(std::size_t)> item;
  };
  auto state = std::make_shared<State>();
  state->head = json::serialize(fields);
  state->head.pop_back();  // the closing brace: the array comes last
  if (!fields.empty()) state->head += ',';
  state->head += json::serialize(json::string(name));
  state->head += ":[";
  state->count = count;
  state->item = std::move(item);
  return [state](std::string& out) {
    if (!state->head.empty()) {
      out += state->head;
      state->head = std::string();
    }
    if (state->next < state->count) {
      if (state->next) out += ',';
      out += json::serialize(state->item(state->next++));
      return true;
    }
    out += "]}\n";
    return false;
  };
}

}  // namespace bounceback::api
