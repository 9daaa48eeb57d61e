#include <algorithm>
#include <map>
#include <string>

#include "result_readers.h"
#include "term_syntax.h"

namespace torchprov::triplestore::results {
namespace {

std::string rs(std::string_view local) { return std::string(result_set_namespace) + std::string(local); }

// Node identity for the lookups below (subjects are IRIs or blank nodes).
std::string node_key(const Term& term) {
  return (term.kind == TermKind::blank ? "_:" : "<") + term.value;
}

class StatementIndex {
 public:
  explicit StatementIndex(const std::vector<Statement>& statements) {
    for (const auto& statement : statements) {
      by_subject_[node_key(statement.subject)].push_back(&statement);
    }
  }
  std::vector<const Term*> objects(const Term& subject, std::string_view predicate) const {
    std::vector<const Term*> found;
    const auto entry = by_subject_.find(node_key(subject));
    if (entry == by_subject_.end()) return found;
    for (const Statement* statement : entry->second) {
      if (statement->predicate.kind == TermKind::iri && statement->predicate.value == predicate) {
        found.push_back(&statement->object);
      }
    }
    return found;
  }
  const Term* object(const Term& subject, std::string_view predicate) const {
    const auto found = objects(subject, predicate);
    return found.empty() ? nullptr : found.front();
  }

 private:
  std::map<std::string, std::vector<const Statement*>> by_subject_;
};

const Term* find_result_set(const std::vector<Statement>& statements) {
  const std::string type = std::string(rdf_namespace) + "type";
  const std::string result_set = rs("ResultSet");
  for (const auto& statement : statements) {
    if (statement.predicate.value == type && statement.object.kind == TermKind::iri &&
        statement.object.value == result_set) {
      return &statement.subject;
    }
  }
  return nullptr;
}

}  // namespace

bool holds_rdf_result_set(const std::vector<Statement>& statements) { return find_result_set(statements) != nullptr; }

sparql::QueryResult read_rdf_result_set(const std::vector<Statement>& statements) {
  const Term* result_set = find_result_set(statements);
  if (result_set == nullptr) throw ResultParseError("RDF result set: no rs:ResultSet");
  const StatementIndex index(statements);
  sparql::QueryResult result;
  if (const Term* boolean = index.object(*result_set, rs("boolean"))) {
    result.form = sparql::QueryForm::ask;
    result.boolean = boolean->value == "true" || boolean->value == "1";
    return result;
  }
  result.form = sparql::QueryForm::select;
  for (const Term* variable : index.objects(*result_set, rs("resultVariable"))) {
    result.variables.push_back(variable->value);
  }
  struct IndexedRow {
    long position;
    std::vector<std::optional<Term>> values;
  };
  std::vector<IndexedRow> rows;
  bool any_index = false;
  for (const Term* solution : index.objects(*result_set, rs("solution"))) {
    IndexedRow row{static_cast<long>(rows.size()), std::vector<std::optional<Term>>(result.variables.size())};
    if (const Term* position = index.object(*solution, rs("index"))) {
      try {
        row.position = std::stol(position->value);
        any_index = true;
      } catch (const std::logic_error&) {
        throw ResultParseError("RDF result set: bad rs:index " + position->value);
      }
    }
    for (const Term* binding : index.objects(*solution, rs("binding"))) {
      const Term* variable = index.object(*binding, rs("variable"));
      const Term* value = index.object(*binding, rs("value"));
      if (variable == nullptr || value == nullptr) {
        throw ResultParseError("RDF result set: rs:binding without rs:variable or rs:value");
      }
      auto found = std::find(result.variables.begin(), result.variables.end(), variable->value);
      if (found == result.variables.end()) {
        result.variables.push_back(variable->value);
        for (auto& earlier : rows) earlier.values.resize(result.variables.size());
        found = result.variables.end() - 1;
      }
      row.values.resize(result.variables.size());
      row.values[static_cast<std::size_t>(found - result.variables.begin())] = *value;
    }
    rows.push_back(std::move(row));
  }
  if (any_index) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const IndexedRow& a, const IndexedRow& b) { return a.position < b.position; });
    result.ordered = true;
  }
  for (auto& row : rows) result.rows.push_back(std::move(row.values));
  return result;
}

}  // namespace torchprov::triplestore::results
