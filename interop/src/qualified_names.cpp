#include "qualified_names.h"

#include <torchprov/rdf.h>

#include <algorithm>

#include "prov_model.h"

namespace torchprov::interop {

QualifiedNames::QualifiedNames() {
  known_ = {{"prov", std::string(prov_dm::prov_ns)},
            {"xsd", std::string(prov_dm::xsd_ns)},
            {"dl", std::string(dl_namespace)},
            {"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
            {"rdfs", "http://www.w3.org/2000/01/rdf-schema#"},
            {"tp", "https://w3id.org/torchprov/"}};
  std::sort(known_.begin(), known_.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
}

std::string QualifiedNames::name(const std::string& iri) {
  for (const auto& [prefix, ns] : known_) {
    if (!iri.starts_with(ns)) continue;
    if (prefix != "prov" && prefix != "xsd" && !prefix_of_namespace_.count(ns)) {
      prefix_of_namespace_[ns] = prefix;
      declared_.emplace_back(prefix, ns);
    }
    return prefix + ":" + iri.substr(ns.size());
  }
  // A namespace of its own: up to the last '#' or '/' (or ':' for a URN).
  std::size_t cut = iri.find_last_of("#/");
  if (cut == std::string::npos || cut < iri.find(':')) cut = iri.find_last_of(':');
  const std::string ns = cut == std::string::npos ? iri : iri.substr(0, cut + 1);
  auto [it, added] = prefix_of_namespace_.try_emplace(ns);
  if (added) {
    it->second = "ns" + std::to_string(++generated_);
    declared_.emplace_back(it->second, ns);
    known_.emplace_back(it->second, ns);
    std::sort(known_.begin(), known_.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  }
  return it->second + ":" + iri.substr(ns.size());
}

std::string QualifiedNames::whole(const std::string& iri) {
  auto [it, added] = prefix_of_whole_.try_emplace(iri);
  if (added) {
    it->second = "ns" + std::to_string(++generated_);
    declared_.emplace_back(it->second, iri);
  }
  return it->second + ":";
}

}  // namespace torchprov::interop
