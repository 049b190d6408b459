// Boost.Asio, its SSL layer and Boost.Beast compiled once for the whole program. With
// BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION (bounceback_asio's
// compile definitions) every other file that includes their headers compiles declarations
// only: 15-25% less compiler work per such file, three builds per CI run.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
