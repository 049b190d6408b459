// RFC 4648 base64, for SASL (auth.cpp) and for MIME text in scenario rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bounceback::smtp {

std::string base64_encode(std::string_view bytes);
// Refuses characters outside the alphabet and bad padding; missing padding is tolerated.
std::optional<std::string> base64_decode(std::string_view text);
// For MIME bodies (RFC 2045 §6.8): characters outside the alphabet (line breaks) are
// skipped and the first '=' ends the data.
std::string base64_decode_lenient(std::string_view text);

}  // namespace bounceback::smtp
