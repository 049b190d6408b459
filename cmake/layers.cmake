# The layers of src/, as a table: which parts each part may include, and what it may not use.
# Read by CMakeLists.txt, which gives each part's target the poison headers of what it may not
# see (cmake/layers/no-*: each shadows the first header every Asio, Beast or OpenSSL header
# includes, with an #error), and by the tests in tests/layers, which grep the includes and
# prove that the poison fires with the flags the build really uses.
#
# "may not use": asio (Boost.Asio and Boost.Beast), openssl (poisoned, and grepped);
# sockets (sys/socket.h, netinet/, netdb.h, poll.h), clock (reading a clock: ::now(),
# time()) are grepped only. A part is a folder of src/; a new folder needs a row here.
set(bounceback_layers
  #  part      | may include (besides itself)                   | may not use
  "smtp        |                                                | asio openssl sockets clock"
  "catalog     | smtp                                           | asio openssl sockets clock"
  "report      | smtp                                           | asio openssl sockets clock"
  "scenario    | smtp catalog report                            | asio openssl sockets clock"
  "import      | smtp                                           | asio openssl sockets clock"
  "log         |                                                | asio openssl sockets"
  "version     |                                                | asio openssl sockets clock"
  "store       | smtp log                                       | asio openssl sockets"
  "proxy       | scenario                                       | asio openssl sockets clock"
  "asio        |                                                | sockets clock"
  "net         | smtp store log proxy                           |"
  "redis       | scenario smtp store log                        |"
  "api         | smtp catalog scenario store log version net import | asio sockets"
  "api/http    | smtp catalog scenario store log net api        |"
  "app         | smtp catalog scenario report store log version net api api/http import proxy redis |"
  "embedded    | smtp scenario store api app                    | asio openssl sockets"
)

# Sets `out` to a column of `part`'s row (1: may include, 2: may not use) as a list; fails on
# a part with no row.
function(bounceback_layer part column out)
  foreach(row ${bounceback_layers})
    string(REPLACE "|" ";" cells "${row}")
    list(GET cells 0 name)
    string(STRIP "${name}" name)
    if(name STREQUAL part)
      list(GET cells ${column} cell)
      string(STRIP "${cell}" cell)
      string(REGEX REPLACE " +" ";" cell "${cell}")
      set(${out} "${cell}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "src/${part} has no row in cmake/layers.cmake")
endfunction()

# Every part named in the table.
function(bounceback_layer_parts out)
  set(parts)
  foreach(row ${bounceback_layers})
    string(REGEX MATCH "^[^|]*" name "${row}")
    string(STRIP "${name}" name)
    list(APPEND parts ${name})
  endforeach()
  set(${out} ${parts} PARENT_SCOPE)
endfunction()
