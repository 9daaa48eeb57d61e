// Random solutions (any legal terms: every kind, control characters,
// astral-plane text, language tags, datatypes) through every result writer;
// what the W3C formats write must read back to the same solutions.  CSV is
// lossy by design, so it is compared on what it keeps: values, blank-ness
// and bound-ness (an empty string reads back unbound).  The table for
// people has no reader and is only written.
#include <algorithm>
#include <stdexcept>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "results/result_format.h"
#include "results_round_trip.h"

using namespace torchprov;
using triplestore::results::ResultFormat;
using triplestore::sparql::QueryForm;
using triplestore::sparql::QueryResult;

namespace {

// Pieces legal text is made of, as UTF-8.
const char* const text_pieces[] = {"a", "Z", "0", " ", "\t", "\n", "\r", "\"", "'", "\\", "<", ">", "&", ",",
                                   ";", "#", "_:", "?", "%", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe4\xb8\xad",
                                   "\xf0\x9f\x98\x80", "\xef\xbf\xbd", "]]>", "--", "@", "^^"};
const char* const iri_pieces[] = {"a", "Z", "9", "/", "#", "?", "&", "=", "'", "%20", "-", ".", "~", "!", "$",
                                  "(", ")", "*", "+", ",", ";", ":", "@", "\xc3\xa9", "\xf0\x9f\x98\x80"};
const char* const datatypes[] = {"http://www.w3.org/2001/XMLSchema#integer", "http://www.w3.org/2001/XMLSchema#double",
                                 "http://www.w3.org/2001/XMLSchema#boolean", "http://example.org/dt#x&y",
                                 "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString2"};
const char* const name_pieces[] = {"a", "b", "Z", "_", "0", "9", "\xc3\xa9", "x1"};

template <std::size_t N>
std::string compose(fuzz::Bytes& in, const char* const (&pieces)[N], std::size_t max_pieces) {
  std::string out;
  const std::size_t n = in.below(max_pieces + 1);
  for (std::size_t i = 0; i < n; ++i) out += pieces[in.below(N)];
  return out;
}

Term random_term(fuzz::Bytes& in) {
  switch (in.below(5)) {
    case 0: return Term::iri("http://example.org/" + compose(in, iri_pieces, 8));
    case 1: return Term::blank("b" + compose(in, name_pieces, 4));
    case 2: {
      std::string tag = "en";
      if (in.flag()) tag = in.flag() ? "fr-BE" : "zh-Hant-TW";
      return Term::lang_literal(compose(in, text_pieces, 10), tag);
    }
    case 3: return Term::literal(compose(in, text_pieces, 10), datatypes[in.below(std::size(datatypes))]);
    default: return Term::literal(compose(in, text_pieces, 12));
  }
}

QueryResult random_result(fuzz::Bytes& in) {
  QueryResult r;
  if (in.below(8) == 0) {
    r.form = QueryForm::ask;
    r.boolean = in.flag();
    return r;
  }
  std::set<std::string> seen;
  const std::size_t width = in.below(5);
  for (std::size_t i = 0; i < width; ++i) {
    std::string name = "v" + compose(in, name_pieces, 3);
    if (seen.insert(name).second) r.variables.push_back(name);
  }
  const std::size_t rows = in.below(7);
  for (std::size_t i = 0; i < rows; ++i) {
    std::vector<std::optional<Term>> row;
    for (std::size_t c = 0; c < r.variables.size(); ++c) {
      if (in.below(4) == 0) row.emplace_back(std::nullopt);
      else row.emplace_back(random_term(in));
    }
    r.rows.push_back(std::move(row));
  }
  return r;
}

// What CSV keeps of a value.
std::optional<Term> csv_view(const std::optional<Term>& value) {
  if (!value || (value->kind == TermKind::literal && value->value.empty())) return std::nullopt;
  if (value->kind == TermKind::blank || value->value.starts_with("_:")) return Term::blank("b");
  return Term::literal(value->value);
}

QueryResult csv_view(const QueryResult& r) {
  QueryResult out;
  out.variables = r.variables;
  if (r.form == QueryForm::ask) {
    out.variables = {"_askResult"};
    out.rows.push_back({Term::literal(r.boolean ? "true" : "false")});
    return out;
  }
  for (const auto& row : r.rows) {
    std::vector<std::optional<Term>> projected;
    for (const auto& v : row) projected.push_back(csv_view(v));
    out.rows.push_back(std::move(projected));
  }
  return out;
}

bool holds_xml_forbidden_control(const QueryResult& r) {
  auto forbidden = [](const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
    });
  };
  for (const auto& row : r.rows)
    for (const auto& value : row)
      if (value && (forbidden(value->value) || forbidden(value->datatype) || forbidden(value->language))) return true;
  return std::any_of(r.variables.begin(), r.variables.end(), forbidden);
}

std::string write(const QueryResult& r, ResultFormat format) {
  std::ostringstream out;
  triplestore::results::write_query_result(r, format, out);
  return out.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in(data, size);
  const QueryResult result = random_result(in);
  for (ResultFormat format : {ResultFormat::json, ResultFormat::xml, ResultFormat::tsv, ResultFormat::csv}) {
    std::string text;
    try {
      text = write(result, format);
    } catch (const std::domain_error& e) {
      // XML 1.0 cannot carry C0 controls other than tab, newline and CR.
      fuzz::check(format == ResultFormat::xml && holds_xml_forbidden_control(result),
                  "writing " + std::string(triplestore::results::format_name(format)) + " failed: " + e.what());
      continue;
    }
    QueryResult back;
    try {
      back = fuzz::read_results(text, format);
    } catch (const std::exception& e) {
      fuzz::finding(std::string(triplestore::results::format_name(format)) + " output does not read back: " +
                    e.what() + "\n--- written ---\n" + text);
    }
    std::string diff;
    if (format == ResultFormat::csv) {
      diff = fuzz::difference(csv_view(result), csv_view(back));
    } else if (format == ResultFormat::tsv && result.form == QueryForm::ask) {
      // TSV writes ASK as a one-column table, as CSV does.
      diff = back.variables == std::vector<std::string>{"_askResult"} && back.rows.size() == 1 && back.rows[0][0] &&
                     back.rows[0][0]->value == (result.boolean ? "true" : "false")
                 ? ""
                 : "the ASK answer differs";
    } else {
      diff = fuzz::difference(result, back);
    }
    fuzz::check(diff.empty(), std::string(triplestore::results::format_name(format)) +
                                  " output reads back different: " + diff + "\n--- written ---\n" + text);
  }
  write(result, ResultFormat::table);
  return 0;
}
