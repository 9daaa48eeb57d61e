// The server over real sockets with every kind of request at once: ingest,
// queries, streamed exports, updates, steering, rules, health and metrics.
// Every request must succeed and every write must be counted.  Run under
// ThreadSanitizer by `make test-tsan`.
#include <gtest/gtest.h>
#include <torchprov/endpoint.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
namespace http = boost::beast::http;
namespace net = boost::asio;
using net::ip::tcp;
using torchprov::Statement;
using torchprov::Term;

namespace {

const std::string run_iri = "https://w3id.org/torchprov/run/concurrency";

std::uint16_t free_port() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

struct Reply {
  unsigned status = 0;
  std::string body;
};

Reply request(std::uint16_t port, http::verb method, const std::string& target, const std::string& body = {},
              const std::string& type = {}, bool token = false) {
  try {
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!type.empty()) req.set(http::field::content_type, type);
    if (token) req.set(http::field::authorization, "Bearer concurrency-token");
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t(1) << 30);
    http::read(socket, buffer, parser);
    return {parser.get().result_int(), parser.get().body()};
  } catch (const std::exception& e) {
    return {0, e.what()};
  }
}

std::string triples(const std::string& name, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += "<urn:c:" + name + "/s" + std::to_string(i) + "> <urn:c:p> \"" + std::to_string(i) + "\" .\n";
  return out;
}

std::string encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      out.push_back(char(c));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

TEST(EndpointConcurrency, EveryKindOfRequestAtOnceOverSockets) {
  const fs::path dir = fs::temp_directory_path() / ("torchprov-endpoint-concurrency-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "token") << "concurrency-token Concurrent Tester\n";
  fs::permissions(dir / "token", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  auto store = torchprov::triplestore::Store::open(dir / "store");
  const std::string dl(torchprov::dl_namespace);
  store.insert(std::vector<Statement>{
                   {Term::iri(run_iri), Term::iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    Term::iri(dl + "TrainingRun"), {}},
                   {Term::iri(run_iri), Term::iri(dl + "hasHyperparameter"), Term::iri(run_iri + "/hp/lr"), {}},
                   {Term::iri(run_iri + "/hp/lr"), Term::iri(dl + "name"), Term::literal("learning_rate"), {}}},
               run_iri);
  torchprov::endpoint::ServerOptions options;
  options.port = free_port();
  options.token_file = dir / "token";
  options.threads = 3;
  int exit_code = -1;
  std::thread server([&] { exit_code = torchprov::endpoint::serve(store, options); });
  const auto port = options.port;
  for (int i = 0; i < 200 && request(port, http::verb::get, "/health").status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

  std::atomic<int> failures{0};
  auto expect = [&](const Reply& r, const char* what) {
    if (r.status < 200 || r.status >= 300) {
      ++failures;
      ADD_FAILURE() << what << ": " << r.status << " " << r.body.substr(0, 300);
    }
  };
  constexpr int rounds = 15;
  std::atomic<bool> writing{true};
  std::vector<std::thread> writers, readers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < rounds; ++i) {
        const std::string name = "ingest" + std::to_string(t) + "-" + std::to_string(i);
        expect(request(port, http::verb::post, "/data?graph=" + encode("urn:c:g/" + name), triples(name, 100),
                       "application/n-triples", true),
               "ingest");
      }
    });
  }
  writers.emplace_back([&] {
    for (int i = 0; i < rounds; ++i)
      expect(request(port, http::verb::post, "/sparql",
                     "INSERT DATA { GRAPH <urn:c:g/update" + std::to_string(i) + "> { " +
                         triples("update" + std::to_string(i), 10) + " } }",
                     "application/sparql-update", true),
             "update");
  });
  writers.emplace_back([&] {
    for (int i = 0; i < rounds; ++i) {
      expect(request(port, http::verb::post, "/api/adaptations",
                     "{\"run\":\"" + run_iri + "\",\"action\":\"set\",\"hyperparameter\":\"learning_rate\",\"value\":0.00" +
                         std::to_string(i + 1) + "}",
                     "application/json", true),
             "steering");
      const std::string rule = "r" + std::to_string(i);
      expect(request(port, http::verb::post, "/api/rules",
                     "{\"name\":\"" + rule + "\",\"scope\":{\"run\":\"" + run_iri +
                         "\"},\"query\":\"ASK { ?run ?p ?o FILTER(false) }\",\"action\":\"stop\"}",
                     "application/json", true),
             "rule added");
      expect(request(port, http::verb::delete_, "/api/rules?name=" + rule, {}, {}, true), "rule removed");
    }
  });
  readers.emplace_back([&] {
    while (writing) {
      expect(request(port, http::verb::get,
                     "/sparql?query=" + encode("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")),
             "query");
      expect(request(port, http::verb::get, "/api/adaptations?run=" + encode(run_iri)), "steering list");
    }
  });
  readers.emplace_back([&] {
    while (writing) {
      expect(request(port, http::verb::get, "/data"), "export");
      expect(request(port, http::verb::get, "/sparql?query=" + encode("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")),
             "streamed query");
    }
  });
  readers.emplace_back([&] {
    while (writing) {
      expect(request(port, http::verb::get, "/metrics"), "metrics");
      expect(request(port, http::verb::get, "/health"), "health");
    }
  });
  for (auto& t : writers) t.join();
  writing = false;
  for (auto& t : readers) t.join();

  const Reply counts = request(port, http::verb::get,
                               "/sparql?query=" + encode("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                                         "FILTER(STRSTARTS(STR(?g), \"urn:c:g/\")) }"),
                               {}, {}, false);
  EXPECT_NE(counts.body.find("\"" + std::to_string(3 * rounds * 100 + rounds * 10) + "\""), std::string::npos)
      << counts.body;
  EXPECT_EQ(failures, 0);
  ::kill(::getpid(), SIGTERM);
  server.join();
  EXPECT_EQ(exit_code, 0);
  fs::remove_all(dir);
}
