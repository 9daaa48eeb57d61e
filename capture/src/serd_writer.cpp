#include "serd_writer.h"

#include <stdexcept>

#include <torchprov/detail/serd_node.h>

namespace torchprov::detail {
namespace {

const std::pair<const char*, const char*> well_known_prefixes[] = {
    {"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
    {"rdfs", "http://www.w3.org/2000/01/rdf-schema#"},
    {"xsd", "http://www.w3.org/2001/XMLSchema#"},
    {"prov", "http://www.w3.org/ns/prov#"},
    {"dl", "https://w3id.org/torchprov/dl#"},
    // Python prov names bundles by qualified names: it needs a prefix for run IRIs.
    {"tp", "https://w3id.org/torchprov/"},
};

SerdNode node(SerdType type, const std::string& s) { return whole_serd_node(type, s); }

SerdNode node_of(const Term& term) {
  switch (term.kind) {
    case TermKind::iri: return node(SERD_URI, term.value);
    case TermKind::blank: return node(SERD_BLANK, term.value);
    case TermKind::literal: return node(SERD_LITERAL, term.value);
  }
  return SERD_NODE_NULL;
}

size_t append_to_string(const void* buffer, size_t length, void* stream) {
  static_cast<std::string*>(stream)->append(static_cast<const char*>(buffer), length);
  return length;
}

}  // namespace

SerdStreamWriter::SerdStreamWriter(std::FILE* stream, FileFormat format)
    : SerdStreamWriter(serd_file_sink, stream, format) {}

SerdStreamWriter::SerdStreamWriter(std::string& text, FileFormat format)
    : SerdStreamWriter(append_to_string, &text, format) {}

SerdStreamWriter::SerdStreamWriter(SerdSink sink, void* stream, FileFormat format) : format_(format) {
  env_.reset(serd_env_new(nullptr));
  const SerdSyntax syntax = format == FileFormat::turtle ? SERD_TURTLE
                            : format == FileFormat::trig ? SERD_TRIG
                                                         : SERD_NQUADS;
  const bool terse = format != FileFormat::nquads;
  const auto style = SerdStyle(terse ? (SERD_STYLE_ABBREVIATED | SERD_STYLE_CURIED) : 0);
  writer_.reset(serd_writer_new(syntax, style, env_.get(), nullptr, sink, stream));
  if (!env_ || !writer_) throw std::runtime_error("cannot create a Serd writer");
  if (terse) {
    for (const auto& [name, uri] : well_known_prefixes) {
      const SerdNode n = serd_node_from_string(SERD_LITERAL, reinterpret_cast<const std::uint8_t*>(name));
      const SerdNode u = serd_node_from_string(SERD_URI, reinterpret_cast<const std::uint8_t*>(uri));
      serd_env_set_prefix(env_.get(), &n, &u);
      serd_writer_set_prefix(writer_.get(), &n, &u);
    }
  }
}

SerdStreamWriter::~SerdStreamWriter() {
  if (writer_) serd_writer_finish(writer_.get());
}

void SerdStreamWriter::write(const Statement& s) {
  const SerdNode subject = node_of(s.subject);
  const SerdNode predicate = node_of(s.predicate);
  const SerdNode object = node_of(s.object);
  SerdNode datatype = SERD_NODE_NULL;
  SerdNode language = SERD_NODE_NULL;
  if (s.object.kind == TermKind::literal) {
    if (!s.object.language.empty()) {
      language = node(SERD_LITERAL, s.object.language);
    } else if (!s.object.datatype.empty()) {
      datatype = node(SERD_URI, s.object.datatype);
    }
  }
  // Turtle has no graphs: a Turtle file holds one run's graph as triples.
  SerdNode graph = SERD_NODE_NULL;
  if (format_ != FileFormat::turtle && !s.graph.empty()) {
    graph = node(SERD_URI, s.graph);
  }
  const SerdStatus status =
      serd_writer_write_statement(writer_.get(), 0, graph.buf ? &graph : nullptr, &subject,
                                  &predicate, &object, datatype.buf ? &datatype : nullptr,
                                  language.buf ? &language : nullptr);
  if (status != SERD_SUCCESS) {
    throw std::runtime_error(std::string("cannot write statement: ") +
                             reinterpret_cast<const char*>(serd_strerror(status)));
  }
}

void SerdStreamWriter::finish() { serd_writer_finish(writer_.get()); }

}  // namespace torchprov::detail
