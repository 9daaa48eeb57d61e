// Reading the suite's data files (Turtle, N-Triples, N-Quads, TriG and the
// striped RDF/XML subset the suite's .rdf files use) into statements.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <torchprov/rdf.h>

namespace torchprov::w3c {

std::string read_text_file(const std::filesystem::path& path);

// Statements of the file named by `iri` (a file: IRI, also the base IRI);
// `blank_prefix` keeps blank nodes of different files apart.
std::vector<Statement> read_rdf_file(const std::string& iri, const std::string& blank_prefix);

// RDF/XML, the subset the suite needs: rdf:Description and typed node
// elements with rdf:about / rdf:ID / rdf:nodeID, property elements with
// rdf:resource / rdf:nodeID / rdf:datatype / xml:lang / text / nested node
// elements.  Throws std::runtime_error on anything else.
std::vector<Statement> read_rdf_xml(std::string_view text, const std::string& base_iri,
                                    const std::string& blank_prefix);

}  // namespace torchprov::w3c
