// An element tree with namespaces resolved, built by Expat, enough to read
// SPARQL XML result files (.srx).  Expat checks well-formedness and expands
// the internal subset's entities (with its guard against entity
// amplification); external entities and DTDs are never fetched.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace torchprov::triplestore::results {

struct XmlParseError : std::runtime_error {
  XmlParseError(const std::string& message, std::size_t line);
  std::size_t line;  // 1-based
};

inline constexpr std::string_view xml_namespace = "http://www.w3.org/XML/1998/namespace";

struct XmlName {
  std::string namespace_iri;  // empty when the name is in no namespace
  std::string local;
  friend bool operator==(const XmlName&, const XmlName&) = default;
};

struct XmlAttribute {
  XmlName name;
  std::string value;
};

struct XmlElement {
  XmlName name;
  std::vector<XmlAttribute> attributes;  // xmlns declarations excluded
  std::vector<std::unique_ptr<XmlElement>> children;
  // Character data directly inside this element, concatenated (mixed
  // content is not needed by the formats read here).
  std::string text;
  // xml:lang and xml:base in scope are resolved by the readers that need them.

  const XmlAttribute* attribute(std::string_view namespace_iri, std::string_view local) const;
  std::optional<std::string> attribute_value(std::string_view namespace_iri, std::string_view local) const;
  // Child elements with the given name, in document order.
  std::vector<const XmlElement*> children_named(std::string_view namespace_iri, std::string_view local) const;
  const XmlElement* first_child(std::string_view namespace_iri, std::string_view local) const;
};

// Parses a complete document and returns its root element.
std::unique_ptr<XmlElement> parse_xml(std::string_view text);

}  // namespace torchprov::triplestore::results
