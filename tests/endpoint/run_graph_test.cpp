// A run's provenance graph (run_graph.h) read from the dashboard's development fixture (five
// synthetic runs written as torchprov writes them), and the routes that serve it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "dataset.h"
#include "endpoint.h"
#include "graphviz_svg.h"
#include "results/json_value.h"
#include "run_graph.h"
#include "sparql/engine.h"

using namespace torchprov::endpoint;
namespace fs = std::filesystem;
namespace ts = torchprov::triplestore;

namespace {

// Run b2e1d3c5: 12 epochs, a person (bob) lowers the learning rate from epoch 6 ("val loss
// stopped falling for 2 epochs"), the trainer's schedule from epoch 10; best checkpoint 11.
const std::string adapted_run = "b2e1d3c5-0002-4c1e-9a51-000000000002";
const std::string run_iri = "https://w3id.org/torchprov/run/" + adapted_run;

class RunGraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("torchprov-run-graph-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_.emplace(ts::Store::open(dir_ / "store"));
    ts::import_file(*store_, fs::path(TORCHPROV_SOURCE_DIR) / "sparql-endpoint/dashboard/dev/fixture.trig");
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  run_graph::QueryFunction query() {
    return [this](const std::string& text) {
      const auto view = store_->read();
      return ts::sparql::execute_query(view.dataset(), text);
    };
  }
  // One value straight from the store, as the oracle for what the graph shows.
  std::string ask(const std::string& select) {
    const auto result = query()(select);
    return result.rows.empty() || !result.rows[0][0] ? "" : result.rows[0][0]->value;
  }

  fs::path dir_;
  std::optional<ts::Store> store_;
};

const run_graph::Node* find(const run_graph::Graph& g, const std::string& id) {
  for (const auto& n : g.nodes)
    if (n.id == id) return &n;
  return nullptr;
}
bool has_edge(const run_graph::Graph& g, const std::string& from, const std::string& relation, const std::string& to) {
  return std::find(g.edges.begin(), g.edges.end(), run_graph::Edge{from, relation, to}) != g.edges.end();
}
// The label's lines as one text (a long reason is wrapped over several lines).
std::string joined(const run_graph::Node& n) {
  std::string s;
  for (const auto& l : n.label) s += (s.empty() ? "" : " ") + l;
  return s;
}

}  // namespace

TEST_F(RunGraphTest, DrawsTheAdaptationWithItsPersonReasonAndRevisedSetting) {
  const auto graph = run_graph::read(adapted_run, query());
  ASSERT_TRUE(graph);
  EXPECT_EQ(graph->run, run_iri);
  const auto* adaptation = find(*graph, run_iri + "/adaptation/1");
  ASSERT_TRUE(adaptation);
  EXPECT_EQ(adaptation->kind, run_graph::Kind::activity);
  EXPECT_NE(joined(*adaptation).find("why: val loss stopped falling for 2 epochs"), std::string::npos) << joined(*adaptation);
  const std::string bob = "https://w3id.org/torchprov/person/bob";
  ASSERT_TRUE(find(*graph, bob));
  EXPECT_EQ(find(*graph, bob)->kind, run_graph::Kind::agent);
  EXPECT_TRUE(has_edge(*graph, adaptation->id, "wasAssociatedWith", bob));
  // settings -> adaptation -> revised setting
  const std::string initial = run_iri + "/hp/learning_rate/0";
  const std::string revised = run_iri + "/hp/learning_rate/0/revision/1";
  EXPECT_TRUE(has_edge(*graph, adaptation->id, "used", initial));
  EXPECT_TRUE(has_edge(*graph, revised, "wasGeneratedBy", adaptation->id));
  EXPECT_TRUE(has_edge(*graph, revised, "wasRevisionOf", initial));
  // wasDerivedFrom beside wasRevisionOf is implied, so not drawn.
  EXPECT_FALSE(has_edge(*graph, revised, "wasDerivedFrom", initial));
  ASSERT_TRUE(find(*graph, revised));
  EXPECT_EQ(find(*graph, revised)->label[0], "learning_rate = 0.001");
  // A revised setting is never folded; settings no adaptation touched fold into one group.
  EXPECT_EQ(find(*graph, initial)->group, "");
  const auto* batch = find(*graph, run_iri + "/hp/batch_size");
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->group, "group:hyperparameters");
}

TEST_F(RunGraphTest, BestCheckpointIsGeneratedByTheEpochItWasSavedIn) {
  const auto graph = run_graph::read(adapted_run, query());
  ASSERT_TRUE(graph);
  const std::string best = ask("PREFIX dl: <https://w3id.org/torchprov/dl#> SELECT ?c WHERE { <" + run_iri + "> dl:bestCheckpoint ?c }");
  const std::string epoch = ask("PREFIX dl: <https://w3id.org/torchprov/dl#> SELECT ?e WHERE { <" + best + "> dl:epoch ?e }");
  ASSERT_FALSE(best.empty());
  const auto* node = find(*graph, best);
  ASSERT_TRUE(node);
  EXPECT_TRUE(node->best);
  EXPECT_EQ(node->label[0], "best checkpoint");
  EXPECT_EQ(node->label[1], "epoch " + epoch);
  EXPECT_TRUE(has_edge(*graph, best, "wasGeneratedBy", run_iri + "/epoch/" + epoch));
  // Only one checkpoint is the best.
  EXPECT_EQ(std::count_if(graph->nodes.begin(), graph->nodes.end(), [](const auto& n) { return n.best; }), 1);
}

TEST_F(RunGraphTest, EpochsReachTheRunThroughTheirChainAndAgentsAreNotRepeated) {
  const auto graph = run_graph::read(adapted_run, query());
  ASSERT_TRUE(graph);
  EXPECT_TRUE(has_edge(*graph, run_iri + "/epoch/1", "wasInformedBy", run_iri));
  EXPECT_TRUE(has_edge(*graph, run_iri + "/epoch/5", "wasInformedBy", run_iri + "/epoch/4"));
  EXPECT_FALSE(has_edge(*graph, run_iri + "/epoch/5", "wasInformedBy", run_iri));
  // The trainer is associated with the run; its association with every epoch is implied.
  EXPECT_TRUE(has_edge(*graph, run_iri, "wasAssociatedWith", run_iri + "/trainer"));
  EXPECT_FALSE(has_edge(*graph, run_iri + "/epoch/5", "wasAssociatedWith", run_iri + "/trainer"));
  // No metric value of an epoch is drawn, and every edge joins two drawn nodes.
  for (const auto& n : graph->nodes) EXPECT_EQ(n.id.find("/metric/"), std::string::npos) << n.id;
  for (const auto& e : graph->edges) {
    EXPECT_TRUE(find(*graph, e.from)) << e.from;
    EXPECT_TRUE(find(*graph, e.to)) << e.to;
  }
  // Another run's resources are not in this run's graph.
  for (const auto& n : graph->nodes)
    EXPECT_TRUE(n.id.find("/run/") == std::string::npos || n.id.find(adapted_run) != std::string::npos) << n.id;
}

TEST_F(RunGraphTest, LongRunsFoldPerEpochRangeAroundTheKeyEpochs) {
  // With at most 4 plain epochs and 3 members a group, the 12 epochs fold; epochs 1 and 12
  // (first, last), 6 and 10 (adaptations) and 11 (best checkpoint) stay.
  const auto graph = run_graph::read(adapted_run, query(), {.plain_epochs = 4, .fan_out = 3});
  ASSERT_TRUE(graph);
  std::map<int, std::string> group_of;
  for (const auto& n : graph->nodes)
    if (n.type == "Epoch") group_of[n.epoch] = n.group;
  ASSERT_EQ(group_of.size(), 12u);
  for (int key : {1, 6, 10, 11, 12}) EXPECT_EQ(group_of[key], "") << "epoch " << key;
  EXPECT_EQ(group_of[2], "group:epochs:2-4");
  EXPECT_EQ(group_of[5], "group:epochs:2-5");
  EXPECT_EQ(group_of[7], "group:epochs:7-9");
  const auto* range = find(*graph, "group:epochs:2-5");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->members, 4);
  // 4 members > fan-out 3: a nested range of 3 (2-4) and epoch 5 inside 2-5.
  ASSERT_TRUE(find(*graph, "group:epochs:2-4"));
  EXPECT_EQ(find(*graph, "group:epochs:2-4")->group, "group:epochs:2-5");
  EXPECT_EQ(find(*graph, "group:epochs:2-4")->members, 3);

  const auto folded = run_graph::shown(*graph);
  std::set<std::string> ids;
  for (const auto& n : folded.nodes) ids.insert(n.id);
  EXPECT_TRUE(ids.count("group:epochs:2-5"));
  EXPECT_FALSE(ids.count("group:epochs:2-4"));
  EXPECT_FALSE(ids.count(run_iri + "/epoch/3"));
  EXPECT_TRUE(ids.count(run_iri + "/epoch/6"));
  // The chain runs through the folded ranges, without self-loops.
  EXPECT_TRUE(has_edge(folded, "group:epochs:2-5", "wasInformedBy", run_iri + "/epoch/1"));
  EXPECT_TRUE(has_edge(folded, run_iri + "/epoch/6", "wasInformedBy", "group:epochs:2-5"));
  for (const auto& e : folded.edges) EXPECT_NE(e.from, e.to);
  // Opening the outer range shows its nested ranges; "all" shows every epoch.
  const auto opened = run_graph::shown(*graph, {"group:epochs:2-5"});
  ids.clear();
  for (const auto& n : opened.nodes) ids.insert(n.id);
  EXPECT_TRUE(ids.count("group:epochs:2-4") && ids.count(run_iri + "/epoch/5"));
  EXPECT_FALSE(ids.count(run_iri + "/epoch/3"));
  const auto all = run_graph::shown(*graph, {"all"});
  EXPECT_EQ(std::count_if(all.nodes.begin(), all.nodes.end(), [](const auto& n) { return n.type == "Epoch"; }), 12);
  EXPECT_EQ(std::count_if(all.nodes.begin(), all.nodes.end(), [](const auto& n) { return n.type == "Group"; }), 0);
}

TEST_F(RunGraphTest, UnknownRunIsNotFound) {
  EXPECT_FALSE(run_graph::read("no-such-run", query()));
  EXPECT_FALSE(run_graph::read("quote\" } . DELETE", query()));  // a run id is a literal, never query text
}

TEST_F(RunGraphTest, DotUsesProvShapesAndGraphvizLaysItOut) {
  const auto graph = run_graph::read(adapted_run, query());
  ASSERT_TRUE(graph);
  const std::string dot = run_graph::to_dot(run_graph::shown(*graph));
  EXPECT_NE(dot.find("shape=house"), std::string::npos);   // agents
  EXPECT_NE(dot.find("shape=ellipse"), std::string::npos); // entities
  EXPECT_NE(dot.find("shape=box"), std::string::npos);     // activities
  EXPECT_NE(dot.find("label=\"wasRevisionOf\""), std::string::npos);
  const std::string svg = render_svg(dot);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find(">best checkpoint<"), std::string::npos);
  EXPECT_NE(svg.find(">wasAssociatedWith<"), std::string::npos);
  EXPECT_THROW(render_svg("digraph { a -> }"), GraphvizError);
}

TEST_F(RunGraphTest, ServedAsSvgDotAndJson) {
  fs::path token = dir_ / "token";
  std::ofstream(token) << "secret-token Ana\n";
  fs::permissions(token, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  bool created = false;
  ServerOptions options;
  Endpoint endpoint(*store_, options, Tokens::load_or_create(token, created));
  auto get = [&](const std::string& target, http::verb method = http::verb::get) {
    Request request{method, target, 11};
    return endpoint.handle(request);
  };
  const auto svg = get("/api/runs/" + adapted_run + "/graph.svg");
  EXPECT_EQ(svg.result(), http::status::ok);
  EXPECT_EQ(svg[http::field::content_type], "image/svg+xml");
  EXPECT_NE(svg.body().find("why: val loss stopped falling"), std::string::npos);
  EXPECT_NE(svg.body().find(">bob<"), std::string::npos);
  const auto dot = get("/api/runs/" + adapted_run + "/graph.dot?expand=all");
  EXPECT_EQ(dot.result(), http::status::ok);
  EXPECT_NE(dot.body().find("digraph"), std::string::npos);
  const auto json = get("/api/runs/" + adapted_run + "/graph.json");
  ASSERT_EQ(json.result(), http::status::ok);
  const auto parsed = torchprov::triplestore::results::parse_json(json.body());
  ASSERT_TRUE(parsed.contains("run") && parsed["run"].is_string());
  EXPECT_EQ(parsed["run"].get<std::string>(), run_iri);
  EXPECT_GT(parsed["nodes"].size(), 20u);
  EXPECT_EQ(parsed["queries"].size(), 4u);
  const auto missing = get("/api/runs/no-such-run/graph.svg");
  EXPECT_EQ(missing.result(), http::status::not_found);
  EXPECT_NE(missing.body().find("no-such-run"), std::string::npos);
  EXPECT_EQ(get("/api/runs/" + adapted_run + "/graph.pdf").result(), http::status::not_found);
  EXPECT_EQ(get("/api/runs/" + adapted_run + "/graph.svg", http::verb::post).result(), http::status::method_not_allowed);
}
