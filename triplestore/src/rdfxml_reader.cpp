#include "rdfxml_reader.h"

#include <raptor2.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>

namespace torchprov::triplestore::rdf_io {
namespace {

constexpr std::string_view xsd_string = "http://www.w3.org/2001/XMLSchema#string";

struct WorldDeleter {
  void operator()(raptor_world* world) const { raptor_free_world(world); }
};
struct ParserDeleter {
  void operator()(raptor_parser* parser) const { raptor_free_parser(parser); }
};
struct UriDeleter {
  void operator()(raptor_uri* uri) const { raptor_free_uri(uri); }
};
struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

std::string_view uri_text(raptor_uri* uri) {
  std::size_t length = 0;
  const unsigned char* text = raptor_uri_as_counted_string(uri, &length);
  return {reinterpret_cast<const char*>(text), length};
}

// One parse: the handler, the first error and where it was, and an
// exception the handler threw (kept here: it must not cross Raptor's C frames).
class RdfXmlParse {
 public:
  RdfXmlParse(const StatementHandler& handler, std::string name, std::string_view blank_prefix)
      : handler_(handler), name_(std::move(name)), blank_prefix_(blank_prefix) {
    world_.reset(raptor_new_world());
    if (!world_ || raptor_world_open(world_.get()) != 0) throw std::runtime_error("cannot start Raptor");
    raptor_world_set_log_handler(world_.get(), this, &RdfXmlParse::on_log);
    parser_.reset(raptor_new_parser(world_.get(), "rdfxml"));
    if (!parser_) throw std::runtime_error("Raptor has no RDF/XML parser");
    // A file on disk or a request body is all there is to read.
    raptor_parser_set_option(parser_.get(), RAPTOR_OPTION_NO_NET, nullptr, 1);
    raptor_parser_set_option(parser_.get(), RAPTOR_OPTION_NO_FILE, nullptr, 1);
    raptor_parser_set_option(parser_.get(), RAPTOR_OPTION_LOAD_EXTERNAL_ENTITIES, nullptr, 0);
    raptor_parser_set_statement_handler(parser_.get(), this, &RdfXmlParse::on_statement);
  }

  raptor_parser* parser() { return parser_.get(); }
  raptor_uri* uri(const std::string& text) {
    base_.reset(raptor_new_uri(world_.get(), reinterpret_cast<const unsigned char*>(text.c_str())));
    if (!base_) throw std::runtime_error("bad base IRI " + text);
    return base_.get();
  }

  // After the parse: the handler's exception, then the first error, as thrown.
  void finish(int status) {
    if (handler_error_) std::rethrow_exception(handler_error_);
    if (failed_) throw ParseError(name_, line_, column_, message_);
    if (status != 0) throw ParseError(name_, 0, 0, "RDF/XML parse failed");
  }

 private:
  static void on_log(void* self, raptor_log_message* message) {
    auto* parse = static_cast<RdfXmlParse*>(self);
    if (message->level < RAPTOR_LOG_LEVEL_ERROR || parse->failed_) return;
    parse->failed_ = true;
    parse->message_ = message->text ? message->text : "RDF/XML error";
    // XML (libxml2) errors come without a locator: the parser's own says where it is.
    const raptor_locator* where = message->locator;
    if (!where || where->line < 0) where = raptor_parser_get_locator(parse->parser_.get());
    if (where) {
      parse->line_ = static_cast<std::size_t>(std::max(0, where->line));
      parse->column_ = static_cast<std::size_t>(std::max(0, where->column));
    }
    raptor_parser_parse_abort(parse->parser_.get());
  }

  static void on_statement(void* self, raptor_statement* triple) {
    auto* parse = static_cast<RdfXmlParse*>(self);
    if (parse->failed_ || parse->handler_error_) return;
    try {
      Statement& st = parse->statement_;
      parse->to_term(triple->subject, st.subject);
      parse->to_term(triple->predicate, st.predicate);
      parse->to_term(triple->object, st.object);
      st.graph.clear();
      parse->handler_(st);
    } catch (...) {
      parse->handler_error_ = std::current_exception();
      raptor_parser_parse_abort(parse->parser_.get());
    }
  }

  void to_term(const raptor_term* from, Term& term) const {
    term.datatype.clear();
    term.language.clear();
    switch (from->type) {
      case RAPTOR_TERM_TYPE_URI:
        term.kind = TermKind::iri;
        term.value.assign(uri_text(from->value.uri));
        return;
      case RAPTOR_TERM_TYPE_BLANK:
        term.kind = TermKind::blank;
        term.value.assign(blank_prefix_);
        term.value.append(reinterpret_cast<const char*>(from->value.blank.string), from->value.blank.string_len);
        return;
      case RAPTOR_TERM_TYPE_LITERAL: {
        const raptor_term_literal_value& literal = from->value.literal;
        term.kind = TermKind::literal;
        term.value.assign(reinterpret_cast<const char*>(literal.string), literal.string_len);
        if (literal.language && literal.language_len > 0) {
          term.language.assign(reinterpret_cast<const char*>(literal.language), literal.language_len);
        } else if (literal.datatype) {
          term.datatype.assign(uri_text(literal.datatype));
          if (term.datatype == xsd_string) term.datatype.clear();
        }
        return;
      }
      case RAPTOR_TERM_TYPE_UNKNOWN: break;
    }
    throw std::runtime_error("Raptor gave a term of unknown type");
  }

  const StatementHandler& handler_;
  std::string name_;
  std::string blank_prefix_;
  std::unique_ptr<raptor_world, WorldDeleter> world_;
  std::unique_ptr<raptor_parser, ParserDeleter> parser_;
  std::unique_ptr<raptor_uri, UriDeleter> base_;
  Statement statement_;  // reused: its strings keep their capacity
  bool failed_ = false;
  std::size_t line_ = 0, column_ = 0;
  std::string message_;
  std::exception_ptr handler_error_;
};

}  // namespace

void parse_rdfxml_file(const std::filesystem::path& file, const StatementHandler& handler,
                       std::string_view blank_prefix) {
  std::unique_ptr<std::FILE, FileCloser> stream(std::fopen(file.c_str(), "rb"));
  if (!stream) throw std::runtime_error(file.string() + ": " + std::strerror(errno));
  RdfXmlParse parse(handler, file.string(), blank_prefix);
  const std::string base = "file://" + std::filesystem::absolute(file).lexically_normal().string();
  raptor_uri* base_uri = parse.uri(base);
  const int status = raptor_parser_parse_file_stream(parse.parser(), stream.get(), file.c_str(), base_uri);
  parse.finish(status);
}

void parse_rdfxml_text(std::string_view text, const std::string& base, const StatementHandler& handler,
                       std::string_view name, std::string_view blank_prefix) {
  RdfXmlParse parse(handler, std::string(name), blank_prefix);
  // Raptor's RDF/XML parser needs a base IRI even for documents without relative ones.
  raptor_uri* base_uri = parse.uri(base.empty() ? "urn:x-torchprov:document" : base);
  int status = raptor_parser_parse_start(parse.parser(), base_uri);
  if (status == 0) {
    status = raptor_parser_parse_chunk(parse.parser(), reinterpret_cast<const unsigned char*>(text.data()),
                                       text.size(), 1);
  }
  parse.finish(status);
}

}  // namespace torchprov::triplestore::rdf_io
