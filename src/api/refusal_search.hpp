// `?query=` over the refusal log (GET /api/v1/refusals, the page's search box): the messages'
// search syntax (message_search.hpp) read for a refusal: `from:` its sender, `to:` its
// recipients, a word or phrase any of those or its reply (code, enhanced code, text) or, for a
// refusal without a reply, its outcome (`drop`, `reset`, `hang`). A refusal has no subject: a
// `subject:` term never matches one (so `-subject:x` matches every one).
#pragma once

#include "api/message_search.hpp"
#include "store/refusal_log.hpp"

namespace bounceback::api {

bool refusal_matches(const SearchQuery& query, const store::Refusal& refusal);

}  // namespace bounceback::api
