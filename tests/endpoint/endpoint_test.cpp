// The endpoint's routes, called without a socket.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "endpoint.h"

using namespace torchprov::endpoint;
namespace fs = std::filesystem;

namespace {

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("torchprov-endpoint-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "token") << "secret-token Ana Tester\n";
    store_.emplace(torchprov::triplestore::Store::open(dir_ / "store"));
    bool created = false;
    options_.ontology_file = fs::path(TORCHPROV_SOURCE_DIR) / "ontology/dl.ttl";
    endpoint_.emplace(*store_, options_, Tokens::load_or_create(dir_ / "token", created));
  }
  void TearDown() override {
    endpoint_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  Response call(http::verb method, std::string target, std::string body = {}, std::string content_type = {},
                std::string accept = {}, std::string token = {}) {
    Request request{method, target, 11};
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    if (!accept.empty()) request.set(http::field::accept, accept);
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    request.body() = std::move(body);
    request.prepare_payload();
    return endpoint_->handle(request);
  }

  fs::path dir_;
  ServerOptions options_;
  std::optional<torchprov::triplestore::Store> store_;
  std::optional<Endpoint> endpoint_;
};

const std::string turtle = "<http://ex/s> <http://ex/p> \"o\" .\n<http://ex/s> <http://ex/q> 42 .\n";

}  // namespace

TEST_F(EndpointTest, ServiceDescriptionWithoutAQuery) {
  const auto r = call(http::verb::get, "/sparql");
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_NE(r.body().find("sd:Service"), std::string::npos);
  EXPECT_EQ(r[http::field::content_type].substr(0, 11), "text/turtle");
}

TEST_F(EndpointTest, WritesNeedAValidToken) {
  const std::string update = "INSERT DATA { <http://ex/a> <http://ex/b> <http://ex/c> }";
  EXPECT_EQ(call(http::verb::post, "/sparql", update, "application/sparql-update").result(), http::status::unauthorized);
  EXPECT_EQ(call(http::verb::post, "/sparql", update, "application/sparql-update", "", "wrong").result(),
            http::status::forbidden);
  EXPECT_EQ(call(http::verb::put, "/data?graph=http://ex/g", turtle, "text/turtle").result(), http::status::unauthorized);
  const auto ok = call(http::verb::post, "/sparql", update, "application/sparql-update", "", "secret-token");
  EXPECT_EQ(ok.result(), http::status::ok) << ok.body();
  const auto ask = call(http::verb::get, "/sparql?query=ASK%20%7B%20%3Chttp%3A%2F%2Fex%2Fa%3E%20%3Fp%20%3Fo%20%7D", {}, {},
                        "application/sparql-results+json");
  EXPECT_NE(ask.body().find("true"), std::string::npos) << ask.body();
}

TEST_F(EndpointTest, SyntaxErrorsAre400WithTheirPosition) {
  const auto r = call(http::verb::post, "/sparql", "SELECT * WHERE { ?s ?p }", "application/sparql-query");
  EXPECT_EQ(r.result(), http::status::bad_request);
  EXPECT_NE(r.body().find("line 1"), std::string::npos) << r.body();
}

TEST_F(EndpointTest, NegotiatesResultFormats) {
  call(http::verb::put, "/data?graph=http://ex/g", turtle, "text/turtle", "", "secret-token");
  const std::string q = "/sparql?query=SELECT%20%3Fo%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D";
  const auto xml = call(http::verb::get, q, {}, {}, "application/sparql-results+xml");
  EXPECT_EQ(xml.result(), http::status::ok);
  EXPECT_NE(xml.body().find("<sparql"), std::string::npos);
  const auto csv = call(http::verb::get, q, {}, {}, "text/csv");
  EXPECT_EQ(csv.body().substr(0, 1), "o");
  EXPECT_EQ(call(http::verb::get, q, {}, {}, "image/png").result(), http::status::not_acceptable);
  EXPECT_EQ(call(http::verb::post, "/sparql", "SELECT * {}", "text/plain").result(), http::status::unsupported_media_type);
  const auto construct = call(http::verb::post, "/sparql", "CONSTRUCT WHERE { ?s ?p ?o }", "application/sparql-query",
                              "application/n-triples");
  EXPECT_EQ(construct.result(), http::status::ok);
  EXPECT_NE(construct.body().find("<http://ex/s> <http://ex/p> \"o\" ."), std::string::npos) << construct.body();
}

TEST_F(EndpointTest, GraphStoreRoundTripAndErrors) {
  EXPECT_EQ(call(http::verb::put, "/data?graph=http://ex/g", turtle, "text/turtle", "", "secret-token").result(),
            http::status::created);
  const auto got = call(http::verb::get, "/data?graph=http://ex/g", {}, {}, "application/n-triples");
  EXPECT_EQ(got.result(), http::status::ok);
  EXPECT_NE(got.body().find("<http://ex/s> <http://ex/q>"), std::string::npos);
  EXPECT_EQ(call(http::verb::get, "/data?graph=http://ex/none").result(), http::status::not_found);
  // A malformed body changes nothing and names the position.
  const auto bad = call(http::verb::post, "/data?graph=http://ex/g", "<http://ex/s> <http://ex/p> .\n", "text/turtle", "",
                        "secret-token");
  EXPECT_EQ(bad.result(), http::status::bad_request);
  EXPECT_NE(bad.body().find(":1:"), std::string::npos) << bad.body();
  EXPECT_EQ(store_->stats().triples, 2u);
  // Quads POSTed to /data land in their own graphs (remote capture).
  const auto ingest = call(http::verb::post, "/data", "<http://ex/a> <http://ex/b> \"c\" <http://ex/run1> .\n",
                           "application/n-quads", "", "secret-token");
  EXPECT_TRUE(ingest.result() == http::status::ok || ingest.result() == http::status::created) << ingest.body();
  const auto all = call(http::verb::get, "/data", {}, {}, "application/n-quads");
  EXPECT_NE(all.body().find("<http://ex/run1>"), std::string::npos);
  EXPECT_EQ(call(http::verb::delete_, "/data?graph=http://ex/g", {}, {}, {}, "secret-token").result(), http::status::ok);
  EXPECT_EQ(call(http::verb::get, "/data?graph=http://ex/g").result(), http::status::not_found);
}

TEST_F(EndpointTest, HealthMetricsOntologyAndStaticFiles) {
  EXPECT_NE(call(http::verb::get, "/health").body().find("\"status\":\"ok\""), std::string::npos);
  call(http::verb::get, "/health");
  const auto metrics = call(http::verb::get, "/metrics").body();
  EXPECT_NE(metrics.find("torchprov_http_requests_total{route=\"health\",status=\"200\"} 2"), std::string::npos) << metrics;
  const auto ontology = call(http::verb::get, "/ontology");
  EXPECT_EQ(ontology.result(), http::status::ok);
  EXPECT_NE(ontology.body().find("https://w3id.org/torchprov/dl#"), std::string::npos);
  EXPECT_EQ(call(http::verb::get, "/../../etc/passwd").result(), http::status::not_found);
  EXPECT_EQ(call(http::verb::get, "/").result(), http::status::ok);
  EXPECT_FALSE(call(http::verb::get, "/health")[http::field::access_control_allow_origin].empty());
}

TEST_F(EndpointTest, ReadOnlyServersRefuseWrites) {
  endpoint_.reset();
  options_.read_only = true;
  bool created = false;
  endpoint_.emplace(*store_, options_, Tokens::load_or_create(dir_ / "token", created));
  EXPECT_EQ(call(http::verb::post, "/sparql", "CLEAR ALL", "application/sparql-update", "", "secret-token").result(),
            http::status::forbidden);
}

TEST(Tokens, CreatedWithMode0600AndParsed) {
  const auto file = fs::temp_directory_path() / ("torchprov-token-" + std::to_string(::getpid()));
  fs::remove(file);
  bool created = false;
  const auto tokens = Tokens::load_or_create(file, created);
  EXPECT_TRUE(created);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(Tokens::bearer("Bearer abc"), std::optional<std::string_view>("abc"));
  EXPECT_FALSE(Tokens::bearer("Basic abc"));
  EXPECT_FALSE(tokens.identity("nope"));
  fs::remove(file);
}
