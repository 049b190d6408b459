# cmake -DCOMMANDS=<build>/compile_commands.json -DPART=smtp -DTARGET=bounceback_smtp
#       -DSOURCE_DIR=<repo> -DWORK=<dir> -P check_poison.cmake
# Proves that the build stops a part from seeing what its row of cmake/layers.cmake forbids:
# takes the command the build really uses for one of the sources of src/PART's TARGET,
# compiles a file of one #include with it instead, and expects the poison header's "layering:"
# error for each forbidden library (and a clean compile of <string>, so a broken command
# cannot pass).
cmake_minimum_required(VERSION 3.25)
include(${SOURCE_DIR}/cmake/layers.cmake)

# What each poisoned library is probed with: its umbrella headers and ones we use.
set(probes_asio boost/asio.hpp boost/asio/ip/tcp.hpp boost/beast/http.hpp boost/beast/core.hpp)
set(probes_openssl openssl/ssl.h openssl/evp.h openssl/crypto.h openssl/rand.h)

file(READ ${COMMANDS} json)
string(JSON count LENGTH "${json}")
math(EXPR last "${count} - 1")
unset(command)
foreach(i RANGE ${last})
  string(JSON command GET "${json}" ${i} command)
  if(command MATCHES " -o CMakeFiles/${TARGET}\\.dir/")
    string(JSON directory GET "${json}" ${i} directory)
    break()
  endif()
endforeach()
if(NOT DEFINED command)
  message(FATAL_ERROR "no compile command for ${TARGET} in ${COMMANDS}")
endif()

# The command without its source, object and dependency-file arguments.
separate_arguments(args UNIX_COMMAND "${command}")
set(base)
set(skip FALSE)
foreach(arg ${args})
  if(skip)
    set(skip FALSE)
  elseif(arg MATCHES "^-(o|c|MT|MF|MQ)$")
    set(skip TRUE)
  elseif(NOT arg MATCHES "^-(MD|MMD)$")
    list(APPEND base "${arg}")
  endif()
endforeach()

file(MAKE_DIRECTORY ${WORK})
function(probe header out_rc out_text)
  string(MAKE_C_IDENTIFIER "${PART}_${header}" stem)
  set(source ${WORK}/${stem}.cpp)
  file(WRITE ${source} "#include <${header}>\n")
  execute_process(COMMAND ${base} -fsyntax-only -Wfatal-errors ${source}
                  WORKING_DIRECTORY ${directory} RESULT_VARIABLE rc OUTPUT_VARIABLE text
                  ERROR_VARIABLE text)
  set(${out_rc} ${rc} PARENT_SCOPE)
  set(${out_text} "${text}" PARENT_SCOPE)
endfunction()

probe(string rc text)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "src/${PART}'s compile command fails on <string> (not a probe):\n${text}")
endif()

bounceback_layer(${PART} 2 forbidden)
set(failures 0)
set(probed 0)
list(FILTER forbidden INCLUDE REGEX "^(asio|openssl)$")  # grepped only: tests/layers/check_includes.cmake
foreach(lib ${forbidden})
  foreach(header ${probes_${lib}})
    probe(${header} rc text)
    math(EXPR probed "${probed} + 1")
    if(rc EQUAL 0 OR NOT text MATCHES "layering: ")
      message("src/${PART} can include <${header}> (exit ${rc}):\n${text}")
      math(EXPR failures "${failures} + 1")
    else()
      message("src/${PART}: <${header}> refused")
    endif()
  endforeach()
endforeach()
if(probed EQUAL 0)
  message(FATAL_ERROR "src/${PART} forbids no poisoned library: nothing to prove")
endif()
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} forbidden header(s) compile in src/${PART}")
endif()
