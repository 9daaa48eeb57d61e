#include <algorithm>
#include <string>

#include "json_result_stream.h"
#include "json_value.h"
#include "result_readers.h"

namespace torchprov::triplestore::results {
namespace {

const std::string& required_string(const Json& object, std::string_view key) {
  const Json* value = member(object, key);
  if (value == nullptr || !value->is_string())
    throw ResultParseError("SPARQL JSON results: missing string \"" + std::string(key) + "\"");
  return value->get_ref<const std::string&>();
}

}  // namespace

Term read_json_term(const Json& value) {
  if (!value.is_object()) throw ResultParseError("SPARQL JSON results: a binding is not an object");
  const std::string& type = required_string(value, "type");
  const std::string& text = required_string(value, "value");
  if (type == "uri") return Term::iri(text);
  if (type == "bnode") return Term::blank(text);
  if (type == "literal" || type == "typed-literal") {  // typed-literal: the 2008 draft's spelling
    if (const Json* language = member(value, "xml:lang"); language != nullptr && language->is_string()) {
      return Term::lang_literal(text, language->get<std::string>());
    }
    if (const Json* datatype = member(value, "datatype"); datatype != nullptr && datatype->is_string()) {
      return Term::literal(text, datatype->get<std::string>());
    }
    return Term::literal(text);
  }
  throw ResultParseError("SPARQL JSON results: unknown term type \"" + type + "\"");
}

sparql::QueryResult read_json_results(std::string_view text) {
  Json document;
  try {
    document = parse_json(text);
  } catch (const JsonParseError& error) {
    throw ResultParseError(std::string("SPARQL JSON results: ") + error.what());
  }
  if (!document.is_object()) throw ResultParseError("SPARQL JSON results: the document is not an object");
  sparql::QueryResult result;
  if (const Json* head = member(document, "head"); head != nullptr) {
    if (const Json* vars = member(*head, "vars"); vars != nullptr && vars->is_array()) {
      for (const auto& variable : *vars) {
        if (!variable.is_string()) throw ResultParseError("SPARQL JSON results: a variable name is not a string");
        result.variables.push_back(variable.get<std::string>());
      }
    }
  }
  if (const Json* boolean = member(document, "boolean"); boolean != nullptr) {
    if (!boolean->is_boolean()) throw ResultParseError("SPARQL JSON results: \"boolean\" is not true or false");
    result.form = sparql::QueryForm::ask;
    result.boolean = boolean->get<bool>();
    return result;
  }
  const Json* results = member(document, "results");
  const Json* bindings = results != nullptr ? member(*results, "bindings") : nullptr;
  if (bindings == nullptr || !bindings->is_array()) {
    throw ResultParseError("SPARQL JSON results: neither \"results\".\"bindings\" nor \"boolean\"");
  }
  result.form = sparql::QueryForm::select;
  for (const auto& solution : *bindings) {
    if (!solution.is_object()) throw ResultParseError("SPARQL JSON results: a solution is not an object");
    std::vector<std::optional<Term>> row(result.variables.size());
    for (const auto& [name, value] : solution.items()) {
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
