// Reads a SPARQL JSON result document (application/sparql-results+json) as
// its bytes arrive, handing over the variables, then one solution at a
// time (or the boolean of an ASK): a result of any size passes through in
// the memory of one solution.  nlohmann::json parses only whole texts, so
// this class does no more than find where the head, the boolean and each
// solution begin and end; each of those is then parsed by nlohmann::json
// with the same code as read_json_results, so both readers accept the same
// documents.
//
//   JsonResultStream reader(
//       [&](const std::vector<std::string>& variables) { ... },
//       [&](std::vector<std::optional<Term>>& row) { ... },
//       [&](bool value) { ... });
//   while (read(bytes)) reader.feed(bytes);
//   reader.finish();
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <torchprov/rdf.h>

#include "json_value.h"

namespace torchprov::triplestore::results {

// A term of a SPARQL JSON binding ({"type": ..., "value": ...});
// throws ResultParseError.
Term read_json_term(const Json& value);

class JsonResultStream {
 public:
  using Variables = std::function<void(const std::vector<std::string>& variables)>;
  // The row has one entry per variable (in the order given to Variables).
  using Row = std::function<void(std::vector<std::optional<Term>>& row)>;
  using Boolean = std::function<void(bool value)>;
  JsonResultStream(Variables variables, Row row, Boolean boolean);

  // Throws ResultParseError when the text is not a SPARQL JSON result, or
  // when a solution arrives before "head" names the variables.
  void feed(std::string_view bytes);
  // Throws ResultParseError when the document is incomplete.
  void finish();

 private:
  void value_starts(char c);
  void value_ends();
  void captured(std::string text, int kind);

  Variables on_variables_;
  Row on_row_;
  Boolean on_boolean_;
  struct Frame {
    bool object = false;
    bool expecting_key = false;  // object: the next string is a key
    std::string key;              // object: the key of the current member
  };
  std::vector<Frame> stack_;
  bool in_string_ = false, escape_ = false, string_is_key_ = false;
  bool in_scalar_ = false;  // a number, true, false or null
  std::string key_buffer_;
  // The value being kept whole: its text, the stack depth it started at
  // and what it is (head, boolean or a solution).
  bool capturing_ = false;
  std::size_t capture_depth_ = 0;
  int capture_kind_ = 0;
  std::string capture_;
  bool seen_head_ = false, seen_results_ = false, finished_root_ = false;
  std::vector<std::string> variables_;
};

}  // namespace torchprov::triplestore::results
