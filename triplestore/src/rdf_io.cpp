#include "rdf_io.h"

#include <serd/serd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string>

namespace torchprov::triplestore {

ParseError::ParseError(std::string file_name, std::size_t line_number, std::size_t column_number,
                       const std::string& message)
    : std::runtime_error(file_name + ":" + std::to_string(line_number) + ":" + std::to_string(column_number) +
                         ": " + message),
      file(std::move(file_name)),
      line(line_number),
      column(column_number) {}

std::optional<RdfFormat> format_from_name(std::string_view name) {
  if (name == "turtle" || name == "ttl") return RdfFormat::turtle;
  if (name == "ntriples" || name == "nt" || name == "n-triples") return RdfFormat::ntriples;
  if (name == "nquads" || name == "nq" || name == "n-quads") return RdfFormat::nquads;
  if (name == "trig") return RdfFormat::trig;
  return std::nullopt;
}

std::optional<RdfFormat> format_from_path(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  if (ext.empty()) return std::nullopt;
  return format_from_name(std::string_view(ext).substr(1));
}

namespace rdf_io {
namespace {

constexpr std::string_view xsd_string = "http://www.w3.org/2001/XMLSchema#string";

SerdSyntax syntax_of(RdfFormat format) {
  switch (format) {
    case RdfFormat::turtle: return SERD_TURTLE;
    case RdfFormat::ntriples: return SERD_NTRIPLES;
    case RdfFormat::nquads: return SERD_NQUADS;
    case RdfFormat::trig: return SERD_TRIG;
  }
  return SERD_TURTLE;
}

struct ReaderDeleter {
  void operator()(SerdReader* r) const { serd_reader_free(r); }
};
struct EnvDeleter {
  void operator()(SerdEnv* e) const { serd_env_free(e); }
};
struct WriterDeleter {
  void operator()(SerdWriter* w) const { serd_writer_free(w); }
};
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// A node Serd allocated (serd_env_expand_node); freed on scope exit.
class OwnedNode {
 public:
  explicit OwnedNode(SerdNode node) : node_(node) {}
  ~OwnedNode() { serd_node_free(&node_); }
  OwnedNode(const OwnedNode&) = delete;
  OwnedNode& operator=(const OwnedNode&) = delete;
  const SerdNode& get() const { return node_; }

 private:
  SerdNode node_;
};

std::string_view view(const SerdNode& node) {
  return {reinterpret_cast<const char*>(node.buf), node.n_bytes};
}

// State of one parse: the environment for prefixes and the base URI, the
// handler and the first error Serd reported.
struct ParseContext {
  std::unique_ptr<SerdEnv, EnvDeleter> env;
  const StatementHandler* handler;
  std::string name;
  std::string blank_prefix;
  bool failed = false;
  std::size_t line = 0, column = 0;
  std::string message;
  Statement statement;  // reused: its strings keep their capacity
  Term graph;

  void fail(std::string text) {
    if (failed) return;
    failed = true;
    message = std::move(text);
  }

  // IRI text for a URI or CURIE node, resolved against the base.
  bool expand(const SerdNode& node, std::string& out) {
    if (node.type == SERD_URI && serd_uri_string_has_scheme(node.buf)) {
      out.assign(view(node));
      return true;
    }
    OwnedNode expanded(serd_env_expand_node(env.get(), &node));
    if (!expanded.get().buf) {
      fail("cannot expand '" + std::string(view(node)) + "' (undefined prefix or bad IRI)");
      return false;
    }
    out.assign(view(expanded.get()));
    return true;
  }

  bool to_term(const SerdNode& node, Term& term) {
    term.datatype.clear();
    term.language.clear();
    switch (node.type) {
      case SERD_URI:
      case SERD_CURIE:
        term.kind = TermKind::iri;
        return expand(node, term.value);
      case SERD_BLANK:
        term.kind = TermKind::blank;
        term.value.assign(blank_prefix);
        term.value.append(view(node));
        return true;
      case SERD_LITERAL:
        term.kind = TermKind::literal;
        term.value.assign(view(node));
        return true;
      default:
        fail("unexpected node type");
        return false;
    }
  }
};

SerdStatus on_error(void* handle, const SerdError* error) {
  auto* context = static_cast<ParseContext*>(handle);
  if (context->failed) return SERD_SUCCESS;
  char buffer[512];
  va_list args;
  va_copy(args, *error->args);
  std::vsnprintf(buffer, sizeof buffer, error->fmt, args);
  va_end(args);
  std::string message(buffer);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  context->fail(std::move(message));
  context->line = error->line;
  context->column = error->col;
  return SERD_SUCCESS;
}

SerdStatus on_base(void* handle, const SerdNode* uri) {
  return serd_env_set_base_uri(static_cast<ParseContext*>(handle)->env.get(), uri);
}

SerdStatus on_prefix(void* handle, const SerdNode* name, const SerdNode* uri) {
  return serd_env_set_prefix(static_cast<ParseContext*>(handle)->env.get(), name, uri);
}

SerdStatus on_statement(void* handle, SerdStatementFlags, const SerdNode* graph, const SerdNode* subject,
                        const SerdNode* predicate, const SerdNode* object, const SerdNode* datatype,
                        const SerdNode* language) {
  auto* context = static_cast<ParseContext*>(handle);
  Statement& st = context->statement;
  if (!context->to_term(*subject, st.subject) || !context->to_term(*predicate, st.predicate) ||
      !context->to_term(*object, st.object))
    return SERD_ERR_BAD_SYNTAX;
  if (object->type == SERD_LITERAL) {
    if (language && language->buf) {
      st.object.language.assign(view(*language));
    } else if (datatype && datatype->buf) {
      if (!context->expand(*datatype, st.object.datatype)) return SERD_ERR_BAD_SYNTAX;
      if (st.object.datatype == xsd_string) st.object.datatype.clear();
    }
  }
  st.graph.clear();
  if (graph && graph->buf) {
    Term& g = context->graph;  // reused: keeps its capacity
    if (!context->to_term(*graph, g)) return SERD_ERR_BAD_SYNTAX;
    if (g.kind == TermKind::blank) st.graph = "_:";  // graph names are strings; keep blank-ness visible
    st.graph += g.value;
  }
  (*context->handler)(st);
  return SERD_SUCCESS;
}

template <class Read>
void parse(RdfFormat format, const StatementHandler& handler, std::string_view name, std::string_view blank_prefix,
           const std::string& base, Read&& read) {
  ParseContext context;
  SerdNode base_node = serd_node_from_string(SERD_URI, reinterpret_cast<const uint8_t*>(base.c_str()));
  context.env.reset(serd_env_new(base.empty() ? nullptr : &base_node));
  context.handler = &handler;
  context.name = std::string(name);
  context.blank_prefix = std::string(blank_prefix);
  std::unique_ptr<SerdReader, ReaderDeleter> reader(
      serd_reader_new(syntax_of(format), &context, nullptr, on_base, on_prefix, on_statement, nullptr));
  if (!reader) throw std::runtime_error("cannot create a Serd reader");
  serd_reader_set_strict(reader.get(), true);
  serd_reader_set_error_sink(reader.get(), on_error, &context);
  const SerdStatus status = read(reader.get());
  if (context.failed || (status != SERD_SUCCESS && status != SERD_FAILURE))
    throw ParseError(context.name, context.line, context.column,
                     context.failed ? context.message
                                    : std::string(reinterpret_cast<const char*>(serd_strerror(status))));
}

}  // namespace

void parse_file(const std::filesystem::path& file, RdfFormat format, const StatementHandler& handler,
                std::string_view blank_prefix, const std::function<void(std::uint64_t bytes_read)>& bytes_read) {
  std::unique_ptr<std::FILE, FileCloser> stream(std::fopen(file.c_str(), "rb"));
  if (!stream) throw std::runtime_error(file.string() + ": " + std::strerror(errno));
  std::string base = "file://" + std::filesystem::absolute(file).string();
  const std::string name = file.string();
  std::uint32_t count = 0;
  const StatementHandler counting = [&](const Statement& st) {
    handler(st);
    if (++count % 4096 == 0) bytes_read(std::uint64_t(::ftello(stream.get())));
  };
  parse(format, bytes_read ? counting : handler, name, blank_prefix, base, [&](SerdReader* reader) {
    return serd_reader_read_file_handle(reader, stream.get(), reinterpret_cast<const uint8_t*>(name.c_str()));
  });
}

void parse_text(std::string_view text, RdfFormat format, const StatementHandler& handler, std::string_view name,
                std::string_view blank_prefix) {
  const std::string copy(text);  // Serd wants a NUL-terminated buffer
  parse(format, handler, name, blank_prefix, "", [&](SerdReader* reader) {
    return serd_reader_read_string(reader, reinterpret_cast<const uint8_t*>(copy.c_str()));
  });
}

// ------------------------------------------------------------------ writer

struct Writer::Impl {
  std::ostream* out;
  RdfFormat format;
  std::unique_ptr<SerdEnv, EnvDeleter> env{serd_env_new(nullptr)};
  std::unique_ptr<SerdWriter, WriterDeleter> writer;
  bool finished = false;

  static std::size_t sink(const void* buf, std::size_t len, void* stream) {
    static_cast<std::ostream*>(stream)->write(static_cast<const char*>(buf), std::streamsize(len));
    return len;
  }

  static SerdNode node_of(const std::string& text, SerdType type) {
    return serd_node_from_substring(type, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }

  static SerdNode node_of(const Term& term) {
    switch (term.kind) {
      case TermKind::iri: return node_of(term.value, SERD_URI);
      case TermKind::blank: return node_of(term.value, SERD_BLANK);
      case TermKind::literal: {
        // Without the newline/quote flags Serd writes a one-line string with
        // every control character escaped; its long-string form would pass
        // a bare \r through, which readers normalise away.
        SerdNode node = node_of(term.value, SERD_LITERAL);
        node.flags = 0;
        return node;
      }
    }
    return SERD_NODE_NULL;
  }
};

Writer::Writer(std::ostream& out, RdfFormat format) : impl_(std::make_unique<Impl>()) {
  impl_->out = &out;
  impl_->format = format;
  const bool pretty = format == RdfFormat::turtle || format == RdfFormat::trig;
  if (pretty) {
    auto prefix = [&](const char* name, std::string_view iri) {
      serd_env_set_prefix_from_strings(impl_->env.get(), reinterpret_cast<const uint8_t*>(name),
                                       reinterpret_cast<const uint8_t*>(std::string(iri).c_str()));
    };
    prefix("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#");
    prefix("rdfs", "http://www.w3.org/2000/01/rdf-schema#");
    prefix("xsd", "http://www.w3.org/2001/XMLSchema#");
    prefix("prov", prov_namespace);
    prefix("dl", dl_namespace);
    // Python prov names bundles by qualified names: it needs a prefix for run IRIs.
    prefix("tp", "https://w3id.org/torchprov/");
  }
  const auto style = SerdStyle(pretty ? (SERD_STYLE_ABBREVIATED | SERD_STYLE_CURIED) : 0);
  impl_->writer.reset(
      serd_writer_new(syntax_of(format), style, impl_->env.get(), nullptr, &Impl::sink, impl_->out));
  if (!impl_->writer) throw std::runtime_error("cannot create a Serd writer");
  if (pretty)
    serd_env_foreach(impl_->env.get(), reinterpret_cast<SerdPrefixSink>(serd_writer_set_prefix),
                     impl_->writer.get());
}

Writer::~Writer() {
  try {
    finish();
  } catch (...) {
  }
}

void Writer::write(const Statement& st) {
  const SerdNode subject = Impl::node_of(st.subject);
  const SerdNode predicate = Impl::node_of(st.predicate);
  const SerdNode object = Impl::node_of(st.object);
  SerdNode datatype = SERD_NODE_NULL, language = SERD_NODE_NULL, graph = SERD_NODE_NULL;
  if (st.object.kind == TermKind::literal) {
    if (!st.object.language.empty())
      language = Impl::node_of(st.object.language, SERD_LITERAL);
    else if (!st.object.datatype.empty())
      datatype = Impl::node_of(st.object.datatype, SERD_URI);
  }
  const bool quads = impl_->format == RdfFormat::nquads || impl_->format == RdfFormat::trig;
  if (quads && !st.graph.empty() && st.graph != default_graph_iri) {
    if (st.graph.starts_with("_:"))
      graph = serd_node_from_substring(SERD_BLANK, reinterpret_cast<const uint8_t*>(st.graph.data() + 2),
                                       st.graph.size() - 2);
    else
      graph = Impl::node_of(st.graph, SERD_URI);
  }
  const SerdStatus status = serd_writer_write_statement(
      impl_->writer.get(), 0, graph.buf ? &graph : nullptr, &subject, &predicate, &object,
      datatype.buf ? &datatype : nullptr, language.buf ? &language : nullptr);
  if (status != SERD_SUCCESS)
    throw std::runtime_error(std::string("cannot write statement: ") +
                             reinterpret_cast<const char*>(serd_strerror(status)));
}

void Writer::finish() {
  if (impl_->finished) return;
  impl_->finished = true;
  serd_writer_finish(impl_->writer.get());
  impl_->out->flush();
}

}  // namespace rdf_io
}  // namespace torchprov::triplestore
