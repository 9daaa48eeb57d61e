// The optimizer orders BGPs by selectivity, avoids cross products and
// pushes filters; the resulting order must not depend on the written order.
#include <gtest/gtest.h>

#include <algorithm>

#include "sparql/algebra.h"
#include "sparql/optimizer.h"

namespace sparql = torchprov::triplestore::sparql;
using torchprov::Term;
using torchprov::triplestore::Dataset;
using torchprov::triplestore::default_graph_id;
using torchprov::triplestore::Quad;

namespace {

// 10 runs with a learning rate; 1000 epochs with an accuracy each.
Dataset training_data() {
  Dataset ds;
  auto iri = [&](const std::string& s) { return ds.intern(Term::iri("http://e/" + s)); };
  auto type = ds.intern(Term::iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"));
  std::vector<Quad> quads;
  for (int r = 0; r < 10; ++r) {
    auto run = iri("run" + std::to_string(r));
    quads.push_back({run, type, iri("Run"), default_graph_id});
    quads.push_back({run, iri("lr"), ds.intern(Term::literal(std::to_string(r))), default_graph_id});
    for (int e = 0; e < 100; ++e) {
      auto epoch = iri("e" + std::to_string(r) + "_" + std::to_string(e));
      quads.push_back({epoch, iri("ofRun"), run, default_graph_id});
      quads.push_back({epoch, iri("acc"), ds.intern(Term::literal(std::to_string(e))), default_graph_id});
    }
  }
  ds.insert_bulk(std::move(quads));
  return ds;
}

sparql::QueryPlan optimized(const Dataset& ds, const std::string& where) {
  auto plan = sparql::translate_query(
      sparql::parse_query("PREFIX : <http://e/> SELECT * WHERE { " + where + " }"));
  sparql::optimize(*plan.root, ds);
  return plan;
}

const sparql::Op& first_bgp(const sparql::Op& op) {
  if (op.kind == sparql::OpKind::bgp) return op;
  return first_bgp(*op.children.at(0));
}

// The BGP's patterns as "s p o" text, in evaluation order.
std::vector<std::string> order(const sparql::QueryPlan& plan) {
  std::vector<std::string> out;
  for (const auto& p : first_bgp(*plan.root).patterns) {
    auto text = [&](const sparql::PatternTerm& t) {
      return t.is_var() ? "?" + plan.slot_names[t.slot] : t.term.value.substr(t.term.value.rfind('/') + 1);
    };
    out.push_back(text(p.subject) + " " + text(p.predicate) + " " + text(p.object));
  }
  return out;
}

}  // namespace

TEST(Optimizer, OrderDoesNotDependOnWrittenOrder) {
  auto ds = training_data();
  auto a = optimized(ds, "?r a :Run . ?r :lr ?lr . ?e :ofRun ?r . ?e :acc ?acc");
  auto b = optimized(ds, "?e :acc ?acc . ?e :ofRun ?r . ?r :lr ?lr . ?r a :Run");
  auto c = optimized(ds, "?e :ofRun ?r . ?r :lr ?lr . ?e :acc ?acc . ?r a :Run");
  EXPECT_EQ(order(a), order(b));
  EXPECT_EQ(order(a), order(c));
  // Small, selective patterns on the run come first; the epochs follow.
  EXPECT_EQ(order(a).back(), "?e acc ?acc");
}

TEST(Optimizer, NeverStartsACrossProductWhileAConnectedPatternExists) {
  auto ds = training_data();
  // ?x :lr ?y is smaller than ?e :ofRun ?r but shares nothing with :e0_0's pattern.
  auto plan = optimized(ds, "?e :ofRun ?r . ?x :lr ?y . ?r a :Run . ?e :acc \"5\"");
  auto o = order(plan);
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o.back(), "?x lr ?y");
}

TEST(Optimizer, FiltersMoveToTheStepThatBindsTheirVariables) {
  auto ds = training_data();
  auto plan = optimized(ds, "?e :acc ?acc . ?e :ofRun ?r . ?r :lr ?lr FILTER(?lr = \"3\")");
  const auto& bgp = first_bgp(*plan.root);
  ASSERT_EQ(bgp.attached_filters.size(), 1u);
  std::size_t step = bgp.attached_filters[0].after;
  // The filter runs right after the pattern binding ?lr, not at the end.
  const auto& p = bgp.patterns.at(step);
  EXPECT_EQ(p.object.slot, plan.slot_of("lr"));
}

TEST(Optimizer, UnknownConstantMakesPatternFirst) {
  auto ds = training_data();
  auto plan = optimized(ds, "?e :ofRun ?r . ?r :missing ?x");
  EXPECT_EQ(order(plan).front(), "?r missing ?x");
}

TEST(Optimizer, ReplansABgpForVariablesItsSeedsBind) {
  auto ds = training_data();
  // Alone, the ten runs come first; with ?e bound by the seeds (an EXISTS
  // per epoch) the pattern on ?e must, and the filter moves with it.
  auto plan = optimized(ds, "?r a :Run . ?e :ofRun ?r . ?e :acc ?acc FILTER(?acc != \"3\")");
  const auto& bgp = first_bgp(*plan.root);
  ASSERT_EQ(order(plan).front(), "?r 22-rdf-syntax-ns#type Run");
  const sparql::Op seeded = sparql::reorder_bgp(bgp, ds, {plan.slot_of("e")});
  ASSERT_EQ(seeded.patterns.size(), 3u);
  EXPECT_TRUE(seeded.patterns.front().subject.is_var() && seeded.patterns.front().subject.slot == plan.slot_of("e"));
  EXPECT_NE(seeded.patterns.front().object.term.value, "http://e/Run");
  ASSERT_EQ(seeded.attached_filters.size(), 1u);
  // ?acc is bound by the :acc pattern, wherever it now stands.
  const std::size_t acc_step = seeded.patterns[0].predicate.term.value == "http://e/acc"   ? 0
                               : seeded.patterns[1].predicate.term.value == "http://e/acc" ? 1
                                                                                           : 2;
  EXPECT_EQ(seeded.attached_filters[0].after, acc_step);
}
