// Lexical forms for typed literals and IRI path segments.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace torchprov::detail {

inline constexpr std::string_view xsd = "http://www.w3.org/2001/XMLSchema#";

// Shortest form that reads back to the same double; NaN and infinities as
// the xsd:double special values NaN, INF, -INF.
std::string double_lexical(double value);
// xsd:dateTime in UTC with milliseconds, e.g. 2026-11-27T12:44:33.125Z
std::string datetime_lexical(std::chrono::system_clock::time_point time);
// Percent-encodes everything but unreserved characters so any name can be
// one segment of an IRI path.
std::string iri_segment(std::string_view text);
// A random (version 4) UUID.
std::string random_uuid();

}  // namespace torchprov::detail
