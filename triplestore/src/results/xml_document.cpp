#include "xml_document.h"

#include "../utf8.h"

#include <cstdint>
#include <map>

namespace torchprov::triplestore::results {

XmlParseError::XmlParseError(const std::string& message, std::size_t line)
    : std::runtime_error("XML: " + message + " at line " + std::to_string(line)), line(line) {}

const XmlAttribute* XmlElement::attribute(std::string_view namespace_iri, std::string_view local) const {
  for (const auto& attribute : attributes) {
    if (attribute.name.namespace_iri == namespace_iri && attribute.name.local == local) return &attribute;
  }
  return nullptr;
}

std::optional<std::string> XmlElement::attribute_value(std::string_view namespace_iri,
                                                       std::string_view local) const {
  const XmlAttribute* found = attribute(namespace_iri, local);
  if (found == nullptr) return std::nullopt;
  return found->value;
}

std::vector<const XmlElement*> XmlElement::children_named(std::string_view namespace_iri,
                                                          std::string_view local) const {
  std::vector<const XmlElement*> found;
  for (const auto& child : children) {
    if (child->name.namespace_iri == namespace_iri && child->name.local == local) found.push_back(child.get());
  }
  return found;
}

const XmlElement* XmlElement::first_child(std::string_view namespace_iri, std::string_view local) const {
  for (const auto& child : children) {
    if (child->name.namespace_iri == namespace_iri && child->name.local == local) return child.get();
  }
  return nullptr;
}

namespace {

bool is_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':';
}

class XmlParser {
 public:
  explicit XmlParser(std::string_view text) : text_(text) {}

  std::unique_ptr<XmlElement> parse_document() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // byte order mark
    skip_misc();
    if (pos_ >= text_.size() || text_[pos_] != '<') fail("expected the root element");
    std::map<std::string, std::string> no_bindings{{"xml", std::string(xml_namespace)}};
    auto root = parse_element(no_bindings, 0);
    skip_misc();
    if (pos_ != text_.size()) fail("content after the root element");
    return root;
  }

 private:
  static constexpr int max_depth = 512;
  using NamespaceBindings = std::map<std::string, std::string>;  // prefix ("" = default) -> IRI

  [[noreturn]] void fail(const std::string& message) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) line += text_[i] == '\n' ? 1 : 0;
    throw XmlParseError(message, line);
  }

  bool starts_with(std::string_view prefix) const { return text_.substr(pos_, prefix.size()) == prefix; }

  void skip_whitespace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  void skip_past(std::string_view terminator) {
    const std::size_t found = text_.find(terminator, pos_);
    if (found == std::string_view::npos) fail("unterminated construct, expected '" + std::string(terminator) + "'");
    pos_ = found + terminator.size();
  }

  // Skips whitespace, comments, processing instructions and the DOCTYPE.
  void skip_misc() {
    while (true) {
      skip_whitespace();
      if (starts_with("<?")) {
        skip_past("?>");
      } else if (starts_with("<!--")) {
        skip_past("-->");
      } else if (starts_with("<!DOCTYPE")) {
        skip_doctype();
      } else {
        return;
      }
    }
  }

  void skip_doctype() {
    int bracket_depth = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '[') ++bracket_depth;
      if (c == ']') --bracket_depth;
      if (c == '>' && bracket_depth == 0) return;
    }
    fail("unterminated DOCTYPE");
  }

  std::string parse_name() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    if (pos_ == start) fail("expected a name");
    return std::string(text_.substr(start, pos_ - start));
  }

  // Expands one reference starting at '&'.
  void parse_reference(std::string& out) {
    const std::size_t end = text_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) fail("bad entity reference");
    const std::string_view entity = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "amp") out += '&';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x';
      const std::string digits(entity.substr(hex ? 2 : 1));
      std::uint32_t code_point = 0;
      try {
        std::size_t used = 0;
        code_point = static_cast<std::uint32_t>(std::stoul(digits, &used, hex ? 16 : 10));
        if (used != digits.size() || digits.empty()) fail("bad character reference");
      } catch (const std::logic_error&) {
        fail("bad character reference");
      }
      if (code_point > 0x10FFFF) fail("character reference out of range");
      append_utf8(out, code_point);
    } else {
      fail("unknown entity &" + std::string(entity) + ";");
    }
  }

  std::string parse_attribute_value() {
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) fail("expected a quoted value");
    const char quote = text_[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) fail("unterminated attribute value");
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        return value;
      }
      if (c == '&') {
        parse_reference(value);
      } else if (c == '<') {
        fail("'<' in attribute value");
      } else {
        // Attribute-value normalisation: literal whitespace becomes a space.
        value += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
        ++pos_;
      }
    }
  }

  XmlName resolve(const std::string& qualified, const NamespaceBindings& bindings, bool is_attribute) const {
    const std::size_t colon = qualified.find(':');
    if (colon == std::string::npos) {
      // Unprefixed attributes are in no namespace; elements take the default.
      if (is_attribute) return {{}, qualified};
      const auto found = bindings.find("");
      return {found == bindings.end() ? std::string() : found->second, qualified};
    }
    const std::string prefix = qualified.substr(0, colon);
    const auto found = bindings.find(prefix);
    if (found == bindings.end()) fail("undeclared namespace prefix '" + prefix + "'");
    return {found->second, qualified.substr(colon + 1)};
  }

  std::unique_ptr<XmlElement> parse_element(const NamespaceBindings& outer_bindings, int depth) {
    if (depth > max_depth) fail("nesting too deep");
    ++pos_;  // '<'
    const std::string qualified_name = parse_name();
    std::vector<std::pair<std::string, std::string>> raw_attributes;
    NamespaceBindings bindings = outer_bindings;
    bool self_closing = false;
    while (true) {
      skip_whitespace();
      if (pos_ >= text_.size()) fail("unterminated start tag");
      if (starts_with("/>")) {
        pos_ += 2;
        self_closing = true;
        break;
      }
      if (text_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string attribute_name = parse_name();
      skip_whitespace();
      if (pos_ >= text_.size() || text_[pos_] != '=') fail("expected '=' after attribute name");
      ++pos_;
      skip_whitespace();
      std::string value = parse_attribute_value();
      if (attribute_name == "xmlns") {
        bindings[""] = value;
      } else if (attribute_name.starts_with("xmlns:")) {
        bindings[attribute_name.substr(6)] = value;
      } else {
        raw_attributes.emplace_back(std::move(attribute_name), std::move(value));
      }
    }
    auto element = std::make_unique<XmlElement>();
    element->name = resolve(qualified_name, bindings, false);
    for (auto& [name, value] : raw_attributes) {
      element->attributes.push_back({resolve(name, bindings, true), std::move(value)});
    }
    if (self_closing) return element;

    while (true) {
      if (pos_ >= text_.size()) fail("unterminated element <" + qualified_name + ">");
      if (starts_with("</")) {
        pos_ += 2;
        const std::string closing = parse_name();
        if (closing != qualified_name) fail("</" + closing + "> closes <" + qualified_name + ">");
        skip_whitespace();
        if (pos_ >= text_.size() || text_[pos_] != '>') fail("expected '>'");
        ++pos_;
        return element;
      }
      if (starts_with("<!--")) {
        skip_past("-->");
      } else if (starts_with("<![CDATA[")) {
        pos_ += 9;
        const std::size_t end = text_.find("]]>", pos_);
        if (end == std::string_view::npos) fail("unterminated CDATA section");
        element->text.append(text_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (starts_with("<?")) {
        skip_past("?>");
      } else if (text_[pos_] == '<') {
        element->children.push_back(parse_element(bindings, depth + 1));
      } else if (text_[pos_] == '&') {
        parse_reference(element->text);
      } else if (text_[pos_] == '\r') {
        // End-of-line normalisation: CRLF and lone CR read as LF.
        element->text += '\n';
        ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      } else {
        element->text += text_[pos_++];
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<XmlElement> parse_xml(std::string_view text) { return XmlParser(text).parse_document(); }

}  // namespace torchprov::triplestore::results
