#include "dataset.h"

#include <gtest/gtest.h>
#include <torchprov/triplestore.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>

namespace ts = torchprov::triplestore;
using torchprov::Term;

namespace {

std::vector<ts::Quad> collect(const ts::Dataset& d, ts::Quad pattern) {
  std::vector<ts::Quad> out;
  d.match(pattern, [&](const ts::Quad& q) {
    out.push_back(q);
    return true;
  });
  return out;
}

bool matches(const ts::Quad& p, const ts::Quad& q) {
  return (!p.s || p.s == q.s) && (!p.p || p.p == q.p) && (!p.o || p.o == q.o) && (!p.g || p.g == q.g);
}

auto quad_less = [](const ts::Quad& a, const ts::Quad& b) {
  return std::tie(a.s, a.p, a.o, a.g) < std::tie(b.s, b.p, b.o, b.g);
};

}  // namespace

TEST(DatasetDictionary, InternsEachTermOnce) {
  ts::Dataset d;
  const ts::TermId a = d.intern(Term::iri("http://x/a"));
  EXPECT_EQ(d.intern(Term::iri("http://x/a")), a);
  EXPECT_NE(d.intern(Term::blank("http://x/a")), a);
  EXPECT_NE(d.intern(Term::literal("http://x/a")), a);
  const ts::TermId typed = d.intern(Term::literal("1", "http://www.w3.org/2001/XMLSchema#integer"));
  const ts::TermId lang = d.intern(Term::lang_literal("chat", "fr"));
  EXPECT_NE(typed, lang);
  EXPECT_EQ(d.term(typed), Term::literal("1", "http://www.w3.org/2001/XMLSchema#integer"));
  EXPECT_EQ(d.term(lang), Term::lang_literal("chat", "fr"));
  EXPECT_EQ(d.lookup(Term::lang_literal("chat", "en")), std::nullopt);
  EXPECT_EQ(d.lookup(Term::literal("1", "http://unknown/dt")), std::nullopt);
  EXPECT_EQ(d.lookup(Term::iri("http://x/a")), a);
  // xsd:string and the plain literal are the same term.
  EXPECT_EQ(d.intern(Term::literal("s", "http://www.w3.org/2001/XMLSchema#string")),
            d.intern(Term::literal("s")));
  EXPECT_EQ(d.term(ts::default_graph_id), Term::iri(std::string(ts::default_graph_iri)));
}

TEST(DatasetDictionary, ManyTermsSurviveGrowthAndConcurrentReads) {
  ts::Dataset d;
  std::vector<ts::TermId> ids;
  for (int i = 0; i < 200000; ++i) ids.push_back(d.intern(Term::literal("value " + std::to_string(i))));
  for (int i = 0; i < 200000; i += 997) EXPECT_EQ(d.lookup(Term::literal("value " + std::to_string(i))), ids[i]);
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      for (int i = 0; i < 200000; i += 7) ASSERT_EQ(d.term(ids[i]).value, "value " + std::to_string(i));
    });
  for (auto& r : readers) r.join();
}

// The terms log's bulk path must give every term the id one intern() each
// would, including a datatype that first appears in the same group as the
// literal using it, and must stop at a term already present.
TEST(DatasetDictionary, InternInOrderGivesTheIdsOfOneByOne) {
  // As in a terms log, a datatype comes before the literals that use it.
  std::vector<Term> terms{Term::iri("http://www.w3.org/2001/XMLSchema#integer")};
  for (int i = 0; i < 5000; ++i) {
    terms.push_back(Term::iri("http://x/run/" + std::to_string(i)));
    if (i % 37 == 5) terms.push_back(Term::iri("http://x/dt" + std::to_string(i)));  // a datatype, then its literal
    if (i % 37 == 5) terms.push_back(Term::literal(std::to_string(i), "http://x/dt" + std::to_string(i)));
    terms.push_back(Term::literal(std::to_string(i), "http://www.w3.org/2001/XMLSchema#integer"));
    terms.push_back(Term::lang_literal("run " + std::to_string(i), "en"));
    terms.push_back(Term::blank("b" + std::to_string(i)));
  }
  // A literal whose datatype is not yet a term interns it first (an id of its own).
  terms.push_back(Term::literal("7", "http://x/new-datatype"));
  ts::Dataset one_by_one;
  std::vector<ts::TermId> expected;
  for (const Term& t : terms) expected.push_back(one_by_one.intern(t));

  std::vector<ts::TermView> views;
  for (const Term& t : terms) views.push_back({t.kind, t.value, t.datatype, t.language});
  ts::Dataset bulk;
  bulk.reserve_terms(terms.size() + 10);
  const ts::TermId first = bulk.term_count() + 1;
  // Every term but the last gets the next id; the last gets two (its
  // datatype's and its own), so the bulk path stops there.
  ASSERT_EQ(bulk.intern_in_order(views.data(), views.size(), first), views.size() - 1);
  for (std::size_t i = 0; i + 1 < terms.size(); ++i) {
    ASSERT_EQ(expected[i], first + i) << i;
    ASSERT_EQ(bulk.lookup(terms[i]), expected[i]) << i;
    ASSERT_EQ(bulk.term(expected[i]), terms[i]) << i;
  }
  // A term already present is not new: the bulk path stops before it.
  ts::Dataset again;
  const ts::TermId a = again.intern(Term::iri("http://x/a"));
  const std::vector<Term> repeated{Term::iri("http://x/b"), Term::iri("http://x/a"), Term::iri("http://x/c")};
  std::vector<ts::TermView> repeated_views;
  for (const Term& t : repeated) repeated_views.push_back({t.kind, t.value, t.datatype, t.language});
  EXPECT_EQ(again.intern_in_order(repeated_views.data(), repeated_views.size(), a + 1), 1u);
  EXPECT_EQ(again.lookup(Term::iri("http://x/c")), std::nullopt);
}

TEST(DatasetQuads, EveryPatternShapeMatchesBruteForce) {
  ts::Dataset d;
  std::mt19937 rng(7);
  std::vector<ts::TermId> terms;
  for (int i = 0; i < 12; ++i) terms.push_back(d.intern(Term::iri("http://x/" + std::to_string(i))));
  std::set<std::tuple<ts::TermId, ts::TermId, ts::TermId, ts::TermId>> reference;
  auto pick = [&] { return terms[rng() % terms.size()]; };
  for (int i = 0; i < 3000; ++i) {
    ts::Quad q{pick(), pick(), pick(), rng() % 3 == 0 ? ts::default_graph_id : terms[rng() % 3]};
    const bool fresh = reference.emplace(q.s, q.p, q.o, q.g).second;
    EXPECT_EQ(d.insert(q), fresh);
  }
  // Erase a third, so patterns see main, delta and tombstones together.
  int erased = 0;
  for (auto it = reference.begin(); it != reference.end();) {
    if (++erased % 3 == 0) {
      auto [s, p, o, g] = *it;
      EXPECT_TRUE(d.erase({s, p, o, g}));
      EXPECT_FALSE(d.erase({s, p, o, g}));
      it = reference.erase(it);
    } else {
      ++it;
    }
  }
  ASSERT_EQ(d.size(), reference.size());
  for (int mask = 0; mask < 16; ++mask) {
    for (int trial = 0; trial < 20; ++trial) {
      auto [s, p, o, g] = *std::next(reference.begin(), rng() % reference.size());
      ts::Quad pattern{mask & 1 ? s : 0, mask & 2 ? p : 0, mask & 4 ? o : 0, mask & 8 ? g : 0};
      std::vector<ts::Quad> expected;
      for (auto [rs, rp, ro, rg] : reference)
        if (matches(pattern, {rs, rp, ro, rg})) expected.push_back({rs, rp, ro, rg});
      auto got = collect(d, pattern);
      EXPECT_EQ(d.count(pattern), expected.size()) << "mask " << mask;
      std::sort(got.begin(), got.end(), quad_less);
      EXPECT_EQ(got, expected) << "mask " << mask;
    }
  }
}

TEST(DatasetQuads, DuplicatesEraseReinsertAndEarlyStop) {
  ts::Dataset d;
  const auto a = d.intern(Term::iri("a")), b = d.intern(Term::iri("b")), c = d.intern(Term::literal("c"));
  EXPECT_TRUE(d.insert({a, b, c}));
  EXPECT_FALSE(d.insert({a, b, c}));
  EXPECT_TRUE(d.insert({a, b, c, a}));
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d.count({a, 0, 0, 0}), 2u);
  EXPECT_EQ(d.count({a, 0, 0, ts::default_graph_id}), 1u);
  EXPECT_EQ(d.graphs(), std::vector<ts::TermId>{a});
  int visits = 0;
  d.match({}, [&](const ts::Quad&) { return ++visits < 1; });
  EXPECT_EQ(visits, 1);
  EXPECT_TRUE(d.erase({a, b, c}));
  EXPECT_FALSE(d.contains({a, b, c}));
  EXPECT_TRUE(d.insert({a, b, c}));
  EXPECT_TRUE(d.contains({a, b, c}));
  EXPECT_THROW(d.insert({a, 0, c}), std::invalid_argument);
}

TEST(DatasetQuads, BulkLoadDeduplicatesAndMergesWithExisting) {
  ts::Dataset d;
  std::vector<ts::TermId> t;
  for (int i = 0; i < 100; ++i) t.push_back(d.intern(Term::iri("t" + std::to_string(i))));
  d.insert({t[0], t[1], t[2]});
  std::vector<ts::Quad> bulk;
  for (int i = 0; i < 100; ++i)
    for (int j = 0; j < 100; ++j) bulk.push_back({t[i], t[j], t[(i + j) % 100], t[i % 4]});
  bulk.push_back(bulk.front());
  bulk.push_back({t[0], t[1], t[2]});
  d.insert_bulk(bulk);
  EXPECT_EQ(d.size(), 10001u);
  EXPECT_EQ(d.count({0, t[5], 0, 0}), 100u);
  EXPECT_EQ(d.count({0, 0, 0, t[1]}), 2500u);
  EXPECT_EQ(d.graphs().size(), 4u);
  d.clear_graph(t[1]);
  EXPECT_EQ(d.size(), 7501u);
  EXPECT_EQ(d.count({0, 0, 0, t[1]}), 0u);
  EXPECT_EQ(d.graphs().size(), 3u);
  d.clear_graph(ts::default_graph_id);
  EXPECT_EQ(d.size(), 7500u);
  EXPECT_GT(d.memory_bytes(), 7500u * 96);
}

TEST(DatasetQuads, ManySingleInsertsFoldIntoMain) {
  ts::Dataset d;
  std::vector<ts::TermId> t;
  for (int i = 0; i < 1000; ++i) t.push_back(d.intern(Term::iri("n" + std::to_string(i))));
  for (int i = 0; i < 50000; ++i) d.insert({t[i % 1000], t[(i / 1000) % 1000], t[(i * 7) % 1000]});
  EXPECT_EQ(d.size(), 50000u);
  for (int i = 0; i < 50000; i += 2) EXPECT_TRUE(d.erase({t[i % 1000], t[(i / 1000) % 1000], t[(i * 7) % 1000]}));
  EXPECT_EQ(d.size(), 25000u);
  EXPECT_EQ(d.count({0, t[3], 0, 0}), 500u);
}

// A cursor re-aimed at one pattern after another (ascending, then jumping
// back, as joins probe) sees exactly what match sees, with a delta and
// tombstones present and with the bulk-loaded main array alone.
TEST(DatasetQuads, CursorSeeksAgreeWithMatchInAnyOrder) {
  for (bool edited : {false, true}) {
    ts::Dataset d;
    std::mt19937 rng(11);
    std::vector<ts::TermId> terms;
    for (int i = 0; i < 40; ++i) terms.push_back(d.intern(Term::iri("http://x/" + std::to_string(i))));
    auto pick = [&] { return terms[rng() % terms.size()]; };
    std::vector<ts::Quad> bulk;
    for (int i = 0; i < 20000; ++i)
      bulk.push_back({pick(), pick(), pick(), rng() % 2 ? ts::default_graph_id : terms[rng() % 4]});
    d.insert_bulk(bulk);
    if (edited) {
      for (int i = 0; i < 300; ++i) d.erase(bulk[rng() % bulk.size()]);
      for (int i = 0; i < 300; ++i) d.insert({pick(), pick(), pick(), terms[rng() % 4]});
    }
    for (int mask = 1; mask < 16; ++mask) {
      std::vector<ts::Quad> patterns;
      for (int i = 0; i < 200; ++i) {
        ts::Quad q{pick(), pick(), pick(), rng() % 2 ? ts::default_graph_id : terms[rng() % 4]};
        patterns.push_back({mask & 1 ? q.s : 0, mask & 2 ? q.p : 0, mask & 4 ? q.o : 0, mask & 8 ? q.g : 0});
      }
      // Half in ascending order of their terms, then the other half as drawn.
      std::sort(patterns.begin(), patterns.begin() + 100, quad_less);
      ts::QuadCursor cursor(d);
      for (const auto& pattern : patterns) {
        std::vector<ts::Quad> got;
        cursor.seek(pattern);
        ts::Quad block[7];
        for (std::size_t n; (n = cursor.next_block(block, 7)) != 0;) got.insert(got.end(), block, block + n);
        EXPECT_EQ(got, collect(d, pattern)) << "mask " << mask << (edited ? " edited" : " bulk");
      }
    }
  }
}

TEST(DatasetDictionary, TypedLiteralsAndCachedNumbers) {
  ts::Dataset d;
  const auto number = d.intern(Term::literal("0.25", "http://www.w3.org/2001/XMLSchema#double"));
  const auto plain = d.intern(Term::literal("0.25"));
  const auto iri = d.intern(Term::iri("http://x/"));
  auto literal = d.typed_literal(number);
  ASSERT_TRUE(literal);
  EXPECT_EQ(literal->lexical, "0.25");
  EXPECT_EQ(d.term(literal->datatype).value, "http://www.w3.org/2001/XMLSchema#double");
  EXPECT_FALSE(d.typed_literal(plain));
  EXPECT_FALSE(d.typed_literal(iri));
  double value = -1;
  EXPECT_EQ(d.cached_number(number, value), 0);
  d.cache_number(number, 5, 0.25);
  EXPECT_EQ(d.cached_number(number, value), 5);
  EXPECT_EQ(value, 0.25);
  EXPECT_EQ(d.cached_number(plain, value), 0);
  EXPECT_THROW(d.cache_number(ts::TermId(999999), 1, 0), std::out_of_range);
}

TEST(DatasetQuads, GraphListFollowsEveryKindOfChange) {
  ts::Dataset d;
  const auto s = d.intern(Term::iri("http://x/s")), p = d.intern(Term::iri("http://x/p"));
  const auto g1 = d.intern(Term::iri("http://x/g1")), g2 = d.intern(Term::iri("http://x/g2"));
  EXPECT_TRUE(d.graphs().empty());
  d.insert({s, p, s, g1});
  EXPECT_EQ(d.graphs(), (std::vector<ts::TermId>{g1}));
  std::vector<ts::Quad> bulk;
  for (ts::TermId i = 0; i < 5000; ++i) bulk.push_back({s, p, d.intern(Term::literal(std::to_string(i))), g2});
  d.insert_bulk(bulk);
  EXPECT_EQ(d.graphs(), (std::vector<ts::TermId>{g1, g2}));
  d.erase({s, p, s, g1});
  EXPECT_EQ(d.graphs(), (std::vector<ts::TermId>{g2}));
  d.clear_graph(g2);
  EXPECT_TRUE(d.graphs().empty());
}
