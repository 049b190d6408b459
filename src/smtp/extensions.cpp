// Looking up the extension table by keyword.
#include "smtp/extensions.hpp"

#include "smtp/command.hpp"

namespace bounceback::smtp {

std::optional<Extension> find_extension(std::string_view name) {
  for (std::size_t i = 0; i < extension_keywords.size(); ++i)
    if (iequals(name, extension_keywords[i])) return static_cast<Extension>(i);
  return std::nullopt;
}

ExtensionSet set_of(std::span<const Extension> list) {
  ExtensionSet s = 0;
  for (const Extension e : list) s |= bit(e);
  return s;
}

}  // namespace bounceback::smtp
