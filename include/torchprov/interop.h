// torchprov/interop.h — provenance from other tools, and for them.
//
// Keras-Prov / DNNProv history (MonetDB SQL dumps) becomes torchprov runs,
// written exactly as the recorder writes a run (dl: over PROV-O, a bundle
// per run), so the canned queries and the dashboard read them unchanged.
// PROV-JSON documents (W3C member submission; DLProv, yProv4ML, python
// prov) are read as PROV-O by the standard mapping, and any statements are
// written as PROV-JSON or PROV-N with one bundle per named graph.
//
//   auto dump = torchprov::interop::read_keras_prov_dump("dump.sql");
//   auto import = store.begin_import();
//   import.add(dump.statements);
//   import.commit();
//   torchprov::interop::write_prov(std::cout, statements, torchprov::interop::ProvFormat::json);
//
// Readers are all-or-nothing: they throw triplestore::ParseError
// ("FILE:LINE:COL: reason") before returning anything.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <torchprov/rdf.h>
#include <torchprov/triplestore.h>

namespace torchprov::interop {

// ------------------------------------------------------ Keras-Prov / DNNProv

struct KerasProvOptions {
  std::string base_iri = "https://w3id.org/torchprov/";
  std::string person;  // who ran the trainings, when known (the dumps do not say)
};

struct KerasProvImport {
  // Each run's bundle graph, and the graph of the import activity itself
  // (which used the dump and generated the bundles).
  std::vector<Statement> statements;
  std::vector<std::string> runs;  // run IRIs, in the dump's order
  std::string import_iri;
  std::size_t epochs = 0;
  std::size_t adaptations = 0;       // real changes of the learning rate
  std::size_t logged_rate_rows = 0;  // rows of ds_oadaptation they came from
  std::vector<std::string> report;   // how tables and columns were mapped, what was kept generically
};

// One run per training in the dump (a row of ds_itrainingmodel; a dataflow
// schema is an experiment).  Throws triplestore::ParseError at the line that
// is not part of such a dump, std::runtime_error when the file cannot be read.
KerasProvImport read_keras_prov_dump(const std::filesystem::path& dump, const KerasProvOptions& options = {});

// ------------------------------------------------------ PROV-JSON, PROV-N

enum class ProvFormat { json, n };
// From "provjson" / "json" / "provn"; nullopt when unknown.
std::optional<ProvFormat> prov_format_from_name(std::string_view name);

// A PROV-JSON document as PROV-O statements: its bundles become named
// graphs, the rest the default graph.  Blank nodes get `blank_prefix`.
std::vector<Statement> read_prov_json(std::string_view text, const std::string& file_name,
                                      std::string_view blank_prefix = {});

// Writes statements (any order) as one document: the default graph at the
// top, each named graph as a bundle named after it.
void write_prov(std::ostream& out, std::span<const Statement> statements, ProvFormat format);

// The statements of one graph ("" the default graph) or, with nullopt, of
// the whole store, read under one read lock.
std::vector<Statement> statements_of(const triplestore::Store& store, const std::optional<std::string>& graph);

}  // namespace torchprov::interop
