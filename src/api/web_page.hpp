// The web page served at GET / with its script (/app.js) and style (/app.css): the files of
// web/, compiled in (cmake/embed_web.cmake); no framework, no build step (docs/web.md).
#pragma once

#include <span>
#include <string_view>

namespace bounceback::api {

struct WebAsset {
  std::string_view path;  // "/", "/app.js", "/app.css"
  std::string_view content_type;
  std::string_view body;
};

std::span<const WebAsset> web_assets();  // generated
const WebAsset* web_asset(std::string_view path);

// The page's Content-Security-Policy: its own script and style only, fetch() to its own origin,
// no framing of it. A message's HTML, shown in a sandboxed srcdoc iframe, inherits it: no
// script runs there (the sandbox), nothing loads from another origin; inline styles are
// allowed so that mail looks as sent.
inline constexpr std::string_view web_page_csp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// The policies of a message's HTML served as a document (GET /api/v1/messages/{id}/html):
// nothing runs (no script source; `sandbox` without allow-scripts, an opaque origin), nothing
// is fetched but inline styles and data: images and fonts; the remote variant, asked for by a
// click, loads images from anywhere too, and still nothing else (no style sheet, font, frame
// or connection). Only the page may frame it.
inline constexpr std::string_view message_html_csp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";
inline constexpr std::string_view message_html_remote_csp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

// The policy of /raw and attachments: the message's bytes may never run or load anything.
inline constexpr std::string_view raw_message_csp = "default-src 'none'; sandbox";

}  // namespace bounceback::api
