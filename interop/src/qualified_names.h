// IRIs as the qualified names (prefix:local) PROV-JSON and PROV-N write,
// with the prefixes a document declares.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace torchprov::interop {

class QualifiedNames {
 public:
  QualifiedNames();
  // The qualified name of `iri`; declares a prefix (ns1, ns2, ...) for a
  // namespace none of the known ones covers.
  std::string name(const std::string& iri);
  // "prefix:" with a prefix of its own for the whole IRI, for an IRI whose
  // end no local name can spell.
  std::string whole(const std::string& iri);
  // Prefixes to declare (prov and xsd are predefined in both formats), in
  // the order they were first needed.
  const std::vector<std::pair<std::string, std::string>>& declared() const { return declared_; }

 private:
  std::vector<std::pair<std::string, std::string>> known_;     // prefix, namespace: longest namespace first
  std::vector<std::pair<std::string, std::string>> declared_;  // used ones that need a declaration
  std::map<std::string, std::string> prefix_of_namespace_, prefix_of_whole_;
  int generated_ = 0;
};

}  // namespace torchprov::interop
