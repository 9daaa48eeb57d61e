#include "term_validity.h"

namespace torchprov::triplestore {

bool iri_code_point(char32_t c) {
  if (c <= 0x20) return false;
  switch (c) {
    case '<': case '>': case '"': case '{': case '}': case '|': case '^': case '`': case '\\': return false;
    default: return true;
  }
}

bool valid_iri(std::string_view iri) {
  // scheme ":" — RFC 3987: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const auto colon = iri.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = iri[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) return false;
  }
  for (const char c : iri)
    if (static_cast<unsigned char>(c) < 0x80 && !iri_code_point(char32_t(static_cast<unsigned char>(c)))) return false;
  return valid_utf8(iri);
}

bool valid_language_tag(std::string_view tag) {
  std::size_t part = 0;
  bool first = true;
  for (std::size_t i = 0; i <= tag.size(); ++i) {
    if (i == tag.size() || tag[i] == '-') {
      if (part == 0) return false;
      part = 0;
      first = false;
      continue;
    }
    const char c = tag[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && (first || !(c >= '0' && c <= '9'))) return false;
    ++part;
  }
  return !tag.empty();
}

bool valid_blank_label(std::string_view label) {
  if (label.empty() || label.back() == '.') return false;
  for (std::size_t i = 0; i < label.size(); ++i) {
    const auto c = static_cast<unsigned char>(label[i]);
    if (c >= 0x80) continue;
    const bool name = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!name && (i == 0 || !(c == '-' || c == '.'))) return false;
  }
  return valid_utf8(label);
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n;
    char32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= text.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and beyond U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

bool valid_term(const Term& term) {
  switch (term.kind) {
    case TermKind::iri: return valid_iri(term.value);
    case TermKind::blank: return valid_blank_label(term.value);
    case TermKind::literal:
      return valid_utf8(term.value) && (term.language.empty() || valid_language_tag(term.language)) &&
             (term.datatype.empty() || valid_iri(term.datatype)) && (term.language.empty() || term.datatype.empty());
  }
  return false;
}

std::string blank_label_piece(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out.push_back(char(c));
    } else {
      out.push_back('_');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace torchprov::triplestore
