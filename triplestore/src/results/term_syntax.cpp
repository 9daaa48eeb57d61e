#include "term_syntax.h"

#include <cstdio>

namespace torchprov::triplestore::results {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Counts digits from `pos`, advancing it.
std::size_t scan_digits(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  return pos - start;
}

bool matches_integer(std::string_view text) {
  std::size_t pos = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  return scan_digits(text, pos) > 0 && pos == text.size();
}

bool matches_decimal(std::string_view text) {
  std::size_t pos = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  scan_digits(text, pos);
  if (pos >= text.size() || text[pos] != '.') return false;
  ++pos;
  return scan_digits(text, pos) > 0 && pos == text.size();
}

bool matches_double(std::string_view text) {
  std::size_t pos = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  const std::size_t whole = scan_digits(text, pos);
  std::size_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    fraction = scan_digits(text, pos);
  }
  if (whole + fraction == 0) return false;
  if (pos >= text.size() || (text[pos] != 'e' && text[pos] != 'E')) return false;
  ++pos;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  return scan_digits(text, pos) > 0 && pos == text.size();
}

// Escapes a literal's text for a Turtle "..." string (ECHAR set).
void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escape;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Characters IRIREF excludes are written as \u escapes, so any IRI value
// yields a readable IRIREF.
void append_iri(std::string& out, std::string_view iri) {
  out += '<';
  for (const char c : iri) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' ||
        c == '`' || c == '\\') {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(u));
      out += escape;
    } else {
      out += c;
    }
  }
  out += '>';
}

// A PN_LOCAL that needs no escaping: conservative (letters, digits, '_',
// '-', and inner '.'), anything else falls back to the full IRI.
bool is_simple_local_name(std::string_view local) {
  if (local.empty()) return true;
  if (local.back() == '.') return false;
  for (const char c : local) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-' ||
                    c == '.' || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return false;
  }
  return local.front() != '-' && local.front() != '.';
}

std::string compact_iri(std::string_view iri) {
  for (const auto& binding : well_known_prefixes) {
    if (iri.starts_with(binding.namespace_iri)) {
      const std::string_view local = iri.substr(binding.namespace_iri.size());
      if (is_simple_local_name(local)) return std::string(binding.prefix) + ":" + std::string(local);
    }
  }
  std::string out;
  append_iri(out, iri);
  return out;
}

}  // namespace

bool has_bare_turtle_form(std::string_view lexical, std::string_view datatype) {
  if (!datatype.starts_with(xsd_namespace)) return false;
  const std::string_view type = datatype.substr(xsd_namespace.size());
  if (type == "integer") return matches_integer(lexical);
  if (type == "decimal") return matches_decimal(lexical);
  if (type == "double") return matches_double(lexical);
  if (type == "boolean") return lexical == "true" || lexical == "false";
  return false;
}

namespace {

// A literal in Turtle syntax; `datatype_iri` writes the datatype (in full
// or as a prefixed name).
template <class WriteIri>
std::string literal_term(const Term& term, WriteIri&& datatype_iri) {
  std::string out;
  if (!term.language.empty()) {
    append_quoted(out, term.value);
    out += '@';
    out += term.language;
  } else if (term.datatype.empty() || term.datatype == xsd_string) {
    append_quoted(out, term.value);
  } else if (has_bare_turtle_form(term.value, term.datatype)) {
    out = term.value;
  } else {
    append_quoted(out, term.value);
    out += "^^";
    datatype_iri(out, term.datatype);
  }
  return out;
}

}  // namespace

std::string turtle_term(const Term& term) {
  switch (term.kind) {
    case TermKind::iri: {
      std::string out;
      append_iri(out, term.value);
      return out;
    }
    case TermKind::blank: return "_:" + term.value;
    case TermKind::literal: break;
  }
  return literal_term(term, [](std::string& out, const std::string& iri) { append_iri(out, iri); });
}

std::string csv_value(const Term& term) {
  if (term.kind == TermKind::blank) return "_:" + term.value;
  return term.value;
}

std::string compact_term(const Term& term) {
  switch (term.kind) {
    case TermKind::iri: return compact_iri(term.value);
    case TermKind::blank: return "_:" + term.value;
    case TermKind::literal: break;
  }
  return literal_term(term, [](std::string& out, const std::string& iri) { out += compact_iri(iri); });
}

}  // namespace torchprov::triplestore::results
