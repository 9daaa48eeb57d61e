// What makes a term storable: the RDF 1.1 forms every serialisation can
// write and read back.  Parsers enforce them on input; terms computed by
// SPARQL (IRI(), STRLANG(), BNODE(), templates) are checked here before they
// reach a result or the store.
#pragma once

#include <torchprov/rdf.h>

#include <string>
#include <string_view>

namespace torchprov::triplestore {

// An absolute IRI (a scheme) without the characters IRIREF excludes:
// controls, space, < > " { } | ^ ` and backslash.
bool valid_iri(std::string_view iri);
// Whether one code point may appear in an IRIREF.
bool iri_code_point(char32_t c);
// BCP 47's shape as Turtle's LANGTAG has it: letters, then -letters-or-digits.
bool valid_language_tag(std::string_view tag);
// Letters, digits, '_', '-', '.' (not last) and any non-ASCII: what Turtle's
// BLANK_NODE_LABEL takes.
bool valid_blank_label(std::string_view label);
// Well-formed UTF-8.
bool valid_utf8(std::string_view text);
// `text` as a piece of a blank node label: letters and digits stay, every
// other byte becomes _XX (hex), so that any text gives a valid label and
// different texts give different labels.
std::string blank_label_piece(std::string_view text);
// All of the above for a term.
bool valid_term(const Term& term);

}  // namespace torchprov::triplestore
