#include "rdf_io.h"

#include "rdfxml_reader.h"

#include <serd/serd.h>
#include <torchprov/detail/serd_node.h>

#include <algorithm>
#include <cstdarg>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <utility>
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
  if (name == "rdfxml" || name == "rdf" || name == "owl" || name == "rdf/xml" || name == "xml") return RdfFormat::rdfxml;
  return std::nullopt;
}

std::string_view accepted_rdf_formats() {
  return ".ttl (Turtle), .nt (N-Triples), .nq (N-Quads), .trig (TriG), .rdf or .owl (RDF/XML)";
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
    case RdfFormat::rdfxml: break;  // Raptor's, never Serd's
  }
  throw std::invalid_argument("RDF/XML is read only: write Turtle, N-Triples, N-Quads or TriG");
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
  bool has_base = false;
  bool failed = false;
  std::size_t line = 0, column = 0;
  std::string message;
  Statement statement;  // reused: its strings keep their capacity
  Term graph;

  std::string failed_token;  // what a failure of ours (not Serd's) is about, to find where it is

  void fail(std::string text, std::string token = {}) {
    if (failed) return;
    failed = true;
    message = std::move(text);
    failed_token = std::move(token);
  }

  // IRI text for a URI or CURIE node, resolved against the base.
  bool expand(const SerdNode& node, std::string& out) {
    if (node.type == SERD_URI && serd_uri_string_has_scheme(node.buf)) {
      out.assign(view(node));
      return true;
    }
    OwnedNode expanded(serd_env_expand_node(env.get(), &node));
    if (!expanded.get().buf) {
      fail("cannot expand '" + std::string(view(node)) + "' (undefined prefix or bad IRI)", std::string(view(node)));
      return false;
    }
    // Without a base a relative IRI stays relative: not an RDF term, and a
    // file it is exported to would read it back as another IRI.
    if (!serd_uri_string_has_scheme(expanded.get().buf)) {
      fail("relative IRI <" + std::string(view(expanded.get())) + "> and no base IRI to resolve it against" +
               (has_base ? "" : " (give @base or absolute IRIs)"),
           node.type == SERD_URI ? "<" + std::string(view(node)) + ">" : std::string(view(node)));
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
  auto* context = static_cast<ParseContext*>(handle);
  const SerdStatus status = serd_env_set_base_uri(context->env.get(), uri);
  if (status != SERD_SUCCESS)
    context->fail("cannot use <" + std::string(view(*uri)) + "> as the base IRI", std::string(view(*uri)));
  if (status == SERD_SUCCESS) {
    SerdNode base = *serd_env_get_base_uri(context->env.get(), nullptr);
    context->has_base = base.buf && serd_uri_string_has_scheme(base.buf);
  }
  return status;
}

SerdStatus on_prefix(void* handle, const SerdNode* name, const SerdNode* uri) {
  auto* context = static_cast<ParseContext*>(handle);
  const SerdStatus status = serd_env_set_prefix(context->env.get(), name, uri);
  // Serd passes a callback's failure on without a message or a position.
  if (status != SERD_SUCCESS)
    context->fail("cannot use <" + std::string(view(*uri)) + "> as the IRI of prefix '" + std::string(view(*name)) +
                      ":' (not an absolute IRI, and no base to resolve it against)",
                  std::string(view(*uri)));
  return status;
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

// The text as a byte source Serd reads page by page, the way it reads a
// file: a NUL byte is a byte like any other (reading the text as a C string
// stopped at the first one and silently dropped the rest).
struct TextSource {
  std::string_view rest;
  static std::size_t read(void* buffer, std::size_t, std::size_t count, void* stream) {
    auto* self = static_cast<TextSource*>(stream);
    const std::size_t n = std::min(count, self->rest.size());
    std::memcpy(buffer, self->rest.data(), n);
    self->rest.remove_prefix(n);
    return n;
  }
  static int error(void*) { return 0; }
};


// Line and column (1-based) of the first `token` in `text`; 1:1 when it
// is not there.  Serd reports positions for its own errors only; the
// statement callback learns of a bad prefix or a relative IRI without one.
std::pair<std::size_t, std::size_t> position_of(std::string_view text, std::string_view token) {
  const std::size_t at = token.empty() ? std::string_view::npos : text.find(token);
  if (at == std::string_view::npos) return {1, 1};
  const std::size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
  const std::size_t line = 1 + std::size_t(std::count(text.begin(), text.begin() + std::ptrdiff_t(at), '\n'));
  return {line, at - (line_start == std::string_view::npos || at == 0 ? std::size_t(-1) : line_start)};
}

// Line and column (1-based) of byte `offset` of `text`.
std::pair<std::size_t, std::size_t> position_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::size_t line = 1 + std::size_t(std::count(text.begin(), text.begin() + std::ptrdiff_t(offset), '\n'));
  const std::size_t line_start = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  return {line, line_start == std::string_view::npos ? offset + 1 : offset - line_start};
}

SerdStatus ignore_statement(void*, SerdStatementFlags, const SerdNode*, const SerdNode*, const SerdNode*,
                            const SerdNode*, const SerdNode*, const SerdNode*) {
  return SERD_SUCCESS;
}

// Where Serd stops in `text`: some of its failures come without a message
// or a position.  The text is read again a byte at a time, so the bytes
// handed over when it stops say where.
std::pair<std::size_t, std::size_t> where_serd_stops(RdfFormat format, std::string_view text, const std::string& base) {
  ParseContext context;
  SerdNode base_node = serd_node_from_string(SERD_URI, reinterpret_cast<const uint8_t*>(base.c_str()));
  context.env.reset(serd_env_new(base.empty() ? nullptr : &base_node));
  std::unique_ptr<SerdReader, ReaderDeleter> reader(
      serd_reader_new(syntax_of(format), &context, nullptr, on_base, on_prefix, ignore_statement, nullptr));
  if (!reader) return {1, 1};
  serd_reader_set_strict(reader.get(), true);
  serd_reader_set_error_sink(reader.get(), on_error, &context);
  TextSource source{text};
  serd_reader_read_source(reader.get(), &TextSource::read, &TextSource::error, &source,
                          reinterpret_cast<const uint8_t*>("text"), 1);
  if (context.line > 0) return {context.line, context.column};
  const std::size_t consumed = text.size() - source.rest.size();
  return position_at(text, consumed == 0 ? 0 : consumed - 1);
}

template <class Read>
void parse(RdfFormat format, const StatementHandler& handler, std::string_view name, std::string_view blank_prefix,
           const std::string& base, const std::function<std::string()>& source_text, Read&& read) {
  ParseContext context;
  SerdNode base_node = serd_node_from_string(SERD_URI, reinterpret_cast<const uint8_t*>(base.c_str()));
  context.env.reset(serd_env_new(base.empty() ? nullptr : &base_node));
  context.has_base = !base.empty();
  context.handler = &handler;
  context.name = std::string(name);
  context.blank_prefix = std::string(blank_prefix);
  std::unique_ptr<SerdReader, ReaderDeleter> reader(
      serd_reader_new(syntax_of(format), &context, nullptr, on_base, on_prefix, on_statement, nullptr));
  if (!reader) throw std::runtime_error("cannot create a Serd reader");
  serd_reader_set_strict(reader.get(), true);
  serd_reader_set_error_sink(reader.get(), on_error, &context);
  const SerdStatus status = read(reader.get());
  const bool serd_failed = status != SERD_SUCCESS && status != SERD_FAILURE;
  if ((context.failed || serd_failed) && context.line == 0) {
    const std::string text = source_text();
    const auto [line, column] = context.failed && text.find(context.failed_token) != std::string::npos
                                    ? position_of(text, context.failed_token)
                                    : where_serd_stops(format, text, base);
    context.line = line;
    context.column = column;
  }
  if (context.failed || (status != SERD_SUCCESS && status != SERD_FAILURE))
    throw ParseError(context.name, context.line, context.column,
                     context.failed ? context.message
                                    : std::string(reinterpret_cast<const char*>(serd_strerror(status))));
}

}  // namespace

namespace {

// fread that counts the bytes it hands to Serd (a page at a time) and tells
// `bytes_read` every 256 kB or 250 ms, so that a progress line knows how far
// the parser is: pipes included, where ftell cannot help, and slow sources
// that take long to fill a page.
struct CountingFile {
  std::FILE* file;
  const std::function<void(std::uint64_t bytes_read)>* bytes_read;
  std::uint64_t total = 0, told = 0;
  std::chrono::steady_clock::time_point told_at = std::chrono::steady_clock::now();

  static std::size_t read(void* buffer, std::size_t size, std::size_t count, void* stream) {
    auto* self = static_cast<CountingFile*>(stream);
    const std::size_t n = std::fread(buffer, size, count, self->file);
    self->total += n * size;
    const auto now = std::chrono::steady_clock::now();
    if (self->total - self->told >= (256 << 10) || now - self->told_at >= std::chrono::milliseconds(250)) {
      (*self->bytes_read)(self->total);
      self->told = self->total;
      self->told_at = now;
    }
    return n;
  }
  static int error(void* stream) { return std::ferror(static_cast<CountingFile*>(stream)->file); }
};

}  // namespace

void parse_file(const std::filesystem::path& file, RdfFormat format, const StatementHandler& handler,
                std::string_view blank_prefix, const std::function<void(std::uint64_t bytes_read)>& bytes_read) {
  if (format == RdfFormat::rdfxml) {
    // Raptor reads the whole file in one call: the progress hears its end.
    parse_rdfxml_file(file, handler, blank_prefix);
    if (bytes_read) bytes_read(std::uint64_t(std::filesystem::file_size(file)));
    return;
  }
  std::unique_ptr<std::FILE, FileCloser> stream(std::fopen(file.c_str(), "rb"));
  if (!stream) throw std::runtime_error(file.string() + ": " + std::strerror(errno));
  std::string base = "file://" + std::filesystem::absolute(file).string();
  const std::string name = file.string();
  const auto text = [&] {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  parse(format, handler, name, blank_prefix, base, text, [&](SerdReader* reader) {
    const auto* serd_name = reinterpret_cast<const uint8_t*>(name.c_str());
    if (!bytes_read) return serd_reader_read_file_handle(reader, stream.get(), serd_name);
    CountingFile counting{stream.get(), &bytes_read};
    return serd_reader_read_source(reader, &CountingFile::read, &CountingFile::error, &counting, serd_name,
                                   4096);  // Serd's own page size for files
  });
}


void parse_text(std::string_view text, RdfFormat format, const StatementHandler& handler, std::string_view name,
                std::string_view blank_prefix, std::string_view base_iri) {
  if (format == RdfFormat::rdfxml)
    return parse_rdfxml_text(text, std::string(base_iri), handler, name, blank_prefix);
  TextSource source{text};
  const std::string source_name(name);
  parse(format, handler, name, blank_prefix, std::string(base_iri), [&] { return std::string(text); },
        [&](SerdReader* reader) {
    return serd_reader_read_source(reader, &TextSource::read, &TextSource::error, &source,
                                   reinterpret_cast<const uint8_t*>(source_name.c_str()), 4096);
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
    return torchprov::detail::whole_serd_node(type, text);
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

namespace {

// Whether Turtle's bare form of a number or boolean reads back as `lexical`
// with `datatype`.  Serd writes xsd:boolean, xsd:integer and xsd:decimal
// literals bare whatever their lexical form ("0"^^xsd:boolean came back as
// the integer 0); others keep the quoted form.
bool bare_form_reads_back(std::string_view datatype, std::string_view lexical) {
  constexpr std::string_view xsd = "http://www.w3.org/2001/XMLSchema#";
  if (!datatype.starts_with(xsd)) return true;
  const std::string_view type = datatype.substr(xsd.size());
  auto digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::string_view unsigned_part = lexical;
  if (!unsigned_part.empty() && (unsigned_part[0] == '+' || unsigned_part[0] == '-')) unsigned_part.remove_prefix(1);
  if (type == "boolean") return lexical == "true" || lexical == "false";
  if (type == "integer") return digits(unsigned_part);
  if (type == "decimal") {
    const auto dot = unsigned_part.find('.');
    return dot != std::string_view::npos && (dot == 0 || digits(unsigned_part.substr(0, dot))) &&
           digits(unsigned_part.substr(dot + 1));
  }
  return true;
}

}  // namespace

void Writer::write(const Statement& st) {
  const SerdNode subject = Impl::node_of(st.subject);
  const SerdNode predicate = Impl::node_of(st.predicate);
  const SerdNode object = Impl::node_of(st.object);
  SerdNode datatype = SERD_NODE_NULL, language = SERD_NODE_NULL, graph = SERD_NODE_NULL;
  std::string curie;
  if (st.object.kind == TermKind::literal) {
    if (!st.object.language.empty()) {
      language = Impl::node_of(st.object.language, SERD_LITERAL);
    } else if (!st.object.datatype.empty()) {
      datatype = Impl::node_of(st.object.datatype, SERD_URI);
      const bool pretty = impl_->format == RdfFormat::turtle || impl_->format == RdfFormat::trig;
      if (pretty && !bare_form_reads_back(st.object.datatype, st.object.value)) {
        // As a CURIE the datatype is not recognised for the bare form.
        curie = "xsd:" + st.object.datatype.substr(st.object.datatype.find('#') + 1);
        datatype = Impl::node_of(curie, SERD_CURIE);
      }
    }
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
