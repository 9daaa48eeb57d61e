#include "rdf_files.h"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "manifest.h"
#include "results/rdf_text_reader.h"
#include "results/xml_document.h"

namespace torchprov::w3c {
namespace {

using triplestore::results::XmlElement;
constexpr std::string_view rdf_ns = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

// RFC 3986 reference resolution for the forms the suite's RDF/XML uses:
// absolute IRIs, "", "#fragment" and relative paths without dot segments.
std::string resolve(const std::string& reference, const std::string& base) {
  const std::string document = base.substr(0, base.find('#'));
  if (reference.empty()) return document;
  if (reference.front() == '#') return document + reference;
  const auto colon = reference.find(':');
  if (colon != std::string::npos && reference.find('/') > colon) return reference;  // has a scheme
  if (reference.front() == '/') {
    const auto authority_end = document.find('/', document.find("//") + 2);
    return document.substr(0, authority_end) + reference;
  }
  return document.substr(0, document.rfind('/') + 1) + reference;
}

class RdfXmlReader {
 public:
  RdfXmlReader(std::string base, std::string blank_prefix)
      : base_(std::move(base)), blank_prefix_(std::move(blank_prefix)) {}

  std::vector<Statement> read(const XmlElement& root) {
    if (root.name.namespace_iri == rdf_ns && root.name.local == "RDF") {
      for (const auto& child : root.children) node_element(*child, root_language(root));
    } else {
      node_element(root, root_language(root));
    }
    return std::move(statements_);
  }

 private:
  static std::string root_language(const XmlElement& element) {
    return element.attribute_value(triplestore::results::xml_namespace, "lang").value_or("");
  }
  static std::string iri_of(const triplestore::results::XmlName& name) { return name.namespace_iri + name.local; }

  Term blank(const std::string& label) const { return Term::blank(blank_prefix_ + label); }
  Term fresh_blank() { return blank("rdfxml" + std::to_string(++generated_)); }

  Term node_element(const XmlElement& element, std::string language) {
    if (auto lang = element.attribute_value(triplestore::results::xml_namespace, "lang")) language = *lang;
    Term subject;
    if (auto about = element.attribute_value(rdf_ns, "about")) subject = Term::iri(resolve(*about, base_));
    else if (auto id = element.attribute_value(rdf_ns, "ID")) subject = Term::iri(resolve("#" + *id, base_));
    else if (auto node_id = element.attribute_value(rdf_ns, "nodeID")) subject = blank(*node_id);
    else subject = fresh_blank();
    if (!(element.name.namespace_iri == rdf_ns && element.name.local == "Description")) {
      add(subject, Term::iri(std::string(rdf_ns) + "type"), Term::iri(iri_of(element.name)));
    }
    for (const auto& attribute : element.attributes) {
      if (attribute.name.namespace_iri == rdf_ns || attribute.name.namespace_iri == triplestore::results::xml_namespace) {
        continue;
      }
      add(subject, Term::iri(iri_of(attribute.name)), literal(attribute.value, language));
    }
    for (const auto& child : element.children) property_element(subject, *child, language);
    return subject;
  }

  static Term literal(const std::string& text, const std::string& language) {
    return language.empty() ? Term::literal(text) : Term::lang_literal(text, language);
  }

  void property_element(const Term& subject, const XmlElement& element, std::string language) {
    if (auto lang = element.attribute_value(triplestore::results::xml_namespace, "lang")) language = *lang;
    std::string predicate = iri_of(element.name);
    if (element.name.namespace_iri == rdf_ns && element.name.local == "li") {
      predicate = std::string(rdf_ns) + "_" + std::to_string(++list_items_[subject.value]);
    }
    const Term property = Term::iri(predicate);
    if (element.attribute(rdf_ns, "parseType") != nullptr) {
      throw std::runtime_error("RDF/XML rdf:parseType is not supported by this reader");
    }
    if (auto resource = element.attribute_value(rdf_ns, "resource")) {
      add(subject, property, Term::iri(resolve(*resource, base_)));
    } else if (auto node_id = element.attribute_value(rdf_ns, "nodeID")) {
      add(subject, property, blank(*node_id));
    } else if (!element.children.empty()) {
      add(subject, property, node_element(*element.children.front(), language));
    } else if (auto datatype = element.attribute_value(rdf_ns, "datatype")) {
      add(subject, property, Term::literal(element.text, resolve(*datatype, base_)));
    } else {
      add(subject, property, literal(element.text, language));
    }
  }

  void add(const Term& subject, const Term& predicate, const Term& object) {
    statements_.push_back({subject, predicate, object, {}});
  }

  std::string base_, blank_prefix_;
  std::vector<Statement> statements_;
  std::size_t generated_ = 0;
  std::map<std::string, int> list_items_;
};

}  // namespace

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Statement> read_rdf_xml(std::string_view text, const std::string& base_iri,
                                    const std::string& blank_prefix) {
  const auto root = triplestore::results::parse_xml(text);
  return RdfXmlReader(base_iri, blank_prefix).read(*root);
}

std::vector<Statement> read_rdf_file(const std::string& iri, const std::string& blank_prefix) {
  const auto path = path_of_file_iri(iri);
  const std::string text = read_text_file(path);
  if (path.extension() == ".rdf") return read_rdf_xml(text, iri, blank_prefix);
  const auto syntax = triplestore::results::rdf_syntax_for_path(path.string());
  if (!syntax) throw std::runtime_error("unknown RDF syntax for " + path.string());
  return triplestore::results::read_rdf_text(text, *syntax, {iri, blank_prefix});
}

}  // namespace torchprov::w3c
