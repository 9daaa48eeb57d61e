#include "rdf_files.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "manifest.h"
#include "results/rdf_text_reader.h"

namespace torchprov::w3c {

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Statement> read_rdf_file(const std::string& iri, const std::string& blank_prefix) {
  const auto path = path_of_file_iri(iri);
  const auto syntax = triplestore::results::rdf_syntax_for_path(path.string());
  if (!syntax) throw std::runtime_error("unknown RDF syntax for " + path.string());
  return triplestore::results::read_rdf_text(read_text_file(path), *syntax, {iri, blank_prefix});
}

}  // namespace torchprov::w3c
