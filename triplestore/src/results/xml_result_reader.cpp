#include <algorithm>
#include <string>

#include "result_readers.h"
#include "xml_document.h"

namespace torchprov::triplestore::results {
namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

Term read_xml_term(const XmlElement& binding) {
  const std::string_view ns = sparql_results_namespace;
  if (const auto* uri = binding.first_child(ns, "uri")) return Term::iri(trimmed(uri->text));
  if (const auto* bnode = binding.first_child(ns, "bnode")) return Term::blank(trimmed(bnode->text));
  if (const auto* literal = binding.first_child(ns, "literal")) {
    if (auto language = literal->attribute_value(xml_namespace, "lang")) {
      return Term::lang_literal(literal->text, std::move(*language));
    }
    return Term::literal(literal->text, literal->attribute_value({}, "datatype").value_or(std::string()));
  }
  throw ResultParseError("SPARQL XML results: <binding> without <uri>, <bnode> or <literal>");
}

std::size_t variable_index(sparql::QueryResult& result, const std::string& name) {
  const auto found = std::find(result.variables.begin(), result.variables.end(), name);
  if (found != result.variables.end()) return static_cast<std::size_t>(found - result.variables.begin());
  // A binding for a variable the head does not list: keep it rather than
  // lose data, widening the rows read so far.
  result.variables.push_back(name);
  for (auto& row : result.rows) row.resize(result.variables.size());
  return result.variables.size() - 1;
}

}  // namespace

sparql::QueryResult read_xml_results(std::string_view text) {
  std::unique_ptr<XmlElement> root;
  try {
    root = parse_xml(text);
  } catch (const XmlParseError& error) {
    throw ResultParseError(std::string("SPARQL XML results: ") + error.what());
  }
  const std::string_view ns = sparql_results_namespace;
  if (root->name.namespace_iri != ns || root->name.local != "sparql") {
    throw ResultParseError("SPARQL XML results: the root element is not <sparql> in " + std::string(ns));
  }
  sparql::QueryResult result;
  if (const auto* head = root->first_child(ns, "head")) {
    for (const auto* variable : head->children_named(ns, "variable")) {
      auto name = variable->attribute_value({}, "name");
      if (!name) throw ResultParseError("SPARQL XML results: <variable> without a name");
      result.variables.push_back(std::move(*name));
    }
  }
  if (const auto* boolean = root->first_child(ns, "boolean")) {
    const std::string value = trimmed(boolean->text);
    if (value != "true" && value != "false") throw ResultParseError("SPARQL XML results: bad <boolean> " + value);
    result.form = sparql::QueryForm::ask;
    result.boolean = value == "true";
    return result;
  }
  const auto* results = root->first_child(ns, "results");
  if (results == nullptr) throw ResultParseError("SPARQL XML results: neither <results> nor <boolean>");
  result.form = sparql::QueryForm::select;
  for (const auto* solution : results->children_named(ns, "result")) {
    std::vector<std::optional<Term>> row(result.variables.size());
    for (const auto* binding : solution->children_named(ns, "binding")) {
      const auto name = binding->attribute_value({}, "name");
      if (!name) throw ResultParseError("SPARQL XML results: <binding> without a name");
      const std::size_t index = variable_index(result, *name);
      row.resize(result.variables.size());
      row[index] = read_xml_term(*binding);
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

}  // namespace torchprov::triplestore::results
