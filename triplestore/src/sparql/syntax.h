// The parsed form of SPARQL query and update text (the grammar's structure,
// before translation to the algebra).  Expressions are shared with the later
// stages: the algebra translation fills in variable slots and EXISTS plans.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine.h"

namespace torchprov::triplestore::sparql {

struct Op;  // algebra.h

namespace syntax {
struct GroupPattern;
struct Query;
}  // namespace syntax

enum class ExprKind {
  constant,
  variable,
  logical_or,
  logical_and,
  logical_not,
  equal,
  not_equal,
  less,
  greater,
  less_equal,
  greater_equal,
  in,
  not_in,
  add,
  subtract,
  multiply,
  divide,
  unary_plus,
  unary_minus,
  builtin,   // name = upper-case function keyword, e.g. "STRLEN"
  call,      // name = function IRI (casts, unknown extension functions)
  exists,
  not_exists,
  aggregate,  // name = COUNT, SUM, MIN, MAX, AVG, SAMPLE, GROUP_CONCAT
};

struct Expr {
  ExprKind kind = ExprKind::constant;
  Term constant;
  std::string name;  // variable name, function name or IRI, aggregate name
  int slot = -1;     // variables: filled in by the algebra translation
  std::vector<Expr> args;
  bool distinct = false;  // aggregates
  bool star = false;      // COUNT(*)
  std::string separator = " ";
  std::shared_ptr<const syntax::GroupPattern> group;  // EXISTS, as parsed
  std::shared_ptr<const Op> pattern;                  // EXISTS, translated
};

namespace syntax {

// A variable or an RDF term in a triple pattern or template.
struct VarOrTerm {
  bool is_var = false;
  std::string var;
  Term term;
};

enum class PathKind { link, inverse, sequence, alternative, zero_or_more, one_or_more, zero_or_one, negated };

struct Path {
  PathKind kind = PathKind::link;
  Term iri;                 // link
  std::vector<Path> items;  // inverse: 1, sequence/alternative: n, modifiers: 1,
                            // negated: links and inverse(link)s
};

struct TriplePattern {
  VarOrTerm subject;
  bool predicate_is_path = false;
  VarOrTerm predicate;
  Path path;
  VarOrTerm object;
};

struct ValuesBlock {
  std::vector<std::string> vars;
  std::vector<std::vector<std::optional<Term>>> rows;
};

enum class ElementKind { triples, filter, optional, minus, union_of, graph, bind, values, subselect, group, service };

struct Element {
  ElementKind kind = ElementKind::triples;
  std::vector<TriplePattern> triples;
  Expr expr;                         // filter, bind
  std::string var;                   // bind target
  std::vector<GroupPattern> groups;  // optional/minus/graph/group: 1; union: n
  VarOrTerm graph;                   // graph; service: the endpoint
  ValuesBlock values;
  std::shared_ptr<const Query> subquery;
  bool silent = false;               // service
  std::string service_query;         // service: the SELECT the endpoint is sent
};

struct GroupPattern {
  std::vector<Element> elements;
};

struct SelectItem {
  std::string var;
  std::optional<Expr> expr;
  std::size_t line = 1, column = 1;  // for errors found after parsing
};

struct GroupCondition {
  Expr expr;
  std::string var;  // "(expr AS ?var)"; empty otherwise
};

struct OrderCondition {
  Expr expr;
  bool descending = false;
};

struct Query {
  QueryForm form = QueryForm::select;
  bool distinct = false, reduced = false, select_all = false;
  std::vector<SelectItem> select;
  std::vector<TriplePattern> construct_template;
  std::vector<VarOrTerm> describe;
  bool describe_all = false;
  std::vector<std::string> from, from_named;
  GroupPattern where;
  std::vector<GroupCondition> group_by;
  std::vector<Expr> having;
  std::vector<OrderCondition> order_by;
  std::optional<std::size_t> limit;
  std::size_t offset = 0;
  std::optional<ValuesBlock> values;
  std::string base;  // the base IRI in effect after the prologue (for IRI())
  std::size_t line = 1, column = 1;  // the query form keyword
};

struct QuadTemplate {
  VarOrTerm subject, predicate, object;
  std::optional<VarOrTerm> graph;  // absent: the default graph (or WITH's)
};

enum class TargetKind { default_graph, named_graph, all_named, all };
struct GraphTarget {
  TargetKind kind = TargetKind::default_graph;
  std::string iri;  // named_graph
};

enum class UpdateKind { insert_data, delete_data, modify, load, clear, drop, create, add, move, copy };

struct UpdateOperation {
  UpdateKind kind = UpdateKind::modify;
  bool silent = false;
  std::vector<QuadTemplate> remove, insert;  // data and templates
  std::optional<std::string> with;
  std::vector<std::string> using_graphs, using_named;
  GroupPattern where;
  GraphTarget target;    // clear/drop/create, and the destination of add/move/copy
  GraphTarget source;    // add/move/copy
};

struct Update {
  std::vector<UpdateOperation> operations;
};

}  // namespace syntax

// RFC 3986 reference resolution (parser.cpp).
std::string resolve_iri(const std::string& base, const std::string& ref);

// Parse entry points (parser.cpp).  base_iri resolves relative IRIs unless
// the text declares BASE.
syntax::Query parse_query(std::string_view text, const std::string& base_iri = {});
syntax::Update parse_update(std::string_view text, const std::string& base_iri = {});

// The endpoints of every SERVICE in the text, nested ones included, as
// written (a variable endpoint as "?name"), for a server that passes the
// text on and must check where it would reach.
std::vector<std::string> service_endpoints(const syntax::Query& query);
std::vector<std::string> service_endpoints(const syntax::Update& update);

}  // namespace torchprov::triplestore::sparql
