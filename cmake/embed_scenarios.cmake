# Writes OUT: a C++ table of every DIR/*.toml (name = file stem, text = contents).
file(GLOB files ${DIR}/*.toml)
list(SORT files)
set(body "")
foreach(f ${files})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  # A raw string literal; the delimiter cannot occur in a TOML scenario.
  string(APPEND body "    {\"${name}\", R\"bbtoml(${text})bbtoml\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from scenarios/*.toml by cmake/embed_scenarios.cmake.\n#include \"scenario/builtin.hpp\"\n\nnamespace bounceback::scenario {\nnamespace {\nconst BuiltinScenario table[] = {\n${body}    {\"\", \"\"}};\n}  // namespace\n\nstd::span<const BuiltinScenario> builtin_scenarios() {\n  return {table, sizeof(table) / sizeof(table[0]) - 1};\n}\n\n}  // namespace bounceback::scenario\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
