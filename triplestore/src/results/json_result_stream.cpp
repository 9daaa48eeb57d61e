#include "json_result_stream.h"

#include <algorithm>

#include "result_readers.h"

namespace torchprov::triplestore::results {

namespace {
enum CaptureKind { head_value = 1, boolean_value = 2, solution_value = 3 };
}

JsonResultStream::JsonResultStream(Variables variables, Row row, Boolean boolean)
    : on_variables_(std::move(variables)), on_row_(std::move(row)), on_boolean_(std::move(boolean)) {}

void JsonResultStream::value_starts(char c) {
  if (finished_root_) throw ResultParseError("SPARQL JSON results: text after the end of the document");
  if (capturing_) return;
  int kind = 0;
  if (stack_.size() == 1 && stack_[0].object) {
    if (stack_[0].key == "head") kind = head_value;
    else if (stack_[0].key == "boolean") kind = boolean_value;
    else if (stack_[0].key == "results") seen_results_ = true;
  } else if (stack_.size() == 3 && stack_[0].key == "results" && stack_[1].object && stack_[1].key == "bindings" &&
             !stack_[2].object) {
    kind = solution_value;
  }
  if (kind == 0) return;
  capturing_ = true;
  capture_depth_ = stack_.size();
  capture_kind_ = kind;
  capture_.assign(1, c);
}

void JsonResultStream::value_ends() {
  if (stack_.empty()) finished_root_ = true;
  if (!capturing_ || stack_.size() != capture_depth_) return;
  capturing_ = false;
  captured(std::move(capture_), capture_kind_);
  capture_.clear();
}

void JsonResultStream::captured(std::string text, int kind) {
  Json value;
  try {
    value = parse_json(text);
  } catch (const JsonParseError& error) {
    throw ResultParseError(std::string("SPARQL JSON results: ") + error.what());
  }
  if (kind == head_value) {
    variables_.clear();
    if (const Json* vars = member(value, "vars"); vars != nullptr && vars->is_array()) {
      for (const auto& variable : *vars) {
        if (!variable.is_string()) throw ResultParseError("SPARQL JSON results: a variable name is not a string");
        variables_.push_back(variable.get<std::string>());
      }
    }
    seen_head_ = true;
    on_variables_(variables_);
  } else if (kind == boolean_value) {
    if (!value.is_boolean()) throw ResultParseError("SPARQL JSON results: \"boolean\" is not true or false");
    on_boolean_(value.get<bool>());
  } else {
    if (!seen_head_) throw ResultParseError("SPARQL JSON results: a solution comes before \"head\"");
    if (!value.is_object()) throw ResultParseError("SPARQL JSON results: a solution is not an object");
    std::vector<std::optional<Term>> row(variables_.size());
    for (const auto& [name, term] : value.items()) {
      const auto found = std::find(variables_.begin(), variables_.end(), name);
      if (found == variables_.end())
        throw ResultParseError("SPARQL JSON results: a solution binds ?" + name + ", which \"head\" does not name");
      row[static_cast<std::size_t>(found - variables_.begin())] = read_json_term(term);
    }
    on_row_(row);
  }
}

void JsonResultStream::feed(std::string_view bytes) {
  for (const char c : bytes) {
    if (capturing_) capture_.push_back(c);
    if (in_string_) {
      if (escape_) {
        escape_ = false;
        if (string_is_key_) key_buffer_.push_back(c);
      } else if (c == '\\') {
        escape_ = true;
        if (string_is_key_) key_buffer_.push_back(c);
      } else if (c == '"') {
        in_string_ = false;
        if (string_is_key_) {
          stack_.back().key = key_buffer_;
          stack_.back().expecting_key = false;
        } else {
          value_ends();
        }
      } else if (string_is_key_) {
        key_buffer_.push_back(c);
      }
      continue;
    }
    if (in_scalar_) {
      if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\t' && c != '\n' && c != '\r') continue;
      in_scalar_ = false;
      if (capturing_ && stack_.size() == capture_depth_) capture_.pop_back();
      value_ends();
    }
    switch (c) {
      case ' ': case '\t': case '\n': case '\r': case ':':
        break;
      case '"':
        if (!stack_.empty() && stack_.back().object && stack_.back().expecting_key) {
          string_is_key_ = true;
          key_buffer_.clear();
        } else {
          value_starts(c);
          string_is_key_ = false;
        }
        in_string_ = true;
        break;
      case ',':
        if (stack_.empty()) throw ResultParseError("SPARQL JSON results: ',' outside the document");
        if (stack_.back().object) stack_.back().expecting_key = true;
        break;
      case '{':
      case '[':
        value_starts(c);
        stack_.push_back(Frame{c == '{', c == '{', {}});
        break;
      case '}':
      case ']':
        if (stack_.empty() || stack_.back().object != (c == '}'))
          throw ResultParseError(std::string("SPARQL JSON results: unbalanced '") + c + "'");
        stack_.pop_back();
        value_ends();
        break;
      default:
        value_starts(c);
        in_scalar_ = true;
        break;
    }
  }
}

void JsonResultStream::finish() {
  if (!finished_root_ || in_string_)
    throw ResultParseError("SPARQL JSON results: the document ends early (the answer was cut off)");
}

}  // namespace torchprov::triplestore::results
