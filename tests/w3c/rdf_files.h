// Reading the suite's expected graphs and manifests (Turtle, N-Triples,
// N-Quads, TriG) into statements.  The tests' data goes in through the
// store's import path instead (test_execution.cpp), RDF/XML included.
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

}  // namespace torchprov::w3c
