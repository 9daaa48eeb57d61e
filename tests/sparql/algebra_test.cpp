// Translation of syntax to the algebra (SPARQL 1.1 section 18.2).
#include <gtest/gtest.h>

#include "sparql/algebra.h"

namespace sparql = torchprov::triplestore::sparql;
using sparql::OpKind;

namespace {

sparql::QueryPlan plan(const std::string& text) {
  return sparql::translate_query(sparql::parse_query("PREFIX : <http://e/> " + text));
}

const sparql::Op& child(const sparql::Op& op, std::size_t i = 0) { return *op.children.at(i); }

}  // namespace

TEST(Algebra, FilterAppliesToTheWholeGroup) {
  // The filter is written first but scopes over the group: Filter(Join(...)).
  auto p = plan("SELECT * { FILTER(?x > 1) ?s :p ?x OPTIONAL { ?s :q ?y } }");
  const auto& project = *p.root;
  ASSERT_EQ(project.kind, OpKind::project);
  const auto& filter = child(project);
  ASSERT_EQ(filter.kind, OpKind::filter);
  EXPECT_EQ(child(filter).kind, OpKind::left_join);
}

TEST(Algebra, OptionalFilterBecomesLeftJoinCondition) {
  auto p = plan("SELECT * { ?s :p ?x OPTIONAL { ?s :q ?y FILTER(?y > ?x) } }");
  const auto& lj = child(*p.root);
  ASSERT_EQ(lj.kind, OpKind::left_join);
  EXPECT_EQ(lj.conditions.size(), 1u);
  EXPECT_EQ(child(lj, 1).kind, OpKind::bgp);
}

TEST(Algebra, BindExtendsWhatPrecedesIt) {
  auto p = plan("SELECT * { ?s :p ?x BIND(?x + 1 AS ?y) ?s :q ?z }");
  const auto& join = child(*p.root);
  ASSERT_EQ(join.kind, OpKind::join);
  EXPECT_EQ(child(join, 0).kind, OpKind::extend);
  EXPECT_EQ(child(join, 1).kind, OpKind::bgp);
}

TEST(Algebra, SequencePathsBecomeTriplesAndClosuresStayPaths) {
  auto p = plan("SELECT * { ?a :p/^:q ?b . ?b :r+ ?c }");
  const auto& bgp = child(*p.root);
  ASSERT_EQ(bgp.kind, OpKind::bgp);
  ASSERT_EQ(bgp.patterns.size(), 3u);
  EXPECT_FALSE(bgp.patterns[0].is_path);
  // ^:q: the second triple runs from the object to the hidden variable.
  EXPECT_EQ(bgp.patterns[1].subject.slot, p.slot_of("b"));
  EXPECT_TRUE(bgp.patterns[2].is_path);
}

TEST(Algebra, AggregatesBecomeGroupThenExtendThenProject) {
  auto p = plan("SELECT ?s (COUNT(*) AS ?n) { ?s :p ?o } GROUP BY ?s HAVING (COUNT(*) > 1) ORDER BY ?n LIMIT 3");
  const auto* op = p.root.get();
  std::vector<OpKind> chain;
  while (op) {
    chain.push_back(op->kind);
    op = op->children.empty() ? nullptr : op->children[0].get();
  }
  EXPECT_EQ(chain, (std::vector<OpKind>{OpKind::slice, OpKind::project, OpKind::order_by, OpKind::extend,
                                         OpKind::filter, OpKind::group, OpKind::bgp}));
  EXPECT_EQ(p.projection.size(), 2u);
}

TEST(Algebra, TrailingValuesJoinsAfterTheGroup) {
  auto p = plan("SELECT ?s { ?s :p ?o } VALUES ?s { :a }");
  const auto& join = child(*p.root);
  ASSERT_EQ(join.kind, OpKind::join);
  EXPECT_EQ(child(join, 1).kind, OpKind::table);
}

TEST(Algebra, SelectStarSkipsBlankNodeVariables) {
  auto p = plan("SELECT * { ?s :p [ :q ?o ] }");
  ASSERT_EQ(p.projection.size(), 2u);
  EXPECT_EQ(p.slot_names[p.projection[0]], "s");
  EXPECT_EQ(p.slot_names[p.projection[1]], "o");
}

TEST(Algebra, MinusAndUnion) {
  auto p = plan("SELECT * { { ?s :p ?o } UNION { ?s :q ?o } MINUS { ?s :r ?o } }");
  const auto& minus = child(*p.root);
  ASSERT_EQ(minus.kind, OpKind::minus);
  EXPECT_EQ(child(minus).kind, OpKind::union_of);
}
