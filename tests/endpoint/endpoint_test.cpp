// The endpoint's routes, called without a socket.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
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
    fs::permissions(dir_ / "token", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
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
  const auto put = call(http::verb::put, "/data?graph=http://ex/g", turtle, "text/turtle", "", "secret-token");
  ASSERT_EQ(put.result(), http::status::created) << put.body();
  const std::string q = "/sparql?query=SELECT%20%3Fo%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20ORDER%20BY%20%3Fo";
  const auto xml = call(http::verb::get, q, {}, {}, "application/sparql-results+xml");
  EXPECT_EQ(xml.result(), http::status::ok);
  EXPECT_NE(xml.body().find("<sparql"), std::string::npos);
  const auto csv = call(http::verb::get, q, {}, {}, "text/csv");
  EXPECT_EQ(csv.result(), http::status::ok);
  EXPECT_EQ(csv[http::field::content_type].substr(0, 8), "text/csv");
  // SPARQL 1.1 CSV: a header of variable names, CRLF line ends, plain values
  // (42 before "o": numbers order before strings).
  EXPECT_EQ(csv.body(), "o\r\n42\r\no\r\n");
  const auto tsv = call(http::verb::get, q, {}, {}, "text/tab-separated-values");
  EXPECT_EQ(tsv.body(), "?o\n42\n\"o\"\n");
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

TEST_F(EndpointTest, BlankNodesOfTwoRequestBodiesAreTwoNodes) {
  // Each body's _:b1 and [ ] are its own, as in two imported files.
  for (int i = 0; i < 2; ++i) {
    const auto r = call(http::verb::post, "/data?graph=http://ex/g", "_:b1 <http://ex/p> \"x\" . [] <http://ex/q> 1 .\n",
                        "text/turtle", "", "secret-token");
    ASSERT_TRUE(r.result() == http::status::ok || r.result() == http::status::created) << r.body();
  }
  const auto count = call(http::verb::get,
                          "/sparql?query=SELECT%20(COUNT(DISTINCT%20%3Fs)%20AS%20%3Fn)%20%7B%20GRAPH%20%3Fg%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D",
                          {}, {}, "text/csv");
  EXPECT_EQ(count.body(), "n\r\n4\r\n");
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

namespace {
// Reads a streamed reply to the end; `between` runs after each piece.
std::string drain(Reply& reply, const std::function<void()>& between = {}) {
  std::string body;
  while (reply.stream->next(body))
    if (between) between();
  return body;
}
}  // namespace

TEST_F(EndpointTest, LargeResultsStreamWithoutHoldingTheStore) {
  // 20,000 triples: a SELECT of all of them is several pieces of JSON.
  std::string nquads;
  for (int i = 0; i < 20000; ++i)
    nquads += "<http://ex/s" + std::to_string(i) + "> <http://ex/p> \"value number " + std::to_string(i) +
              "\" <http://ex/g> .\n";
  ASSERT_EQ(call(http::verb::post, "/data", nquads, "application/n-quads", "", "secret-token").result(),
            http::status::ok);
  auto request = [](std::string target, std::string accept) {
    Request r{http::verb::get, target, 11};
    r.set(http::field::accept, accept);
    return r;
  };
  const std::string select = "/sparql?query=SELECT%20%3Fs%20%3Fo%20%7B%20%3Fs%20%3Chttp%3A%2F%2Fex%2Fp%3E%20%3Fo%20%7D";
  const Response whole = endpoint_->handle(request(select, "application/sparql-results+json"));
  Reply streamed = endpoint_->handle_streaming(request(select, "application/sparql-results+json"));
  ASSERT_TRUE(streamed.stream);
  EXPECT_TRUE(streamed.response.chunked());
  EXPECT_EQ(streamed.response.result(), http::status::ok);
  // Writers get in between pieces: the stream holds no lock while it waits.
  int written = 0;
  const std::string body = drain(streamed, [&] {
    const auto r = call(http::verb::post, "/data",
                        "<http://ex/late" + std::to_string(written++) + "> <http://ex/q> \"x\" <http://ex/g> .\n",
                        "application/n-quads", "", "secret-token");
    EXPECT_EQ(r.result(), http::status::ok);
  });
  EXPECT_GT(written, 1);
  EXPECT_EQ(body, whole.body());
  EXPECT_EQ(whole[http::field::content_length], std::to_string(whole.body().size()));
  std::size_t rows = 0;
  for (std::size_t at = body.find("\"s\""); at != std::string::npos; at = body.find("\"s\"", at + 1)) ++rows;
  EXPECT_EQ(rows, 20000u + 1);  // the head names ?s once
  // A small result is not streamed; HEAD gives the length a stream would have.
  EXPECT_FALSE(endpoint_->handle_streaming(request("/sparql?query=ASK%7B%7D", "application/sparql-results+json")).stream);
  Request head = request(select, "text/csv");
  head.method(http::verb::head);
  const Response head_response = endpoint_->handle(head);
  EXPECT_TRUE(head_response.body().empty());
  EXPECT_EQ(head_response[http::field::content_length],
            std::to_string(endpoint_->handle(request(select, "text/csv")).body().size()));
  // The whole store as N-Quads streams too, and lists every quad once.
  Reply exported = endpoint_->handle_streaming(request("/data", "application/n-quads"));
  ASSERT_TRUE(exported.stream);
  int late = 0;
  const std::string quads = drain(exported, [&] {
    call(http::verb::post, "/data", "<http://ex/later" + std::to_string(late++) + "> <http://ex/q> \"y\" <http://ex/g> .\n",
         "application/n-quads", "", "secret-token");
  });
  std::size_t lines = std::count(quads.begin(), quads.end(), '\n');
  EXPECT_GE(lines, 20000u + std::size_t(written));
  EXPECT_LE(lines, 20000u + std::size_t(written) + std::size_t(late));
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

TEST(Tokens, AWorldReadableOrWritableFileIsRefusedWithTheFix) {
  const auto file = fs::temp_directory_path() / ("torchprov-token-open-" + std::to_string(::getpid()));
  std::ofstream(file) << "abc Ana\n";
  bool created = false;
  for (const auto mode : {fs::perms::owner_read | fs::perms::others_read, fs::perms::owner_read | fs::perms::others_write}) {
    fs::permissions(file, mode, fs::perm_options::replace);
    try {
      Tokens::load_or_create(file, created);
      ADD_FAILURE() << "an open token file was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
    }
  }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read, fs::perm_options::replace);
  EXPECT_EQ(Tokens::load_or_create(file, created).identity("abc"), std::optional<std::string>("Ana"));
  fs::remove(file);
}

TEST(Tokens, OnlyWholeTokensMatchAndEveryLineCounts) {
  const auto file = fs::temp_directory_path() / ("torchprov-token-many-" + std::to_string(::getpid()));
  std::ofstream(file) << "# comment\nfirst-token Ana Tester\nsecond-token\nthird-token Bo\n";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  bool created = false;
  const auto tokens = Tokens::load_or_create(file, created);
  EXPECT_EQ(tokens.identity("first-token"), std::optional<std::string>("Ana Tester"));
  EXPECT_EQ(tokens.identity("second-token"), std::optional<std::string>(""));
  EXPECT_EQ(tokens.identity("third-token"), std::optional<std::string>("Bo"));
  for (const char* wrong : {"first-toke", "first-token ", "first-tokenx", "", "#", "FIRST-TOKEN"})
    EXPECT_FALSE(tokens.identity(wrong)) << wrong;
  fs::remove(file);
}
