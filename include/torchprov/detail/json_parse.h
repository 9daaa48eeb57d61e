// Parsing a whole JSON text with nlohmann and saying where it went wrong, for
// the two readers of JSON the user writes (SPARQL JSON results and the
// endpoint's bodies; PROV-JSON files).  Not installed.
//
// nlohmann reports a syntax error with the byte it stopped at, but a number
// beyond a double's range ("1e999") as out_of_range with no position at all,
// only the number's text.  The parse here counts how far nlohmann read, so
// such a number is found where it is (the last copy of its text before that
// point), not at an earlier copy inside a string.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

namespace torchprov::detail {

// What went wrong, without nlohmann's "[json.exception...]" prefix, and the
// byte offset in the text where it did.
struct JsonParseFailure : std::runtime_error {
  JsonParseFailure(const std::string& message, std::size_t offset) : std::runtime_error(message), offset(offset) {}
  std::size_t offset;
};

// An input iterator over the text that records the furthest byte read.
struct ReadTrackingIterator {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;
  const char* at;
  const char** furthest;
  reference operator*() const { return *at; }
  ReadTrackingIterator& operator++() {
    *furthest = ++at;
    return *this;
  }
  ReadTrackingIterator operator++(int) {
    ReadTrackingIterator before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const ReadTrackingIterator& a, const ReadTrackingIterator& b) { return a.at == b.at; }
};

// Parses the whole text into a Json (nlohmann::json or ordered_json), with
// nlohmann's parser callback if given; throws JsonParseFailure.
// `read_so_far`, when given, follows the reader (a caller that notes where
// each key was found reads it in its callback).
template <class Json = nlohmann::json>
Json parse_json_text(std::string_view text, const typename Json::parser_callback_t& callback = nullptr,
                     const char** read_so_far = nullptr) {
  const char* furthest = text.data();
  const char** tracked = read_so_far ? read_so_far : &furthest;
  *tracked = text.data();
  try {
    ReadTrackingIterator begin{text.data(), tracked}, end{text.data() + text.size(), tracked};
    return Json::parse(begin, end, callback);
  } catch (const typename Json::parse_error& e) {
    // what(): "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    std::string message = e.what();
    if (const auto colon = message.find(": "); colon != std::string::npos) message = message.substr(colon + 2);
    throw JsonParseFailure(message, e.byte > 0 ? e.byte - 1 : 0);
  } catch (const typename Json::out_of_range& e) {
    // what(): "[json.exception.out_of_range.406] number overflow parsing '1e999'"
    std::string message = e.what();
    if (const auto bracket = message.find("] "); bracket != std::string::npos) message = message.substr(bracket + 2);
    std::size_t offset = static_cast<std::size_t>(*tracked - text.data());
    if (const auto open = message.find('\''), close = message.rfind('\''); open != std::string::npos && close > open) {
      const std::string number = message.substr(open + 1, close - open - 1);
      if (const auto start = text.rfind(number, offset); start != std::string_view::npos) offset = start;
    }
    throw JsonParseFailure(message, offset);
  }
}

}  // namespace torchprov::detail
