# The SPARQL engine's sources, relative to triplestore/, for
# triplestore/CMakeLists.txt to add to torchprov_triplestore.
#
# MD5 / SHA-* come from OpenSSL's libcrypto (Debian package libssl-dev,
# pkg-config module libcrypto).  The link is added here, deferred to the end
# of the including directory so that the library target exists by then.
set(TORCHPROV_SPARQL_SOURCES
  src/sparql/lexer.cpp
  src/sparql/parser.cpp
  src/sparql/algebra.cpp
  src/sparql/optimizer.cpp
  src/sparql/decimal.cpp
  src/sparql/values.cpp
  src/sparql/evaluator.cpp
  src/sparql/path.cpp
  src/sparql/functions.cpp
  src/sparql/update.cpp
  src/sparql/engine.cpp
)

find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::TORCHPROV_CRYPTO)
  pkg_check_modules(TORCHPROV_CRYPTO REQUIRED IMPORTED_TARGET GLOBAL libcrypto)
endif()
function(torchprov_sparql_link_crypto)
  if(TARGET torchprov_triplestore)
    target_link_libraries(torchprov_triplestore PRIVATE PkgConfig::TORCHPROV_CRYPTO)
  endif()
endfunction()
cmake_language(DEFER CALL torchprov_sparql_link_crypto)
