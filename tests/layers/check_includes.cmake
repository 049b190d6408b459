# cmake -DSOURCE_DIR=<repo> -P check_includes.cmake
# Greps src/ against the layer table (cmake/layers.cmake): a part includes only itself and the
# parts its row names, and nothing it may not use (Asio, Beast, OpenSSL, sockets, a clock).
# Every violation is printed as FILE:LINE: message; any makes the test fail.
cmake_minimum_required(VERSION 3.25)
include(${SOURCE_DIR}/cmake/layers.cmake)

# What each "may not use" name looks like in a source line.
set(forbidden_asio "^[ \t]*#[ \t]*include[ \t]*[<\"]boost/(asio|beast)[/.]")
set(forbidden_openssl "^[ \t]*#[ \t]*include[ \t]*[<\"]openssl/")
set(forbidden_sockets
    "^[ \t]*#[ \t]*include[ \t]*<(sys/socket|sys/un|netinet/[a-z_]+|netdb|poll|sys/epoll)\\.h>")
set(forbidden_clock "(steady_clock|system_clock|high_resolution_clock)::now|[^a-z_.>]time\\((nullptr|NULL|0)?\\)")

bounceback_layer_parts(parts)
set(failures 0)

# Every folder of src/ with code has a row.
file(GLOB_RECURSE all_sources RELATIVE ${SOURCE_DIR}/src ${SOURCE_DIR}/src/*.cpp ${SOURCE_DIR}/src/*.hpp)
foreach(source ${all_sources})
  get_filename_component(folder ${source} DIRECTORY)
  if(folder AND NOT folder IN_LIST parts)
    message("src/${source}: src/${folder} has no row in cmake/layers.cmake")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()

foreach(part ${parts})
  bounceback_layer(${part} 1 allowed)
  bounceback_layer(${part} 2 forbidden)
  list(APPEND allowed ${part})
  file(GLOB sources ${SOURCE_DIR}/src/${part}/*.cpp ${SOURCE_DIR}/src/${part}/*.hpp)
  foreach(source ${sources})
    file(RELATIVE_PATH name ${SOURCE_DIR} ${source})
    file(STRINGS ${source} lines)
    set(number 0)
    foreach(line IN LISTS lines)
      math(EXPR number "${number} + 1")
      if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")
        get_filename_component(target_part "${CMAKE_MATCH_1}" DIRECTORY)
        if(target_part AND NOT target_part IN_LIST allowed)
          message("${name}:${number}: src/${part} may not include src/${target_part} (${CMAKE_MATCH_1}); its row in cmake/layers.cmake allows: ${allowed}")
          math(EXPR failures "${failures} + 1")
        endif()
      endif()
      foreach(what ${forbidden})
        if(line MATCHES "${forbidden_${what}}" AND NOT line MATCHES "^[ \t]*//")
          message("${name}:${number}: src/${part} may not use ${what}: ${line}")
          math(EXPR failures "${failures} + 1")
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} layering violation(s) (the table: cmake/layers.cmake)")
endif()
