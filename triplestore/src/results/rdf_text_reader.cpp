#include "rdf_text_reader.h"

#include <serd/serd.h>

#include <cstdarg>
#include <cstdio>
#include <memory>
#include <optional>

namespace torchprov::triplestore::results {

RdfSyntaxError::RdfSyntaxError(const std::string& message, std::size_t line, std::size_t column)
    : std::runtime_error(message), line(line), column(column) {}

namespace {

struct EnvDeleter {
  void operator()(SerdEnv* env) const { serd_env_free(env); }
};
struct ReaderDeleter {
  void operator()(SerdReader* reader) const { serd_reader_free(reader); }
};
// A node Serd allocated for us (serd_env_expand_node results).
struct OwnedNode {
  SerdNode node = SERD_NODE_NULL;
  OwnedNode() = default;
  explicit OwnedNode(SerdNode n) : node(n) {}
  ~OwnedNode() { serd_node_free(&node); }
  OwnedNode(const OwnedNode&) = delete;
  OwnedNode& operator=(const OwnedNode&) = delete;
};

SerdNode borrowed_uri_node(const std::string& text) {
  return serd_node_from_substring(SERD_URI, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::string node_text(const SerdNode& node) {
  return std::string(reinterpret_cast<const char*>(node.buf), node.n_bytes);
}

// Collects statements; one instance per read call, so nothing is shared.
class StatementCollector {
 public:
  explicit StatementCollector(const RdfReadOptions& options) {
    const std::string& base = options.base_iri;
    SerdNode base_node = borrowed_uri_node(base);
    env_.reset(serd_env_new(base.empty() ? nullptr : &base_node));
  }

  static SerdStatus on_base(void* handle, const SerdNode* uri) {
    auto* self = static_cast<StatementCollector*>(handle);
    return serd_env_set_base_uri(self->env_.get(), uri);
  }
  static SerdStatus on_prefix(void* handle, const SerdNode* name, const SerdNode* uri) {
    auto* self = static_cast<StatementCollector*>(handle);
    return serd_env_set_prefix(self->env_.get(), name, uri);
  }
  static SerdStatus on_statement(void* handle, SerdStatementFlags, const SerdNode* graph, const SerdNode* subject,
                                 const SerdNode* predicate, const SerdNode* object, const SerdNode* datatype,
                                 const SerdNode* language) {
    auto* self = static_cast<StatementCollector*>(handle);
    try {
      Statement statement;
      statement.subject = self->to_term(*subject);
      statement.predicate = self->to_term(*predicate);
      statement.object = self->to_term(*object);
      if (object->type == SERD_LITERAL) {
        if (datatype != nullptr && datatype->buf != nullptr) statement.object.datatype = self->expand(*datatype);
        if (language != nullptr && language->buf != nullptr) statement.object.language = node_text(*language);
      }
      if (graph != nullptr && graph->buf != nullptr) {
        const Term graph_term = self->to_term(*graph);
        statement.graph = graph_term.kind == TermKind::blank ? "_:" + graph_term.value : graph_term.value;
      }
      self->statements_.push_back(std::move(statement));
    } catch (const RdfSyntaxError& error) {
      if (!self->first_error_) self->first_error_ = error.what();
      return SERD_ERR_BAD_CURIE;
    }
    return SERD_SUCCESS;
  }
  static SerdStatus on_error(void* handle, const SerdError* error) {
    auto* self = static_cast<StatementCollector*>(handle);
    if (!self->first_error_) {
      char message[512];
      va_list args;
      va_copy(args, *error->args);
      std::vsnprintf(message, sizeof message, error->fmt, args);
      va_end(args);
      std::string text = message;
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      self->first_error_ = text;
      self->error_line_ = error->line;
      self->error_column_ = error->col;
    }
    return SERD_SUCCESS;
  }

  std::vector<Statement> take_statements() { return std::move(statements_); }
  const std::optional<std::string>& first_error() const { return first_error_; }
  std::size_t error_line() const { return error_line_; }
  std::size_t error_column() const { return error_column_; }

 private:
  std::string expand(const SerdNode& node) const {
    OwnedNode expanded(serd_env_expand_node(env_.get(), &node));
    if (expanded.node.buf == nullptr) {
      if (node.type == SERD_URI) return node_text(node);  // no base to resolve against
      throw RdfSyntaxError("cannot expand '" + node_text(node) + "'", 0, 0);
    }
    return node_text(expanded.node);
  }

  Term to_term(const SerdNode& node) const {
    switch (node.type) {
      case SERD_URI:
      case SERD_CURIE: return Term::iri(expand(node));
      case SERD_BLANK: return Term::blank(node_text(node));
      case SERD_LITERAL: return Term::literal(node_text(node));
      case SERD_NOTHING: break;
    }
    throw RdfSyntaxError("unexpected empty node", 0, 0);
  }

  std::unique_ptr<SerdEnv, EnvDeleter> env_;
  std::vector<Statement> statements_;
  std::optional<std::string> first_error_;
  std::size_t error_line_ = 0, error_column_ = 0;
};

SerdSyntax to_serd(RdfSyntax syntax) {
  switch (syntax) {
    case RdfSyntax::turtle: return SERD_TURTLE;
    case RdfSyntax::ntriples: return SERD_NTRIPLES;
    case RdfSyntax::nquads: return SERD_NQUADS;
    case RdfSyntax::trig: return SERD_TRIG;
  }
  return SERD_TURTLE;
}

}  // namespace

std::vector<Statement> read_rdf_text(std::string_view text, RdfSyntax syntax, const RdfReadOptions& options) {
  // Serd 0.30 reports "bad verb" for a document with no statements at all.
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  StatementCollector collector(options);
  std::unique_ptr<SerdReader, ReaderDeleter> reader(
      serd_reader_new(to_serd(syntax), &collector, nullptr, &StatementCollector::on_base,
                      &StatementCollector::on_prefix, &StatementCollector::on_statement, nullptr));
  serd_reader_set_error_sink(reader.get(), &StatementCollector::on_error, &collector);
  if (!options.blank_prefix.empty()) {
    serd_reader_add_blank_prefix(reader.get(), reinterpret_cast<const uint8_t*>(options.blank_prefix.c_str()));
  }
  const std::string terminated(text);  // Serd reads a NUL-terminated string
  const SerdStatus status = serd_reader_read_string(reader.get(), reinterpret_cast<const uint8_t*>(terminated.c_str()));
  if (collector.first_error() || status > SERD_FAILURE) {
    const std::string message =
        collector.first_error() ? *collector.first_error()
                                : std::string(reinterpret_cast<const char*>(serd_strerror(status)));
    throw RdfSyntaxError(message, collector.error_line(), collector.error_column());
  }
  return collector.take_statements();
}

std::optional<RdfSyntax> rdf_syntax_for_path(std::string_view path) {
  if (path.ends_with(".ttl") || path.ends_with(".turtle")) return RdfSyntax::turtle;
  if (path.ends_with(".nt")) return RdfSyntax::ntriples;
  if (path.ends_with(".nq")) return RdfSyntax::nquads;
  if (path.ends_with(".trig")) return RdfSyntax::trig;
  return std::nullopt;
}

}  // namespace torchprov::triplestore::results
