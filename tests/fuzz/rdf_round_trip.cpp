#include "rdf_round_trip.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "dataset.h"
#include "fuzz_support.h"
#include "isomorphism.h"
#include "rdf_io.h"

namespace torchprov::fuzz {
namespace {

using triplestore::RdfFormat;

// One store for many inputs; a fresh one every few thousand, because the
// dictionary (and the terms log on tmpfs) only grows.
triplestore::Store& the_store() {
  static const auto dir = scratch_dir("rdf-import") / "store";  // first: the folder outlives the store
  static std::optional<triplestore::Store> store;
  static int uses = 0;
  if (!store || ++uses % 4000 == 0) {
    store.reset();
    std::filesystem::remove_all(dir);
    triplestore::StoreOptions options;
    options.storage = "memory";          // Redland is not what is fuzzed here
    options.checkpoint_bytes = 1 << 20;  // the journal is cut now and then
    store.emplace(triplestore::Store::open(dir, options));
  }
  return *store;
}

const char* extension(RdfFormat format) {
  switch (format) {
    case RdfFormat::turtle: return ".ttl";
    case RdfFormat::ntriples: return ".nt";
    case RdfFormat::nquads: return ".nq";
    case RdfFormat::trig: return ".trig";
  }
  return ".ttl";
}

std::vector<Statement> parse(std::string_view text, RdfFormat format) {
  std::vector<Statement> out;
  triplestore::rdf_io::parse_text(text, format, [&](const Statement& s) { out.push_back(s); }, "export");
  return out;
}

// The store's contents after the import, written in `format` and read back.
void check_export(triplestore::Store& store, const std::vector<Statement>& expected, RdfFormat format) {
  std::ostringstream out;
  store.export_to(out, format);
  std::vector<Statement> back;
  try {
    back = parse(out.str(), format);
  } catch (const triplestore::ParseError& e) {
    finding(std::string("the store's export does not parse again: ") + e.what() + "\n--- export ---\n" + out.str());
  }
  const auto comparison = w3c::compare_statement_sets(expected, back);
  check(comparison.equal, "export -> import is not isomorphic: " + comparison.difference + "\n--- export ---\n" +
                              out.str());
}

}  // namespace

void check_rdf_import(const std::uint8_t* data, std::size_t size, RdfFormat format) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::filesystem::path file = scratch_dir("rdf-import") / (std::string("input") + extension(format));
  std::vector<Statement> parsed;
  std::optional<std::string> memory_error;
  try {
    // The base a file import resolves relative IRIs against.
    triplestore::rdf_io::parse_text(text, format, [&](const Statement& s) { parsed.push_back(s); }, "input", {},
                                    "file://" + file.string());
  } catch (const triplestore::ParseError& e) {
    check(e.line >= 1, std::string("a parse error without a line: ") + e.what());
    memory_error = e.what();
  }

  triplestore::Store& store = the_store();
  const std::size_t before = store.read().dataset().size();
  check(before == 0, "the store was not emptied after the previous input");
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(text.data(), std::streamsize(text.size()));
  std::optional<std::string> file_error;
  try {
    triplestore::import_file(store, file, format);
  } catch (const triplestore::ParseError& e) {
    file_error = e.what();
  }
  check(memory_error.has_value() == file_error.has_value(),
        "parsing from memory and from a file disagree: " + memory_error.value_or("memory: valid") + " / " +
            file_error.value_or("file: valid"));
  if (file_error) {
    check(store.read().dataset().size() == before, "a file with a syntax error changed the store");
    return;
  }

  // Statements without a graph land in the default graph; the store holds
  // a set.
  check_export(store, parsed, RdfFormat::nquads);
  if (format == RdfFormat::trig || format == RdfFormat::nquads) {
    check_export(store, parsed, RdfFormat::trig);
  } else {
    check_export(store, parsed, RdfFormat::turtle);
    check_export(store, parsed, RdfFormat::ntriples);
  }

  // Empty the store for the next input.
  std::vector<std::string> graphs{""};
  {
    const auto view = store.read();
    for (triplestore::TermId g : view.dataset().graphs()) {
      const Term& t = view.dataset().term(g);
      graphs.push_back(t.kind == TermKind::blank ? "_:" + t.value : t.value);
    }
  }
  for (const std::string& g : graphs) store.delete_graph(g);
  check(store.read().dataset().size() == 0, "deleting every graph left quads behind");
}

}  // namespace torchprov::fuzz
