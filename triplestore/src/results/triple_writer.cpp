#include "triple_writer.h"

#include <serd/serd.h>
#include <torchprov/detail/serd_node.h>

#include <ostream>
#include <stdexcept>
#include <string>

#include "term_syntax.h"

namespace torchprov::triplestore::results {
namespace {

struct EnvDeleter {
  void operator()(SerdEnv* env) const { serd_env_free(env); }
};
struct WriterDeleter {
  void operator()(SerdWriter* writer) const { serd_writer_free(writer); }
};

size_t write_to_ostream(const void* buffer, size_t length, void* stream) {
  static_cast<std::ostream*>(stream)->write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
  return length;
}

SerdNode borrowed_node(SerdType type, std::string_view text) {
  return torchprov::detail::whole_serd_node(type, text);
}

SerdNode borrowed_term_node(const Term& term) {
  switch (term.kind) {
    case TermKind::iri: return borrowed_node(SERD_URI, term.value);
    case TermKind::blank: return borrowed_node(SERD_BLANK, term.value);
    case TermKind::literal: return borrowed_node(SERD_LITERAL, term.value);
  }
  return SERD_NODE_NULL;
}

SerdSyntax serd_syntax(ResultFormat format) {
  switch (format) {
    case ResultFormat::turtle: return SERD_TURTLE;
    case ResultFormat::ntriples: return SERD_NTRIPLES;
    case ResultFormat::nquads: return SERD_NQUADS;
    case ResultFormat::trig: return SERD_TRIG;
    default: break;
  }
  throw std::invalid_argument("'" + std::string(format_name(format)) + "' is not an RDF format");
}

}  // namespace

struct TripleWriter::Impl {
  SerdSyntax syntax;
  std::unique_ptr<SerdEnv, EnvDeleter> env;
  std::unique_ptr<SerdWriter, WriterDeleter> writer;
  bool finished = false;
};

TripleWriter::TripleWriter(ResultFormat format, std::ostream& out) : impl_(std::make_unique<Impl>()) {
  impl_->syntax = serd_syntax(format);
  impl_->env.reset(serd_env_new(nullptr));
  const bool terse = impl_->syntax == SERD_TURTLE || impl_->syntax == SERD_TRIG;
  const auto style = static_cast<SerdStyle>(terse ? (SERD_STYLE_ABBREVIATED | SERD_STYLE_CURIED) : 0);
  impl_->writer.reset(serd_writer_new(impl_->syntax, style, impl_->env.get(), nullptr, &write_to_ostream, &out));
  if (terse) {
    for (const auto& binding : well_known_prefixes) {
      const SerdNode name = borrowed_node(SERD_LITERAL, binding.prefix);
      const SerdNode uri = borrowed_node(SERD_URI, binding.namespace_iri);
      serd_writer_set_prefix(impl_->writer.get(), &name, &uri);
    }
  }
}

TripleWriter::~TripleWriter() {
  if (impl_ && !impl_->finished) {
    try {
      finish();
    } catch (...) {
      // A destructor must not throw; the document is left unterminated.
    }
  }
}

void TripleWriter::write(const Statement& statement) {
  const SerdNode subject = borrowed_term_node(statement.subject);
  const SerdNode predicate = borrowed_term_node(statement.predicate);
  const SerdNode object = borrowed_term_node(statement.object);
  const SerdNode datatype = borrowed_node(SERD_URI, statement.object.datatype);
  const SerdNode language = borrowed_node(SERD_LITERAL, statement.object.language);
  const bool typed = statement.object.kind == TermKind::literal && !statement.object.datatype.empty() &&
                     statement.object.language.empty() && statement.object.datatype != xsd_string;
  const bool tagged = statement.object.kind == TermKind::literal && !statement.object.language.empty();
  const bool quads = impl_->syntax == SERD_NQUADS || impl_->syntax == SERD_TRIG;
  SerdNode graph = SERD_NODE_NULL;
  if (quads && !statement.graph.empty()) {
    graph = statement.graph.starts_with("_:") ? borrowed_node(SERD_BLANK, std::string_view(statement.graph).substr(2))
                                              : borrowed_node(SERD_URI, statement.graph);
  }
  const SerdStatus status =
      serd_writer_write_statement(impl_->writer.get(), 0, graph.buf ? &graph : nullptr, &subject, &predicate, &object,
                                  typed ? &datatype : nullptr, tagged ? &language : nullptr);
  if (status != SERD_SUCCESS) {
    throw std::runtime_error(std::string("cannot write statement: ") +
                             reinterpret_cast<const char*>(serd_strerror(status)));
  }
}

void TripleWriter::finish() {
  impl_->finished = true;
  serd_writer_finish(impl_->writer.get());
}

}  // namespace torchprov::triplestore::results
