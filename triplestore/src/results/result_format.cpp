#include "result_format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

namespace torchprov::triplestore::results {
namespace {

struct FormatInfo {
  ResultFormat format;
  std::string_view name;
  std::string_view media_type;
  // Other media types that clients send for the same serialisation.
  std::array<std::string_view, 2> aliases;
};

constexpr std::array<FormatInfo, 9> format_table{{
    {ResultFormat::table, "table", "text/plain", {}},
    {ResultFormat::csv, "csv", "text/csv", {}},
    {ResultFormat::tsv, "tsv", "text/tab-separated-values", {}},
    {ResultFormat::json, "json", "application/sparql-results+json", {"application/json", {}}},
    {ResultFormat::xml, "xml", "application/sparql-results+xml", {"application/xml", {}}},
    {ResultFormat::turtle, "turtle", "text/turtle", {"application/x-turtle", {}}},
    {ResultFormat::ntriples, "ntriples", "application/n-triples", {}},
    {ResultFormat::nquads, "nquads", "application/n-quads", {}},
    {ResultFormat::trig, "trig", "application/trig", {}},
}};

const FormatInfo& info(ResultFormat format) {
  for (const auto& entry : format_table) {
    if (entry.format == format) return entry;
  }
  return format_table.front();
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct MediaRange {
  std::string type, subtype;  // lower case; "*" for wildcards
  double quality = 1.0;
  std::size_t position = 0;  // order in the header
};

// Parses q with the RFC's grammar loosely: a malformed value makes the range
// unacceptable rather than failing the whole header.
double parse_quality(std::string_view text) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0.0 || value > 1.0) return 0.0;
  return value;
}

std::vector<MediaRange> parse_accept(std::string_view header) {
  std::vector<MediaRange> ranges;
  std::size_t position = 0;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const std::size_t semicolon = element.find(';');
    const std::string_view media = trim(element.substr(0, semicolon));
    const std::size_t slash = media.find('/');
    if (media.empty() || slash == std::string_view::npos) continue;
    MediaRange range;
    range.type = lowercase(trim(media.substr(0, slash)));
    range.subtype = lowercase(trim(media.substr(slash + 1)));
    range.position = position++;
    std::string_view parameters = semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1);
    while (!parameters.empty()) {
      const std::size_t next = parameters.find(';');
      const std::string_view parameter = trim(parameters.substr(0, next));
      parameters = next == std::string_view::npos ? std::string_view() : parameters.substr(next + 1);
      const std::size_t equals = parameter.find('=');
      if (equals == std::string_view::npos) continue;
      if (lowercase(trim(parameter.substr(0, equals))) == "q") {
        range.quality = parse_quality(trim(parameter.substr(equals + 1)));
      }
    }
    ranges.push_back(std::move(range));
  }
  return ranges;
}

struct Match {
  double quality = 0.0;
  int specificity = -1;  // 2 exact, 1 type/*, 0 */*; -1 no match
  std::size_t position = 0;
};

// The quality the header gives `media_type`: that of the most specific
// matching range (RFC 9110 section 12.5.1).
Match match_media_type(const std::vector<MediaRange>& ranges, std::string_view media_type) {
  const std::size_t slash = media_type.find('/');
  const std::string_view type = media_type.substr(0, slash), subtype = media_type.substr(slash + 1);
  Match best;
  for (const auto& range : ranges) {
    int specificity = -1;
    if (range.type == type && range.subtype == subtype) specificity = 2;
    else if (range.type == type && range.subtype == "*") specificity = 1;
    else if (range.type == "*" && range.subtype == "*") specificity = 0;
    if (specificity > best.specificity) best = {range.quality, specificity, range.position};
  }
  return best;
}

}  // namespace

std::optional<ResultFormat> parse_result_format(std::string_view name) {
  for (const auto& entry : format_table) {
    if (entry.name == name) return entry.format;
  }
  return std::nullopt;
}

std::string_view format_name(ResultFormat format) { return info(format).name; }

std::string_view media_type(ResultFormat format) { return info(format).media_type; }

bool is_rdf_format(ResultFormat format) {
  return format == ResultFormat::turtle || format == ResultFormat::ntriples || format == ResultFormat::nquads ||
         format == ResultFormat::trig;
}

bool supports(ResultFormat format, sparql::QueryForm form) {
  const bool graph_result = form == sparql::QueryForm::construct || form == sparql::QueryForm::describe;
  switch (format) {
    case ResultFormat::table:
    case ResultFormat::csv:
    case ResultFormat::tsv: return true;
    case ResultFormat::json:
    case ResultFormat::xml: return !graph_result;
    case ResultFormat::turtle:
    case ResultFormat::ntriples:
    case ResultFormat::nquads:
    case ResultFormat::trig: return graph_result;
  }
  return false;
}

std::optional<ResultFormat> negotiate(std::string_view accept_header, sparql::QueryForm form) {
  const bool graph_result = form == sparql::QueryForm::construct || form == sparql::QueryForm::describe;
  // Server preference order: the first is the default.
  static constexpr std::array solution_candidates{ResultFormat::json, ResultFormat::xml, ResultFormat::csv,
                                                  ResultFormat::tsv};
  static constexpr std::array graph_candidates{ResultFormat::turtle, ResultFormat::ntriples, ResultFormat::nquads,
                                               ResultFormat::trig};
  const auto& candidates = graph_result ? graph_candidates : solution_candidates;
  const std::vector<MediaRange> ranges = parse_accept(accept_header);
  if (ranges.empty()) return candidates.front();

  std::optional<ResultFormat> chosen;
  Match chosen_match;
  for (const ResultFormat candidate : candidates) {
    const FormatInfo& entry = info(candidate);
    Match match = match_media_type(ranges, entry.media_type);
    for (const std::string_view alias : entry.aliases) {
      if (alias.empty()) continue;
      const Match alias_match = match_media_type(ranges, alias);
      // The most specific range naming any of the format's types decides,
      // so "*/*, application/json;q=0" refuses JSON under either name.
      if (alias_match.specificity > match.specificity ||
          (alias_match.specificity == match.specificity &&
           (alias_match.quality > match.quality ||
            (alias_match.quality == match.quality && alias_match.position < match.position)))) {
        match = alias_match;
      }
    }
    if (match.specificity < 0 || match.quality <= 0.0) continue;
    // Candidates come in server order, so only a strictly better match wins.
    if (!chosen || match.quality > chosen_match.quality ||
        (match.quality == chosen_match.quality && match.position < chosen_match.position)) {
      chosen = candidate;
      chosen_match = match;
    }
  }
  return chosen;
}

}  // namespace torchprov::triplestore::results
