#include "endpoint_fixture.h"

#include <fstream>
#include <memory>
#include <optional>

#include "fuzz_support.h"

namespace torchprov::fuzz {

namespace {

// Made after the scratch folder, so it is gone before the folder is removed.
struct State {
  std::filesystem::path dir = scratch_dir("endpoint");
  std::optional<triplestore::Store> current_store;
  std::optional<endpoint::Endpoint> current_endpoint;
  EndpointFixture fixture{nullptr, nullptr};
  ~State() {
    current_endpoint.reset();
    current_store.reset();
  }
};

State& state() {
  static State s;
  return s;
}

void make_fixture() {
  auto& [dir, current_store, current_endpoint, fixture] = state();
  current_endpoint.reset();
  current_store.reset();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "token") << fixture_token << " Fuzz Tester\n";
    std::filesystem::permissions(dir / "token", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    std::filesystem::create_directories(dir / "dashboard/assets");
    std::ofstream(dir / "dashboard/index.html") << "<!doctype html><title>dashboard</title>";
    std::ofstream(dir / "dashboard/assets/app.js") << "console.log('dashboard');";
    std::ofstream(dir / "outside.txt") << outside_secret;
    std::ofstream(dir / "dashboard-outside.txt") << outside_secret;
    std::ofstream(dir / "ontology.ttl") << "<http://example.org/o> a <http://www.w3.org/2002/07/owl#Ontology> .\n";
    triplestore::StoreOptions store_options;
    store_options.storage = "memory";
    store_options.checkpoint_bytes = 4 << 20;
    current_store.emplace(triplestore::Store::open(dir / "store", store_options));
    auto statements = small_dataset_statements();
    const std::string dl(dl_namespace), prov(prov_namespace);
    auto add = [&](const std::string& p, Term o) {
      statements.push_back({Term::iri(fixture_run), Term::iri(p), std::move(o), std::string(fixture_run)});
    };
    add("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", Term::iri(dl + "TrainingRun"));
    add(prov + "startedAtTime", Term::literal("2024-01-01T00:00:00Z", "http://www.w3.org/2001/XMLSchema#dateTime"));
    add(dl + "hasHyperparameter", Term::iri(std::string(fixture_run) + "/hp/lr"));
    statements.push_back({Term::iri(std::string(fixture_run) + "/hp/lr"), Term::iri(dl + "name"),
                          Term::literal("learning_rate"), std::string(fixture_run)});
    current_store->insert(statements);
    endpoint::ServerOptions options;
    options.port = 7878;
    options.static_dir = dir / "dashboard";
    options.ontology_file = dir / "ontology.ttl";
    options.query_timeout = std::chrono::seconds(2);
    options.max_result_rows = query_row_limit;
    options.max_query_bytes = 64 << 10;
    bool created = false;
    current_endpoint.emplace(*current_store, options, endpoint::Tokens::load_or_create(dir / "token", created));
    fixture = EndpointFixture{&*current_store, &*current_endpoint};
  }
}

}  // namespace

// A fresh store and endpoint every few thousand requests: accepted writes
// and the dictionary only grow.
EndpointFixture& endpoint_fixture() {
  static int uses = 0;
  if (!state().fixture.endpoint || ++uses % 3000 == 0) make_fixture();
  return state().fixture;
}

endpoint::Response handle_checked(const endpoint::Request& request) {
  endpoint::Endpoint::changes_store(request);  // the server asks this on its I/O thread
  endpoint::Response response = state().fixture.endpoint->handle(request);
  check(response.result_int() != 500, "500 for " + std::string(request.method_string()) + " " +
                                          std::string(request.target()) + ": " + response.body());
  // The fuzzer learns the secret from this very comparison and puts it in
  // paths, which error messages then quote: only a secret the request did
  // not carry is a file served from outside the dashboard.
  bool request_carries_secret = request.target().find(outside_secret) != std::string_view::npos ||
                                request.body().find(outside_secret) != std::string::npos;
  for (const auto& field : request)
    if (field.value().find(outside_secret) != std::string_view::npos) request_carries_secret = true;
  check(request_carries_secret || response.body().find(outside_secret) == std::string::npos,
        "a file outside the dashboard was served for " + std::string(request.target()));
  return response;
}

}  // namespace torchprov::fuzz
