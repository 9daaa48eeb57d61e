#include <algorithm>
#include <string>

#include "json_value.h"
#include "result_readers.h"

namespace torchprov::triplestore::results {
namespace {

const std::string& required_string(const JsonValue& object, std::string_view key) {
  const JsonValue* member = object.member(key);
  const std::string* text = member != nullptr ? member->as_string() : nullptr;
  if (text == nullptr) throw ResultParseError("SPARQL JSON results: missing string \"" + std::string(key) + "\"");
  return *text;
}

Term read_json_term(const JsonValue& value) {
  if (value.as_object() == nullptr) throw ResultParseError("SPARQL JSON results: a binding is not an object");
  const std::string& type = required_string(value, "type");
  const std::string& text = required_string(value, "value");
  if (type == "uri") return Term::iri(text);
  if (type == "bnode") return Term::blank(text);
  if (type == "literal" || type == "typed-literal") {  // typed-literal: the 2008 draft's spelling
    if (const JsonValue* language = value.member("xml:lang"); language != nullptr && language->as_string()) {
      return Term::lang_literal(text, *language->as_string());
    }
    if (const JsonValue* datatype = value.member("datatype"); datatype != nullptr && datatype->as_string()) {
      return Term::literal(text, *datatype->as_string());
    }
    return Term::literal(text);
  }
  throw ResultParseError("SPARQL JSON results: unknown term type \"" + type + "\"");
}

}  // namespace

sparql::QueryResult read_json_results(std::string_view text) {
  JsonValue document;
  try {
    document = parse_json(text);
  } catch (const JsonParseError& error) {
    throw ResultParseError(std::string("SPARQL JSON results: ") + error.what());
  }
  if (document.as_object() == nullptr) throw ResultParseError("SPARQL JSON results: the document is not an object");
  sparql::QueryResult result;
  if (const JsonValue* head = document.member("head"); head != nullptr) {
    if (const JsonValue* vars = head->member("vars"); vars != nullptr && vars->as_array()) {
      for (const auto& variable : *vars->as_array()) {
        if (!variable.as_string()) throw ResultParseError("SPARQL JSON results: a variable name is not a string");
        result.variables.push_back(*variable.as_string());
      }
    }
  }
  if (const JsonValue* boolean = document.member("boolean"); boolean != nullptr) {
    if (!boolean->as_bool()) throw ResultParseError("SPARQL JSON results: \"boolean\" is not true or false");
    result.form = sparql::QueryForm::ask;
    result.boolean = *boolean->as_bool();
    return result;
  }
  const JsonValue* results = document.member("results");
  const JsonValue* bindings = results != nullptr ? results->member("bindings") : nullptr;
  if (bindings == nullptr || !bindings->as_array()) {
    throw ResultParseError("SPARQL JSON results: neither \"results\".\"bindings\" nor \"boolean\"");
  }
  result.form = sparql::QueryForm::select;
  for (const auto& solution : *bindings->as_array()) {
    const JsonObject* members = solution.as_object();
    if (members == nullptr) throw ResultParseError("SPARQL JSON results: a solution is not an object");
    std::vector<std::optional<Term>> row(result.variables.size());
    for (const auto& [name, value] : *members) {
      auto found = std::find(result.variables.begin(), result.variables.end(), name);
      if (found == result.variables.end()) {
        result.variables.push_back(name);
        for (auto& earlier : result.rows) earlier.resize(result.variables.size());
        found = result.variables.end() - 1;
      }
      row.resize(result.variables.size());
      row[static_cast<std::size_t>(found - result.variables.begin())] = read_json_term(value);
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

}  // namespace torchprov::triplestore::results
