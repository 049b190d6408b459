// Looks up the page's files by path.
#include "api/web_page.hpp"

namespace bounceback::api {

const WebAsset* web_asset(std::string_view path) {
  for (const WebAsset& a : web_assets())
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace bounceback::api
