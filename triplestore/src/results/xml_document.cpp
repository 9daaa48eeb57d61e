#include "xml_document.h"

#include <expat.h>

#include <climits>

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

// Expat reports a namespaced name as "IRI<separator>local".
constexpr char separator = '\x1f';

XmlName split_name(const XML_Char* name) {
  const std::string_view text(name);
  const auto cut = text.find(separator);
  if (cut == std::string_view::npos) return {{}, std::string(text)};
  return {std::string(text.substr(0, cut)), std::string(text.substr(cut + 1))};
}

struct ParserDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};

// Builds the tree from Expat's callbacks.
class TreeBuilder {
 public:
  // Deep nesting is never legitimate in the files read here; the limit keeps
  // a hostile document from exhausting the stack when the tree is freed.
  static constexpr std::size_t max_depth = 512;

  std::unique_ptr<XmlElement> root;
  std::vector<XmlElement*> open;
  bool too_deep = false;

  static void start(void* self, const XML_Char* name, const XML_Char** attributes) {
    auto& b = *static_cast<TreeBuilder*>(self);
    if (b.open.size() >= max_depth) {
      b.too_deep = true;
      XML_StopParser(b.parser, XML_FALSE);
      return;
    }
    auto element = std::make_unique<XmlElement>();
    element->name = split_name(name);
    for (const XML_Char** a = attributes; *a != nullptr; a += 2) element->attributes.push_back({split_name(a[0]), a[1]});
    XmlElement* raw = element.get();
    if (b.open.empty()) b.root = std::move(element);
    else b.open.back()->children.push_back(std::move(element));
    b.open.push_back(raw);
  }
  static void end(void* self, const XML_Char*) { static_cast<TreeBuilder*>(self)->open.pop_back(); }
  static void text(void* self, const XML_Char* data, int length) {
    auto& b = *static_cast<TreeBuilder*>(self);
    if (!b.open.empty()) b.open.back()->text.append(data, std::size_t(length));
  }

  XML_Parser parser = nullptr;
};

}  // namespace

std::unique_ptr<XmlElement> parse_xml(std::string_view text) {
  std::unique_ptr<XML_ParserStruct, ParserDeleter> parser(XML_ParserCreateNS(nullptr, separator));
  if (!parser) throw std::bad_alloc();
  TreeBuilder builder;
  builder.parser = parser.get();
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), &TreeBuilder::start, &TreeBuilder::end);
  XML_SetCharacterDataHandler(parser.get(), &TreeBuilder::text);
  // Expat takes int lengths: large documents go in pieces.
  std::size_t done = 0;
  do {
    const std::size_t piece = std::min<std::size_t>(text.size() - done, INT_MAX / 2);
    const bool last = done + piece == text.size();
    if (XML_Parse(parser.get(), text.data() + done, int(piece), last ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
      const std::size_t line = XML_GetCurrentLineNumber(parser.get());
      if (builder.too_deep) throw XmlParseError("nesting too deep", line);
      throw XmlParseError(XML_ErrorString(XML_GetErrorCode(parser.get())), line);
    }
    done += piece;
  } while (done < text.size());
  if (!builder.root) throw XmlParseError("expected the root element", XML_GetCurrentLineNumber(parser.get()));
  return std::move(builder.root);
}

}  // namespace torchprov::triplestore::results
