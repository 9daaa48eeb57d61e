#include "redland_model.h"

#include <redland.h>

#include <stdexcept>

namespace torchprov::triplestore::redland {

void WorldDeleter::operator()(librdf_world_s* w) const { librdf_free_world(w); }
void StorageDeleter::operator()(librdf_storage_s* s) const { librdf_free_storage(s); }
void ModelDeleter::operator()(librdf_model_s* m) const { librdf_free_model(m); }

namespace {

struct StatementDeleter {
  void operator()(librdf_statement* s) const { librdf_free_statement(s); }
};
struct StreamDeleter {
  void operator()(librdf_stream* s) const { librdf_free_stream(s); }
};
struct NodeDeleter {
  void operator()(librdf_node* n) const { librdf_free_node(n); }
};
using NodePtr = std::unique_ptr<librdf_node, NodeDeleter>;
struct UriDeleter {
  void operator()(librdf_uri* u) const { librdf_free_uri(u); }
};

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.c_str()); }

Term term_of(librdf_node* node) {
  std::size_t len = 0;
  switch (librdf_node_get_type(node)) {
    case LIBRDF_NODE_TYPE_RESOURCE: {
      const unsigned char* s = librdf_uri_as_counted_string(librdf_node_get_uri(node), &len);
      return Term::iri(std::string(reinterpret_cast<const char*>(s), len));
    }
    case LIBRDF_NODE_TYPE_BLANK: {
      const unsigned char* s = librdf_node_get_counted_blank_identifier(node, &len);
      return Term::blank(std::string(reinterpret_cast<const char*>(s), len));
    }
    case LIBRDF_NODE_TYPE_LITERAL: {
      const unsigned char* s = librdf_node_get_literal_value_as_counted_string(node, &len);
      Term t = Term::literal(std::string(reinterpret_cast<const char*>(s), len));
      if (const char* lang = librdf_node_get_literal_value_language(node)) t.language = lang;
      if (librdf_uri* dt = librdf_node_get_literal_value_datatype_uri(node))
        t.datatype = reinterpret_cast<const char*>(librdf_uri_as_string(dt));
      if (t.datatype == "http://www.w3.org/2001/XMLSchema#string") t.datatype.clear();
      return t;
    }
    default: throw std::runtime_error("redland: unknown node type");
  }
}

}  // namespace

Model::Model(const std::string& storage, const std::string& name, const std::string& options) {
  world_.reset(librdf_new_world());
  if (!world_) throw std::runtime_error("redland: cannot create a world");
  librdf_world_open(world_.get());
  storage_.reset(librdf_new_storage(world_.get(), storage.c_str(), name.c_str(), options.c_str()));
  if (!storage_)
    throw std::runtime_error("redland: cannot open storage '" + storage + "' name '" + name + "' options \"" +
                             options + "\" (is the storage module installed?)");
  model_.reset(librdf_new_model(world_.get(), storage_.get(), nullptr));
  if (!model_) throw std::runtime_error("redland: cannot create a model on storage '" + storage + "'");
}

namespace {
NodePtr make_node(librdf_world* world, const Term& term) {
  librdf_node* n = nullptr;
  switch (term.kind) {
    case TermKind::iri: n = librdf_new_node_from_uri_string(world, bytes(term.value)); break;
    case TermKind::blank: n = librdf_new_node_from_blank_identifier(world, bytes(term.value)); break;
    case TermKind::literal: {
      std::unique_ptr<librdf_uri, UriDeleter> datatype;
      if (!term.datatype.empty()) datatype.reset(librdf_new_uri(world, bytes(term.datatype)));
      n = librdf_new_node_from_typed_counted_literal(
          world, bytes(term.value), term.value.size(), term.language.empty() ? nullptr : term.language.c_str(),
          term.language.size(), datatype.get());
      break;
    }
  }
  if (!n) throw std::runtime_error("redland: cannot make a node for '" + term.value + "'");
  return NodePtr(n);
}
}  // namespace

namespace {
// librdf_new_statement_from_nodes takes ownership of the three nodes, so
// they are all made before any is released.
std::unique_ptr<librdf_statement, StatementDeleter> make_statement(librdf_world* world, const Term& s, const Term& p,
                                                                   const Term& o) {
  NodePtr subject = make_node(world, s), predicate = make_node(world, p), object = make_node(world, o);
  std::unique_ptr<librdf_statement, StatementDeleter> st(
      librdf_new_statement_from_nodes(world, subject.release(), predicate.release(), object.release()));
  if (!st) throw std::runtime_error("redland: cannot make a statement");
  return st;
}
}  // namespace

void Model::add(const Term& s, const Term& p, const Term& o, const Term& graph) {
  NodePtr context = make_node(world_.get(), graph);
  auto st = make_statement(world_.get(), s, p, o);
  if (librdf_model_context_add_statement(model_.get(), context.get(), st.get()) != 0)
    throw std::runtime_error("redland: adding a statement failed");
}

void Model::remove(const Term& s, const Term& p, const Term& o, const Term& graph) {
  NodePtr context = make_node(world_.get(), graph);
  auto st = make_statement(world_.get(), s, p, o);
  librdf_model_context_remove_statement(model_.get(), context.get(), st.get());
}

bool Model::contains(const Term& s, const Term& p, const Term& o, const Term& graph) {
  NodePtr context = make_node(world_.get(), graph);
  auto st = make_statement(world_.get(), s, p, o);
  std::unique_ptr<librdf_stream, StreamDeleter> found(
      librdf_model_find_statements_in_context(model_.get(), st.get(), context.get()));
  return found && !librdf_stream_end(found.get());
}

void Model::remove_graph(const Term& graph) {
  NodePtr context = make_node(world_.get(), graph);
  librdf_model_context_remove_statements(model_.get(), context.get());
}

void Model::sync() { librdf_model_sync(model_.get()); }

void Model::for_each(const std::function<void(const Statement&)>& visit) {
  std::unique_ptr<librdf_stream, StreamDeleter> stream(librdf_model_as_stream(model_.get()));
  if (!stream) throw std::runtime_error("redland: cannot list statements");
  Statement out;
  while (!librdf_stream_end(stream.get())) {
    librdf_statement* st = librdf_stream_get_object(stream.get());
    out.subject = term_of(librdf_statement_get_subject(st));
    out.predicate = term_of(librdf_statement_get_predicate(st));
    out.object = term_of(librdf_statement_get_object(st));
    out.graph.clear();
    if (librdf_node* context = librdf_stream_get_context2(stream.get())) {
      Term g = term_of(context);
      out.graph = g.kind == TermKind::blank ? "_:" + g.value : g.value;
    }
    visit(out);
    librdf_stream_next(stream.get());
  }
}

}  // namespace torchprov::triplestore::redland
