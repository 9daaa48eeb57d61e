// Tokenizer for SPARQL 1.1 query and update text.  Tokens carry decoded
// values (IRIs and strings unescaped) and their 1-based source position so
// the parser can report errors where they happen.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace torchprov::triplestore::sparql {

enum class TokenKind {
  end,
  iri,        // <...>; text = IRI as written (unresolved)
  pname_ns,   // prefix:  ; text = prefix
  pname_ln,   // prefix:local ; text = prefix, local = local part (unescaped)
  blank,      // _:label ; text = label
  var,        // ?x or $x ; text = name
  langtag,    // @en ; text = tag
  integer,
  decimal,
  double_,
  string,     // text = decoded value
  nil,        // ( )
  anon,       // [ ]
  word,       // keyword or function name or 'a'; text as written
  punct,      // operators and delimiters; text = the symbol
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::string text;
  std::string local;
  std::size_t line = 1, column = 1;
  std::size_t offset = 0, end = 0;  // bytes of the source text it spans
};

// Splits the whole text into tokens; throws SyntaxError on a malformed one.
std::vector<Token> tokenize(std::string_view text);

// Human-readable description of a token for error messages.
std::string describe(const Token& token);

}  // namespace torchprov::triplestore::sparql
