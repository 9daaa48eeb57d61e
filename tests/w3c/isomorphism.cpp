#include "isomorphism.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

namespace torchprov::w3c {
namespace {

constexpr std::string_view xsd_string = "http://www.w3.org/2001/XMLSchema#string";
// The backtracking search gives up after this many assignments: the suite's
// answers are small, so hitting it means a pathological answer.
constexpr std::size_t search_step_limit = 2'000'000;

constexpr std::string_view xsd = "http://www.w3.org/2001/XMLSchema#";

bool is_xsd(const Term& term, std::initializer_list<std::string_view> locals) {
  if (!term.datatype.starts_with(xsd)) return false;
  const std::string_view local = std::string_view(term.datatype).substr(xsd.size());
  return std::find(locals.begin(), locals.end(), local) != locals.end();
}

// Digits without leading zeros ("" stays "").
std::string without_leading_zeros(std::string digits) {
  const auto first = digits.find_first_not_of('0');
  return first == std::string::npos ? "" : digits.substr(first);
}

// One text per value for numbers and booleans, computed here from the
// lexical form (not by the engine's own number code): integers and decimals
// as digits, doubles and floats through their binary value.
std::optional<std::string> value_form(const Term& term) {
  static const std::regex integer(R"(([+-]?)(\d+))"), decimal(R"(([+-]?)(\d*)(?:\.(\d*))?)");
  std::smatch m;
  if (is_xsd(term, {"integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                    "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
                    "unsignedByte"})) {
    if (!std::regex_match(term.value, m, integer)) return std::nullopt;
    const std::string digits = without_leading_zeros(m[2]);
    return digits.empty() ? "0" : (m[1] == "-" ? "-" : "") + digits;
  }
  if (is_xsd(term, {"decimal"})) {
    if (!std::regex_match(term.value, m, decimal) || (m[2].length() == 0 && m[3].length() == 0)) return std::nullopt;
    const std::string whole = without_leading_zeros(m[2]);
    std::string fraction = m[3];
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    if (whole.empty() && fraction.empty()) return "0.0";
    return (m[1] == "-" ? "-" : "") + (whole.empty() ? "0" : whole) + "." + (fraction.empty() ? "0" : fraction);
  }
  if (is_xsd(term, {"double", "float"})) {
    const std::string text = term.value == "INF" || term.value == "+INF" ? "inf" : term.value == "-INF" ? "-inf" : term.value;
    char* end = nullptr;
    char buffer[64];
    if (is_xsd(term, {"float"})) {
      const float value = std::strtof(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0') return std::nullopt;
      std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(value));
    } else {
      const double value = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0') return std::nullopt;
      std::snprintf(buffer, sizeof buffer, "%.17g", value);
    }
    return std::string(buffer);
  }
  if (is_xsd(term, {"boolean"})) {
    if (term.value == "1" || term.value == "true") return "true";
    if (term.value == "0" || term.value == "false") return "false";
  }
  return std::nullopt;
}

Term normalized(Term term, Literals literals) {
  if (term.kind != TermKind::literal) return term;
  if (term.datatype == xsd_string) term.datatype.clear();
  std::transform(term.language.begin(), term.language.end(), term.language.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (literals == Literals::value) {
    if (auto value = value_form(term)) term.value = "\x1Fvalue " + *value;
  }
  return term;
}

Row normalized(const Row& row, Literals literals) {
  Row out;
  out.reserve(row.size());
  for (const auto& value : row) out.push_back(value ? std::optional<Term>(normalized(*value, literals)) : std::nullopt);
  return out;
}

bool is_blank(const std::optional<Term>& value) { return value && value->kind == TermKind::blank; }

std::string term_key(const Term& term) {
  switch (term.kind) {
    case TermKind::iri: return "<" + term.value + ">";
    case TermKind::blank: return "_:" + term.value;
    case TermKind::literal: break;
  }
  std::string key = "\"" + term.value + "\"";
  if (!term.language.empty()) key += "@" + term.language;
  if (!term.datatype.empty()) key += "^^<" + term.datatype + ">";
  return key;
}

// A row's key with blank nodes written through `rename` (identity when null).
std::string row_key(const Row& row, const std::map<std::string, std::string>* rename = nullptr) {
  std::string key;
  for (const auto& value : row) {
    if (!value) {
      key += "\x1E-";
    } else if (value->kind == TermKind::blank && rename != nullptr) {
      const auto found = rename->find(value->value);
      key += "\x1E_:" + (found == rename->end() ? "?" : found->second);
    } else {
      key += "\x1E" + term_key(*value);
    }
  }
  return key;
}

// Blank-node-free form: every blank node written as "_:*".
std::string shape_key(const Row& row) {
  std::string key;
  for (const auto& value : row) {
    if (!value) key += "\x1E-";
    else if (value->kind == TermKind::blank) key += "\x1E_:*";
    else key += "\x1E" + term_key(*value);
  }
  return key;
}

std::string difference_report(const std::vector<Row>& expected, const std::vector<Row>& actual) {
  std::multiset<std::string> expected_shapes, actual_shapes;
  std::map<std::string, const Row*> example;
  for (const auto& row : expected) {
    expected_shapes.insert(shape_key(row));
    example.emplace(shape_key(row), &row);
  }
  for (const auto& row : actual) {
    actual_shapes.insert(shape_key(row));
    example.emplace(shape_key(row), &row);
  }
  std::vector<std::string> missing, unexpected;
  std::set_difference(expected_shapes.begin(), expected_shapes.end(), actual_shapes.begin(), actual_shapes.end(),
                      std::back_inserter(missing));
  std::set_difference(actual_shapes.begin(), actual_shapes.end(), expected_shapes.begin(), expected_shapes.end(),
                      std::back_inserter(unexpected));
  std::string report = "expected " + std::to_string(expected.size()) + " rows, got " + std::to_string(actual.size());
  constexpr std::size_t shown = 3;
  for (std::size_t i = 0; i < missing.size() && i < shown; ++i) report += "; missing " + describe(*example[missing[i]]);
  if (missing.size() > shown) report += "; ... " + std::to_string(missing.size() - shown) + " more missing";
  for (std::size_t i = 0; i < unexpected.size() && i < shown; ++i) {
    report += "; unexpected " + describe(*example[unexpected[i]]);
  }
  if (unexpected.size() > shown) report += "; ... " + std::to_string(unexpected.size() - shown) + " more unexpected";
  if (missing.empty() && unexpected.empty()) report += "; the rows differ only in how blank nodes are shared";
  return report;
}

// Finds a bijection between the blank nodes of `expected` and `actual`
// mapping one multiset of rows onto the other.
class BlankNodeMatcher {
 public:
  BlankNodeMatcher(const std::vector<Row>& expected, const std::vector<Row>& actual)
      : expected_(expected), actual_(actual) {}

  // nullopt when the search gave up.
  std::optional<bool> run() {
    for (const auto& row : actual_) ++actual_counts_[row_key(row)];
    collect_blank_nodes(expected_, expected_nodes_, expected_rows_of_);
    std::vector<std::string> actual_nodes;
    std::map<std::string, std::vector<std::size_t>> actual_rows_of;
    collect_blank_nodes(actual_, actual_nodes, actual_rows_of);
    if (expected_nodes_.size() != actual_nodes.size()) return false;

    const auto expected_colours = refine_colours(expected_, expected_nodes_, expected_rows_of_);
    const auto actual_colours = refine_colours(actual_, actual_nodes, actual_rows_of);
    std::multiset<std::size_t> expected_palette, actual_palette;
    for (const auto& [node, colour] : expected_colours) expected_palette.insert(colour);
    for (const auto& [node, colour] : actual_colours) actual_palette.insert(colour);
    if (expected_palette != actual_palette) return false;
    for (const auto& node : actual_nodes) candidates_by_colour_[actual_colours.at(node)].push_back(node);
    colour_of_ = expected_colours;

    // Most constrained first: rare colours, then nodes in many rows.
    std::sort(expected_nodes_.begin(), expected_nodes_.end(), [&](const std::string& a, const std::string& b) {
      const auto size_a = candidates_by_colour_[colour_of_[a]].size();
      const auto size_b = candidates_by_colour_[colour_of_[b]].size();
      if (size_a != size_b) return size_a < size_b;
      return expected_rows_of_[a].size() > expected_rows_of_[b].size();
    });
    unassigned_in_row_.assign(expected_.size(), 0);
    for (std::size_t i = 0; i < expected_.size(); ++i) {
      std::set<std::string> nodes;
      for (const auto& value : expected_[i]) {
        if (is_blank(value)) nodes.insert(value->value);
      }
      unassigned_in_row_[i] = nodes.size();
      if (nodes.empty() && !consume(i)) return false;  // ground rows must match as they are
    }
    const bool found = search(0);
    if (steps_ > search_step_limit) return std::nullopt;
    return found;
  }

 private:
  static void collect_blank_nodes(const std::vector<Row>& rows, std::vector<std::string>& nodes,
                                  std::map<std::string, std::vector<std::size_t>>& rows_of) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      for (const auto& value : rows[i]) {
        if (!is_blank(value)) continue;
        auto& row_list = rows_of[value->value];
        if (row_list.empty()) nodes.push_back(value->value);
        if (row_list.empty() || row_list.back() != i) row_list.push_back(i);
      }
    }
  }

  // Colour refinement: a node's colour summarises the rows it appears in
  // (position, ground terms, colours of the other blank nodes), iterated so
  // neighbourhoods propagate.  Isomorphic nodes always get equal colours.
  static std::map<std::string, std::size_t> refine_colours(
      const std::vector<Row>& rows, const std::vector<std::string>& nodes,
      const std::map<std::string, std::vector<std::size_t>>& rows_of) {
    std::map<std::string, std::size_t> colours;
    for (const auto& node : nodes) colours[node] = 0;
    const std::hash<std::string> hash;
    for (int round = 0; round < 4; ++round) {
      std::map<std::string, std::size_t> next;
      for (const auto& node : nodes) {
        std::vector<std::string> signatures;
        for (const std::size_t index : rows_of.at(node)) {
          std::string signature;
          for (const auto& value : rows[index]) {
            if (!value) signature += "\x1E-";
            else if (value->kind != TermKind::blank) signature += "\x1E" + term_key(*value);
            else if (value->value == node) signature += "\x1E@self";
            else signature += "\x1E@" + std::to_string(colours.at(value->value));
          }
          signatures.push_back(std::move(signature));
        }
        std::sort(signatures.begin(), signatures.end());
        std::string all = std::to_string(colours.at(node));
        for (const auto& signature : signatures) all += "\x1D" + signature;
        next[node] = hash(all);
      }
      colours = std::move(next);
    }
    return colours;
  }

  bool consume(std::size_t expected_row) {
    const auto found = actual_counts_.find(row_key(expected_[expected_row], &mapping_));
    if (found == actual_counts_.end() || found->second == 0) return false;
    --found->second;
    return true;
  }
  void give_back(std::size_t expected_row) { ++actual_counts_[row_key(expected_[expected_row], &mapping_)]; }

  bool search(std::size_t depth) {
    if (depth == expected_nodes_.size()) return true;
    const std::string& node = expected_nodes_[depth];
    for (const auto& candidate : candidates_by_colour_[colour_of_[node]]) {
      if (++steps_ > search_step_limit) return false;
      if (used_.contains(candidate)) continue;
      mapping_[node] = candidate;
      used_.insert(candidate);
      // Rows whose last blank node this was are now fully renamed: they must
      // find a partner among the actual rows.
      std::vector<std::size_t> consumed;
      bool consistent = true;
      for (const std::size_t row : expected_rows_of_[node]) {
        if (--unassigned_in_row_[row] != 0) continue;
        if (consistent && consume(row)) consumed.push_back(row);
        else consistent = false;
      }
      if (consistent && search(depth + 1)) return true;
      for (const std::size_t row : consumed) give_back(row);
      for (const std::size_t row : expected_rows_of_[node]) ++unassigned_in_row_[row];
      used_.erase(candidate);
      mapping_.erase(node);
      if (steps_ > search_step_limit) return false;
    }
    return false;
  }

  const std::vector<Row>& expected_;
  const std::vector<Row>& actual_;
  std::unordered_map<std::string, std::size_t> actual_counts_;
  std::vector<std::string> expected_nodes_;
  std::map<std::string, std::vector<std::size_t>> expected_rows_of_;
  std::map<std::string, std::size_t> colour_of_;
  std::map<std::size_t, std::vector<std::string>> candidates_by_colour_;
  std::vector<std::size_t> unassigned_in_row_;
  std::map<std::string, std::string> mapping_;
  std::set<std::string> used_;
  std::size_t steps_ = 0;
};

std::vector<Row> statement_rows(const std::vector<Statement>& statements, Literals literals) {
  std::set<std::string> seen;
  std::vector<Row> rows;
  for (const auto& statement : statements) {
    Row row{statement.subject, statement.predicate, statement.object, std::nullopt};
    if (!statement.graph.empty()) {
      row[3] = statement.graph.starts_with("_:") ? Term::blank(statement.graph.substr(2)) : Term::iri(statement.graph);
    }
    row = normalized(row, literals);
    if (seen.insert(row_key(row)).second) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::string describe(const Row& row) {
  std::string text = "(";
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i > 0) text += ' ';
    text += row[i] ? term_key(*row[i]) : "UNDEF";
  }
  if (text.size() > 200) text = text.substr(0, 197) + "...";
  return text + ")";
}

Comparison compare_row_multisets(const std::vector<Row>& expected_rows, const std::vector<Row>& actual_rows,
                                 Literals literals) {
  std::vector<Row> expected, actual;
  for (const auto& row : expected_rows) expected.push_back(normalized(row, literals));
  for (const auto& row : actual_rows) actual.push_back(normalized(row, literals));
  if (expected.size() != actual.size()) return {false, difference_report(expected, actual)};
  const auto matched = BlankNodeMatcher(expected, actual).run();
  if (!matched) return {false, "gave up searching for a blank node renaming"};
  if (!*matched) return {false, difference_report(expected, actual)};
  return {true, {}};
}

Comparison compare_row_sequences(const std::vector<Row>& expected_rows, const std::vector<Row>& actual_rows,
                                 Literals literals) {
  if (expected_rows.size() != actual_rows.size()) {
    return {false, "expected " + std::to_string(expected_rows.size()) + " rows, got " +
                       std::to_string(actual_rows.size())};
  }
  // The order fixes which row matches which, so the renaming is forced.
  std::map<std::string, std::string> forward, backward;
  for (std::size_t i = 0; i < expected_rows.size(); ++i) {
    const Row expected = normalized(expected_rows[i], literals), actual = normalized(actual_rows[i], literals);
    bool same = expected.size() == actual.size();
    for (std::size_t column = 0; same && column < expected.size(); ++column) {
      const auto& e = expected[column];
      const auto& a = actual[column];
      if (is_blank(e) && is_blank(a)) {
        const auto [f, new_f] = forward.emplace(e->value, a->value);
        const auto [b, new_b] = backward.emplace(a->value, e->value);
        same = f->second == a->value && b->second == e->value;
      } else {
        same = e == a;
      }
    }
    if (!same) {
      return {false, "row " + std::to_string(i + 1) + " differs: expected " + describe(expected) + ", got " +
                         describe(actual)};
    }
  }
  return {true, {}};
}

Comparison compare_statement_sets(const std::vector<Statement>& expected, const std::vector<Statement>& actual,
                                  Literals literals) {
  // Normalised here already: the multiset comparison's own pass leaves them as they are.
  return compare_row_multisets(statement_rows(expected, literals), statement_rows(actual, literals), literals);
}

}  // namespace torchprov::w3c
