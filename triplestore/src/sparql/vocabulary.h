// IRIs of the vocabularies the engine interprets (XSD datatypes, RDF list
// and type terms).
#pragma once

#include <string_view>

namespace torchprov::triplestore::sparql {

namespace xsd {
inline constexpr std::string_view ns = "http://www.w3.org/2001/XMLSchema#";
inline constexpr std::string_view string = "http://www.w3.org/2001/XMLSchema#string";
inline constexpr std::string_view boolean = "http://www.w3.org/2001/XMLSchema#boolean";
inline constexpr std::string_view integer = "http://www.w3.org/2001/XMLSchema#integer";
inline constexpr std::string_view decimal = "http://www.w3.org/2001/XMLSchema#decimal";
inline constexpr std::string_view float_ = "http://www.w3.org/2001/XMLSchema#float";
inline constexpr std::string_view double_ = "http://www.w3.org/2001/XMLSchema#double";
inline constexpr std::string_view date_time = "http://www.w3.org/2001/XMLSchema#dateTime";
inline constexpr std::string_view date = "http://www.w3.org/2001/XMLSchema#date";
inline constexpr std::string_view day_time_duration = "http://www.w3.org/2001/XMLSchema#dayTimeDuration";
}  // namespace xsd

namespace rdf {
inline constexpr std::string_view type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
inline constexpr std::string_view first = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
inline constexpr std::string_view rest = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
inline constexpr std::string_view nil = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
inline constexpr std::string_view lang_string = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
}  // namespace rdf

}  // namespace torchprov::triplestore::sparql
