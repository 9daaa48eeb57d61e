// Test helper: parse an RDF file with Serd into Statements.
#pragma once

#include <serd/serd.h>
#include <torchprov/rdf.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_support {

struct ReadState {
  std::vector<torchprov::Statement> statements;
  SerdEnv* env;
};

inline std::string text(const SerdNode* n) { return n ? std::string(reinterpret_cast<const char*>(n->buf), n->n_bytes) : ""; }

inline torchprov::Term term(const SerdNode* n, const SerdNode* datatype, const SerdNode* lang, SerdEnv* env) {
  using torchprov::Term;
  if (n->type == SERD_BLANK) return Term::blank(text(n));
  if (n->type == SERD_LITERAL) {
    Term t = Term::literal(text(n));
    if (lang) t.language = text(lang);
    if (datatype) {
      if (datatype->type == SERD_CURIE) {
        SerdChunk prefix, suffix;
        serd_env_expand(env, datatype, &prefix, &suffix);
        t.datatype = std::string(reinterpret_cast<const char*>(prefix.buf), prefix.len) +
                     std::string(reinterpret_cast<const char*>(suffix.buf), suffix.len);
      } else {
        t.datatype = text(datatype);
      }
    }
    return t;
  }
  if (n->type == SERD_CURIE) {
    SerdChunk prefix, suffix;
    serd_env_expand(env, n, &prefix, &suffix);
    return Term::iri(std::string(reinterpret_cast<const char*>(prefix.buf), prefix.len) +
                     std::string(reinterpret_cast<const char*>(suffix.buf), suffix.len));
  }
  return Term::iri(text(n));
}

inline SerdStatus on_statement(void* handle, SerdStatementFlags, const SerdNode* graph, const SerdNode* s,
                               const SerdNode* p, const SerdNode* o, const SerdNode* dt, const SerdNode* lang) {
  auto* state = static_cast<ReadState*>(handle);
  state->statements.push_back({term(s, nullptr, nullptr, state->env), term(p, nullptr, nullptr, state->env),
                               term(o, dt, lang, state->env), graph ? text(graph) : ""});
  return SERD_SUCCESS;
}
inline SerdStatus on_prefix(void* handle, const SerdNode* name, const SerdNode* uri) {
  return serd_env_set_prefix(static_cast<ReadState*>(handle)->env, name, uri);
}

// Throws if the file is not a complete, valid document of its syntax.
inline std::vector<torchprov::Statement> read_rdf(const std::filesystem::path& path, SerdSyntax syntax) {
  ReadState state;
  state.env = serd_env_new(nullptr);
  SerdReader* reader = serd_reader_new(syntax, &state, nullptr, nullptr, on_prefix, on_statement, nullptr);
  serd_reader_set_strict(reader, true);
  serd_reader_set_error_sink(reader, [](void*, const SerdError*) { return SERD_SUCCESS; }, nullptr);
  const SerdStatus status = serd_reader_read_file(reader, reinterpret_cast<const uint8_t*>(path.c_str()));
  serd_reader_free(reader);
  serd_env_free(state.env);
  if (status != SERD_SUCCESS) throw std::runtime_error("invalid RDF in " + path.string());
  return state.statements;
}

}  // namespace test_support
