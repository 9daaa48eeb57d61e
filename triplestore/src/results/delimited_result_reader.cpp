#include <string>
#include <vector>

#include "rdf_text_reader.h"
#include "result_readers.h"
#include "term_syntax.h"

namespace torchprov::triplestore::results {
namespace {

// Splits text into lines at LF, dropping a CR before it; a final line break
// does not start another (empty) line, but an empty line elsewhere is a row
// whose only variable is unbound.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return lines;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const std::size_t tab = line.find('\t');
    fields.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) return fields;
    line.remove_prefix(tab + 1);
  }
}

// Reads one Turtle term by letting Serd parse it as the object of a triple,
// so escapes, numbers and booleans follow Turtle exactly.
Term parse_turtle_term(std::string_view field) {
  const std::string document = "<urn:tsv:s> <urn:tsv:p> " + std::string(field) + " .";
  std::vector<Statement> statements;
  try {
    statements = read_rdf_text(document, RdfSyntax::turtle);
  } catch (const RdfSyntaxError& error) {
    throw ResultParseError("TSV results: bad term " + std::string(field) + ": " + error.what());
  }
  if (statements.size() != 1) throw ResultParseError("TSV results: bad term " + std::string(field));
  return statements.front().object;
}

// RFC 4180 records: fields separated by commas, records by CRLF (LF
// accepted), double quotes around fields that hold separators or quotes.
std::vector<std::vector<std::string>> parse_csv_records(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  std::size_t pos = 0;
  bool record_open = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '"' && field.empty()) {
      ++pos;
      while (true) {
        if (pos >= text.size()) throw ResultParseError("CSV results: unterminated quoted field");
        if (text[pos] == '"') {
          if (pos + 1 < text.size() && text[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        field += text[pos++];
      }
      record_open = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      record_open = true;
      ++pos;
    } else if (c == '\r' || c == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      record_open = false;
      pos += (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ? 2 : 1;
    } else {
      field += c;
      record_open = true;
      ++pos;
    }
  }
  if (record_open) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

// SPARQL's VARNAME: letters, digits and '_' (non-ASCII as the query lexer
// takes it).  A header is where TSV and CSV keep the names, one line of
// them: a name with a tab, comma, quote or line break in it would write
// back as a different header.
bool variable_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) continue;
    if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_')) return false;
  }
  return true;
}

// A name as a quoted Turtle string, control characters escaped, for messages.
std::string shown(std::string_view name) { return turtle_term(Term::literal(std::string(name))); }

}  // namespace

sparql::QueryResult read_tsv_results(std::string_view text) {
  const auto lines = split_lines(text);
  if (lines.empty()) throw ResultParseError("TSV results: no header line");
  sparql::QueryResult result;
  // An empty header: no variables (SELECT * over an empty pattern), and
  // each solution an empty line.
  if (!lines.front().empty()) {
    for (std::string_view name : split_tabs(lines.front())) {
      if (!name.empty() && (name.front() == '?' || name.front() == '$')) name.remove_prefix(1);
      if (name.empty()) throw ResultParseError("TSV results: empty variable name in the header");
      if (!variable_name(name))
        throw ResultParseError("TSV results: " + shown(name) + " in the header is not a SPARQL variable name");
      result.variables.emplace_back(name);
    }
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto fields = result.variables.empty() && lines[i].empty() ? std::vector<std::string_view>{}
                                                                       : split_tabs(lines[i]);
    if (fields.size() != result.variables.size()) {
      throw ResultParseError("TSV results: line " + std::to_string(i + 1) + " has " + std::to_string(fields.size()) +
                             " fields for " + std::to_string(result.variables.size()) + " variables");
    }
    std::vector<std::optional<Term>> row(fields.size());
    for (std::size_t column = 0; column < fields.size(); ++column) {
      if (!fields[column].empty()) row[column] = parse_turtle_term(fields[column]);
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

sparql::QueryResult read_csv_results(std::string_view text) {
  const auto records = parse_csv_records(text);
  if (records.empty()) throw ResultParseError("CSV results: no header line");
  sparql::QueryResult result;
  // A header of one empty field: no variables, each solution an empty line.
  const auto no_fields = [](const std::vector<std::string>& r) { return r.size() == 1 && r[0].empty(); };
  if (!no_fields(records.front())) {
    for (const std::string& name : records.front())
      if (!variable_name(name))
        throw ResultParseError("CSV results: " + shown(name) + " in the header is not a SPARQL variable name");
    result.variables = records.front();
  }
  for (std::size_t i = 1; i < records.size(); ++i) {
    const auto record = result.variables.empty() && no_fields(records[i]) ? std::vector<std::string>{} : records[i];
    if (record.size() != result.variables.size()) {
      throw ResultParseError("CSV results: record " + std::to_string(i + 1) + " has " + std::to_string(record.size()) +
                             " fields for " + std::to_string(result.variables.size()) + " variables");
    }
    std::vector<std::optional<Term>> row(record.size());
    for (std::size_t column = 0; column < record.size(); ++column) {
      const std::string& value = record[column];
      if (value.empty()) continue;
      row[column] = value.starts_with("_:") ? Term::blank(value.substr(2)) : Term::literal(value);
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

}  // namespace torchprov::triplestore::results
