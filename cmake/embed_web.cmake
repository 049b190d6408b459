# Writes OUT: the web page's files (DIR/index.html, app.js, app.css) as a C++ table, served by
# GET /, /app.js and /app.css (src/api/web_page.hpp).
set(body "")
foreach(entry "/|index.html|text/html"
              "/app.js|app.js|text/javascript"
              "/app.css|app.css|text/css")
  string(REPLACE "|" ";" cells "${entry}")
  list(GET cells 0 path)
  list(GET cells 1 file)
  list(GET cells 2 type)
  file(READ ${DIR}/${file} text)
  if(text MATCHES "\\)bbweb\"")
    message(FATAL_ERROR "${file} contains the raw string delimiter )bbweb\"")
  endif()
  string(APPEND body "    {\"${path}\", \"${type}; charset=utf-8\", R\"bbweb(${text})bbweb\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from web/ by cmake/embed_web.cmake.\n#include \"api/web_page.hpp\"\n\nnamespace bounceback::api {\n\nstd::span<const WebAsset> web_assets() {\n  static constexpr WebAsset table[] = {\n${body}  };\n  return table;\n}\n\n}  // namespace bounceback::api\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
