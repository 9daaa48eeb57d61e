// RDF files in and out through Serd: streaming parse to a callback and
// streaming serialisation.  Escaping both ways is Serd's.
#pragma once

#include <torchprov/rdf.h>
#include <torchprov/triplestore.h>

#include <filesystem>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string_view>

namespace torchprov::triplestore::rdf_io {

using StatementHandler = std::function<void(const Statement&)>;

// Streams every statement of the file to `handler` in constant memory.
// Throws ParseError at the first syntax error (statements before it have
// already been delivered: callers stage them) and std::runtime_error when the
// file cannot be read.  Blank node labels get `blank_prefix` so that two
// files' _:b1 stay distinct.
// `bytes_read`, when given, hears how many bytes the parser has read, every
// 256 kB or 250 ms (pipes included).
void parse_file(const std::filesystem::path& file, RdfFormat format, const StatementHandler& handler,
                std::string_view blank_prefix = {},
                const std::function<void(std::uint64_t bytes_read)>& bytes_read = {});
// Relative IRIs resolve against `base_iri`; without one (and without @base
// in the text) they are a ParseError.
void parse_text(std::string_view text, RdfFormat format, const StatementHandler& handler,
                std::string_view name = "<text>", std::string_view blank_prefix = {},
                std::string_view base_iri = {});

// Streaming writer.  Turtle drops graphs; TriG groups consecutive statements
// of a graph.  finish() (or the destructor) ends the document.
class Writer {
 public:
  Writer(std::ostream& out, RdfFormat format);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  void write(const Statement& statement);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchprov::triplestore::rdf_io
