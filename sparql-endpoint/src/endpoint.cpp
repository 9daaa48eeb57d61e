#include "endpoint.h"

#include <torchprov/interop.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <random>
#include <fstream>
#include <system_error>
#include <sstream>

#include "embedded_store.h"
#include "remote_query.h"
#include "rdf_io.h"
#include "results/json_value.h"
#include "results/result_format.h"
#include "run_graph_route.h"
#include "sparql/engine.h"
#include "sparql/syntax.h"
#include "steering.h"
#include "term_validity.h"

namespace torchprov::endpoint {
namespace {

using triplestore::RdfFormat;
namespace results = triplestore::results;

// Blank nodes belong to the document that holds them: two request bodies
// that both say _:b1 (or both hold a [ ]) mean two nodes, as two imported
// files do.  A random part per process keeps them apart across restarts.
std::string request_blank_prefix() {
  static const std::string process = [] {
    std::random_device random;
    char text[16];
    std::snprintf(text, sizeof text, "h%08x", random());
    return std::string(text);
  }();
  static std::atomic<std::uint64_t> requests{0};
  return process + "_" + std::to_string(++requests) + "_";
}

std::optional<RdfFormat> rdf_format_of_media_type(std::string_view type) {
  if (type == "text/turtle" || type == "application/x-turtle") return RdfFormat::turtle;
  if (type == "application/n-triples" || type == "text/plain") return RdfFormat::ntriples;
  if (type == "application/n-quads" || type == "text/x-nquads") return RdfFormat::nquads;
  if (type == "application/trig") return RdfFormat::trig;
  if (type == "application/rdf+xml") return RdfFormat::rdfxml;  // read only: never negotiated for output
  return std::nullopt;
}

std::string_view media_type_of_rdf_format(RdfFormat format) {
  switch (format) {
    case RdfFormat::turtle: return "text/turtle";
    case RdfFormat::ntriples: return "application/n-triples";
    case RdfFormat::nquads: return "application/n-quads";
    case RdfFormat::trig: return "application/trig";
    case RdfFormat::rdfxml: return "application/rdf+xml";
  }
  return "text/turtle";
}

// RDF serialisation for a Graph Store GET: among `allowed`, the first the
// Accept header names with q > 0 (in header order), else the first allowed
// when the header accepts anything.
std::optional<RdfFormat> negotiate_rdf(std::string_view accept, std::initializer_list<RdfFormat> allowed) {
  if (accept.empty()) return *allowed.begin();
  std::optional<RdfFormat> wildcard_choice;
  std::size_t pos = 0;
  while (pos <= accept.size()) {
    const auto comma = accept.find(',', pos);
    const auto item = accept.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    const std::string type = media_type_of(item);
    const bool refused = item.find("q=0") != std::string_view::npos && item.find("q=0.") == std::string_view::npos;
    if (!refused) {
      if (type == "*/*" || type == "text/*" || type == "application/*") {
        if (!wildcard_choice) wildcard_choice = *allowed.begin();
      } else if (auto f = rdf_format_of_media_type(type)) {
        for (RdfFormat a : allowed)
          if (a == *f) return f;
      }
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return wildcard_choice;
}

// PROV-JSON or PROV-N, when the Accept header names one of them before any
// RDF syntax (a wildcard alone keeps the RDF default).
std::optional<interop::ProvFormat> prov_format_wanted(std::string_view accept) {
  std::size_t pos = 0;
  while (pos < accept.size()) {
    const auto comma = accept.find(',', pos);
    const auto item = accept.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    const std::string type = media_type_of(item);
    const bool refused = item.find("q=0") != std::string_view::npos && item.find("q=0.") == std::string_view::npos;
    if (!refused) {
      if (type == "application/json") return interop::ProvFormat::json;
      if (type == "text/provenance-notation") return interop::ProvFormat::n;
      if (rdf_format_of_media_type(type)) return std::nullopt;
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return std::nullopt;
}

// A Content-Type's charset parameter, when given, must name UTF-8 (or its
// subset US-ASCII): bodies are read as UTF-8.
bool charset_is_utf8(std::string_view content_type) {
  std::string lower(content_type);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("charset=");
  if (at == std::string::npos) return true;
  std::string value = lower.substr(at + 8);
  value = value.substr(0, value.find(';'));
  std::erase_if(value, [](char c) { return c == '"' || c == ' ' || c == '\t'; });
  return value == "utf-8" || value == "utf8" || value == "us-ascii";
}

bool is_write_method(http::verb v) {
  return v == http::verb::put || v == http::verb::post || v == http::verb::delete_;
}

// SPARQL clients that cannot send a bearer token (Jena's rsparql/rupdate,
// SPARQLWrapper.setCredentials, rdflib's SPARQLUpdateStore) speak HTTP Basic:
// the token is accepted as the password, whatever the user name.
std::optional<std::string> basic_auth_password(std::string_view header) {
  constexpr std::string_view scheme = "basic ";
  if (header.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return std::nullopt;
  header.remove_prefix(scheme.size());
  std::string decoded;
  unsigned bits = 0;
  int count = 0;
  for (char c : header) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=' || c == ' ' || c == '\r') continue;
    else return std::nullopt;
    bits = (bits << 6) | unsigned(v);
    if ((count += 6) >= 8) {
      count -= 8;
      decoded.push_back(char((bits >> count) & 0xff));
    }
  }
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return decoded.substr(colon + 1);
}

// 401 challenge.  Jena (4.5) retries with credentials only when the
// challenge starts with Basic and fails outright on a second WWW-Authenticate
// field, while a browser shows a login dialog on a Basic challenge: browsers
// (which send Origin) get the Bearer challenge only, other clients one field
// with both challenges, Basic first (RFC 7235 allows a list).
void challenge(const Request& request, Response& response) {
  if (request[http::field::origin].empty()) {
    response.set(http::field::www_authenticate, "Basic realm=\"torchprov\", Bearer realm=\"torchprov\"");
  } else {
    response.set(http::field::www_authenticate, "Bearer realm=\"torchprov\"");
  }
}

std::string escape_turtle_iri(std::string_view iri) {
  std::string out;
  for (char c : iri)
    if (c != '>' && c != '<' && c != '"' && c != ' ') out.push_back(c);
  return out;
}

}  // namespace

std::string Endpoint::server_root() const {
  const bool v6 = options_.bind.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + options_.bind + "]" : options_.bind) + ":" + std::to_string(options_.port);
}

// Relative IRIs in queries and updates resolve against the endpoint's IRI.
std::string Endpoint::service_iri() const { return server_root() + "/sparql"; }

Endpoint::Endpoint(DataStore& data, ServerOptions options, Tokens tokens)
    : data_(data), options_(std::move(options)), tokens_(std::move(tokens)) {
  if (!options_.read_only) {
    rules_ = std::make_unique<Rules>(data_);
    data_.on_stored([rules = rules_.get()](std::span<const Statement> statements, const std::string& graph) {
      rules->ingested(statements, graph);
    });
  }
}

Endpoint::Endpoint(triplestore::Store& store, ServerOptions options, Tokens tokens)
    : owned_data_(std::make_unique<EmbeddedStore>(store)),
      data_(*owned_data_),
      options_(std::move(options)),
      tokens_(std::move(tokens)) {
  if (!options_.read_only) {
    rules_ = std::make_unique<Rules>(data_);
    data_.on_stored([rules = rules_.get()](std::span<const Statement> statements, const std::string& graph) {
      rules->ingested(statements, graph);
    });
  }
}

Endpoint::~Endpoint() {
  // The rules' worker goes first: the hook must not outlive it.
  data_.on_stored({});
  rules_.reset();
}

Reply Endpoint::handle_streaming(const Request& request) {
  const auto started = std::chrono::steady_clock::now();
  std::string route_name = "other";
  Reply reply;
  try {
    reply = route(request, parse_target(request.target()), route_name);
  } catch (const std::system_error& error) {
    reply = system_failure(request, error);
  } catch (const std::exception& error) {
    // The details (file paths, system errors) go to the operator's log, not
    // to whoever sent the request.
    static std::atomic<std::uint64_t> incidents{0};
    const std::uint64_t incident = ++incidents;
    std::fprintf(stderr, "torchprov serve: internal error #%llu on %s %s: %s\n",
                 static_cast<unsigned long long>(incident), std::string(request.method_string()).c_str(),
                 parse_target(request.target()).path.c_str(), error.what());
    reply = text_response(http::status::internal_server_error,
                          "internal error #" + std::to_string(incident) + "; the server's log has the details");
  }
  Response& response = reply.response;
  if (reply.stream && request.method() == http::verb::head) {
    // HEAD tells the length the body would have.
    while (reply.stream->next(response.body())) {
    }
    reply.stream.reset();
  }
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::server, "torchprov");
  add_cors(request, response);
  if (reply.stream) {
    response.chunked(true);
  } else if (request.method() == http::verb::head) {
    const auto size = response.body().size();
    response.body().clear();
    response.content_length(size);
  } else {
    response.prepare_payload();
  }
  // A streamed result counts until its first piece is ready.
  metrics_.record(route_name, response.result_int(), std::chrono::steady_clock::now() - started);
  return reply;
}

// The store's disk full or the process out of descriptors: the request
// changed nothing (a batch is journaled whole or not at all) and can be
// sent again once the operator has made room.
Response Endpoint::system_failure(const Request& request, const std::system_error& error) {
  const auto path = parse_target(request.target()).path;
  std::fprintf(stderr, "torchprov serve: %s %s failed: %s\n", std::string(request.method_string()).c_str(),
               path.c_str(), error.what());
  const int code = error.code().value();
  if (code == ENOSPC || code == EDQUOT)
    return text_response(http::status::insufficient_storage,
                         "the store's disk is full (" + error.code().message() +
                             "); nothing of this request was stored; send it again once space is freed");
  if (code == EMFILE || code == ENFILE)
    return text_response(http::status::service_unavailable,
                         "the server is out of file descriptors (" + error.code().message() +
                             "); nothing of this request was stored; retry later");
  return text_response(http::status::internal_server_error,
                       "the store could not complete the request (" + error.code().message() +
                           "); the server's log has the details");
}

bool Endpoint::changes_store(const Request& request) {
  if (!is_write_method(request.method())) return false;
  const std::string path = parse_target(request.target()).path;
  if (path != "/sparql") return true;
  // POST /sparql is a query or an update.  This runs on an I/O thread:
  // only the form's keys are decoded.
  const std::string type = media_type_of(request[http::field::content_type]);
  if (type == "application/sparql-update") return true;
  if (type != "application/x-www-form-urlencoded") return false;
  return form_has_key(request.body(), "update");
}

Response Endpoint::handle(const Request& request) {
  Reply reply = handle_streaming(request);
  if (!reply.stream) return std::move(reply.response);
  std::string body;
  while (reply.stream->next(body)) {
  }
  reply.response.chunked(false);
  reply.response.body() = std::move(body);
  reply.response.prepare_payload();
  return std::move(reply.response);
}

void Endpoint::add_cors(const Request& request, Response& response) const {
  if (options_.cors_origins.empty()) return;
  const auto origin = request[http::field::origin];
  if (options_.cors_origins == "*") {
    response.set(http::field::access_control_allow_origin, "*");
  } else if (!origin.empty()) {
    std::string_view list = options_.cors_origins;
    while (!list.empty()) {
      const auto comma = list.find(',');
      if (list.substr(0, comma) == origin) {
        response.set(http::field::access_control_allow_origin, origin);
        response.set(http::field::vary, "Origin");
        break;
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  response.set(http::field::access_control_allow_headers, "Authorization, Content-Type, Accept");
  response.set(http::field::access_control_allow_methods, "GET, HEAD, POST, PUT, DELETE, OPTIONS");
}

Endpoint::Caller Endpoint::identify(const Request& request) const {
  Caller caller;
  std::optional<std::string> token;
  if (const auto bearer = Tokens::bearer(request[http::field::authorization])) token = std::string(*bearer);
  else token = basic_auth_password(request[http::field::authorization]);
  if (token) {
    if (const auto person = tokens_.identity(*token)) {
      caller.authenticated = true;
      caller.person = *person;
    }
  }
  return caller;
}

std::optional<Response> Endpoint::refuse_write(const Caller& caller, const Request& request) const {
  if (options_.read_only) return text_response(http::status::forbidden, "this server is read-only (--read-only)");
  if (caller.authenticated) return std::nullopt;
  if (request[http::field::authorization].empty()) {
    auto response = text_response(http::status::unauthorized, "writes need a bearer token (Authorization: Bearer TOKEN)");
    challenge(request, response);
    return response;
  }
  return text_response(http::status::forbidden, "the bearer token is not valid for this server");
}

Reply Endpoint::route(const Request& request, const Target& target, std::string& route_name) {
  const std::string& path = target.path;
  if (request.method() == http::verb::options) {
    route_name = "options";
    return text_response(http::status::no_content, "");
  }
  const Caller caller = identify(request);
  const bool read = !is_write_method(request.method());
  if (options_.reads_need_token && read && !caller.authenticated && path != "/health") {
    auto response = text_response(http::status::unauthorized, "reads need a bearer token on this server");
    challenge(request, response);
    return response;
  }
  if (path == "/sparql") {
    route_name = "sparql";
    return sparql(request, target, caller);
  }
  if (path == "/data") {
    route_name = "data";
    return graph_store(request, target, caller);
  }
  if (path == "/api/adaptations") {
    route_name = "adaptations";
    if (request.method() == http::verb::get || request.method() == http::verb::head)
      return list_adaptations(data_, request, target);
    if (request.method() != http::verb::post)
      return text_response(http::status::method_not_allowed, "/api/adaptations takes GET and POST");
    if (auto refusal = refuse_write(caller, request)) return *refusal;
    return submit_adaptation(data_, request, caller.person);
  }
  if (is_run_graph_path(path)) {
    route_name = "run_graph";
    return run_graph_route(request, target, [this](const std::string& text) {
      sparql::QueryOptions options;
      options.timeout = options_.query_timeout;
      return data_.query_terms(text, options);
    });
  }
  if (path == "/api/rules") {
    route_name = "rules";
    if (!rules_) return text_response(http::status::forbidden, "this server is read-only (--read-only): no steering rules");
    if (request.method() == http::verb::get || request.method() == http::verb::head) return rules_->list();
    if (request.method() != http::verb::post && request.method() != http::verb::delete_)
      return text_response(http::status::method_not_allowed, "/api/rules takes GET, POST and DELETE");
    if (auto refusal = refuse_write(caller, request)) return *refusal;
    return request.method() == http::verb::post ? rules_->add(request, caller.person) : rules_->remove(target);
  }
  const bool get_or_head = request.method() == http::verb::get || request.method() == http::verb::head;
  if ((path == "/health" || path == "/metrics" || path == "/ontology" || path.starts_with("/ontology/")) &&
      !get_or_head) {
    auto response = text_response(http::status::method_not_allowed, path + " takes GET and HEAD");
    response.set(http::field::allow, "GET, HEAD, OPTIONS");
    return response;
  }
  if (path == "/health") {
    route_name = "health";
    // Where reads need a token, /health answers anyone (a load balancer
    // has none) but says only that the server is up.
    return health(!options_.reads_need_token || caller.authenticated);
  }
  if (path == "/metrics") {
    route_name = "metrics";
    return text_response(http::status::ok, metrics_.render(data_.metrics()), "text/plain; version=0.0.4");
  }
  if (path == "/ontology" || path.starts_with("/ontology/")) {
    route_name = "ontology";
    return ontology(request);
  }
  route_name = "static";
  if (!get_or_head) return text_response(http::status::method_not_allowed, "method not allowed on " + path);
  return static_file(request, path);
}

// ------------------------------------------------------------------ /sparql

Reply Endpoint::sparql(const Request& request, const Target& target, const Caller& caller) {
  std::multimap<std::string, std::string> params = target.query;
  std::optional<std::string> query, update;
  if (request.method() == http::verb::get || request.method() == http::verb::head) {
    query = first(params, "query");
    if (first(params, "update")) return text_response(http::status::bad_request, "updates must be POSTed, not sent by GET");
    if (params.count("query") > 1) return text_response(http::status::bad_request, "more than one 'query' parameter");
    if (!query) return service_description(request);
  } else if (request.method() == http::verb::post) {
    const std::string type = media_type_of(request[http::field::content_type]);
    if (!charset_is_utf8(request[http::field::content_type]))
      return text_response(http::status::unsupported_media_type, "requests are read as UTF-8; not '" +
                                                                     std::string(request[http::field::content_type]) + "'");
    if (type == "application/x-www-form-urlencoded") {
      for (auto& [k, v] : parse_form(request.body())) params.emplace(k, v);
      query = first(params, "query");
      update = first(params, "update");
      if (params.count("query") > 1 || params.count("update") > 1)
        return text_response(http::status::bad_request, "more than one 'query' or 'update' parameter");
    } else if (type == "application/sparql-query") {
      query = request.body();
    } else if (type == "application/sparql-update") {
      update = request.body();
    } else {
      return text_response(http::status::unsupported_media_type,
                           "POST /sparql takes application/x-www-form-urlencoded, application/sparql-query or "
                           "application/sparql-update, not '" + type + "'");
    }
    if (query && update) return text_response(http::status::bad_request, "give either query or update, not both");
    if (!query && !update) return text_response(http::status::bad_request, "missing 'query' or 'update' parameter");
  } else {
    return text_response(http::status::method_not_allowed, "/sparql takes GET and POST");
  }
  const std::string& text = query ? *query : *update;
  if (text.size() > options_.max_query_bytes) {
    return text_response(http::status::payload_too_large,
                         "query is " + std::to_string(text.size()) + " bytes; the limit is " +
                             std::to_string(options_.max_query_bytes));
  }
  if (update) {
    if (auto refusal = refuse_write(caller, request)) return *refusal;
    return run_update(*update, params);
  }
  return run_query(request, *query, target, params);
}

namespace {
// A piece already made, then the rest of a stream.
class PrefixedBody : public BodyStream {
 public:
  PrefixedBody(std::string first, std::shared_ptr<BodyStream> rest) : first_(std::move(first)), rest_(std::move(rest)) {}
  bool next(std::string& piece) override {
    if (!first_.empty()) {
      piece += first_;
      first_.clear();
      return true;
    }
    return rest_->next(piece);
  }

 private:
  std::string first_;
  std::shared_ptr<BodyStream> rest_;
};

// 400 naming the position of a query's or update's syntax error; 501
// naming what the engine does not do.
Response syntax_error_response(const sparql::SyntaxError& e) {
  return text_response(http::status::bad_request, "syntax error at line " + std::to_string(e.line) + ", column " +
                                                      std::to_string(e.column) + ": " + e.what());
}

Response unsupported_response(const sparql::UnsupportedFeature& e) {
  return text_response(http::status::not_implemented, std::string("not supported: ") + e.what());
}

// A body made piece by piece goes out whole, with a Content-Length, when
// its first piece is all of it; otherwise it streams.
Reply piecewise_reply(std::shared_ptr<BodyStream> body, const std::string& type) {
  std::string first;
  if (!body->next(first)) return text_response(http::status::ok, std::move(first), type);
  Reply reply = text_response(http::status::ok, "", type);
  reply.stream = std::make_shared<PrefixedBody>(std::move(first), std::move(body));
  return reply;
}
}  // namespace

Reply Endpoint::run_query(const Request& request, const std::string& query, const Target&,
                          const std::multimap<std::string, std::string>& params) {
  sparql::QueryOptions options;
  options.base_iri = service_iri();
  options.default_graphs = all(params, "default-graph-uri");
  options.named_graphs = all(params, "named-graph-uri");
  options.union_default_graph = options_.union_default_graph;
  options.timeout = options_.query_timeout;
  options.max_rows = options_.max_result_rows;
  enable_services(options);
  try {
    auto answer = data_.query(query, options);
    const auto format = results::negotiate(request[http::field::accept], answer->form());
    if (!format) {
      return text_response(http::status::not_acceptable,
                           "no acceptable format for this result; SELECT and ASK give application/sparql-results+json, "
                           "application/sparql-results+xml, text/csv, text/tab-separated-values; CONSTRUCT and "
                           "DESCRIBE give text/turtle, application/n-triples, application/n-quads, application/trig");
    }
    std::string type(results::media_type(*format));
    if (!is_rdf_format(*format) || type.starts_with("text/")) type += "; charset=utf-8";
    return piecewise_reply(answer->write(*format), type);
  } catch (const results::UnrepresentableResult& e) {
    // Found in the first piece, before the status went out.  Later, the
    // stream ends without its last chunk (a truncated body, never a short one).
    return text_response(http::status::not_acceptable, e.what());
  } catch (const sparql::SyntaxError& e) {
    return syntax_error_response(e);
  } catch (const sparql::UnsupportedFeature& e) {
    return unsupported_response(e);
  } catch (const sparql::QueryTimeout& e) {
    return text_response(http::status::service_unavailable,
                         "query timed out after " + std::to_string(options_.query_timeout.count()) + " s: " + e.what());
  } catch (const sparql::ResultTooLarge& e) {
    return text_response(http::status::service_unavailable,
                         "result larger than the limit of " + std::to_string(options_.max_result_rows) +
                             " rows; add a LIMIT: " + e.what());
  } catch (const BackendError& e) {
    return text_response(e.status, e.what());
  } catch (const sparql::ServiceRefused& e) {
    return text_response(http::status::forbidden, e.what());
  } catch (const sparql::ServiceFailed& e) {
    return text_response(http::status::bad_gateway, e.what());
  }
}

Response Endpoint::run_update(const std::string& update, const std::multimap<std::string, std::string>& params) {
  sparql::QueryOptions options;
  options.base_iri = service_iri();
  options.default_graphs = all(params, "using-graph-uri");
  options.named_graphs = all(params, "using-named-graph-uri");
  options.union_default_graph = options_.union_default_graph;
  options.timeout = options_.query_timeout;
  enable_services(options);
  options.max_rows = options_.max_result_rows;
  try {
    // SPARQL 1.1 Protocol 2.2.3: using-graph-uri / using-named-graph-uri
    // together with USING or WITH in the request is an error.
    if (!options.default_graphs.empty() || !options.named_graphs.empty()) {
      for (const auto& op : sparql::parse_update(update, options.base_iri).operations)
        if (op.with || !op.using_graphs.empty() || !op.using_named.empty())
          return text_response(http::status::bad_request,
                               "using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH");
    }
    const auto outcome = data_.update(update, options);
    if (outcome.changed) metrics_.add_ingested(*outcome.changed);
    if (!outcome.confirmed) return text_response(http::status::accepted, "update journaled, not applied yet: " + outcome.note);
    if (!outcome.changed) return text_response(http::status::ok, "update applied" + (outcome.note.empty() ? "" : ": " + outcome.note));
    return text_response(http::status::ok, "update applied: " + std::to_string(*outcome.changed) + " added, " +
                                               std::to_string(outcome.removed.value_or(0)) + " removed");
  } catch (const sparql::SyntaxError& e) {
    return syntax_error_response(e);
  } catch (const sparql::UnsupportedFeature& e) {
    return unsupported_response(e);
  } catch (const sparql::UpdateError& e) {
    return text_response(http::status::bad_request, std::string("update failed, nothing changed: ") + e.what());
  } catch (const sparql::QueryTimeout& e) {
    return text_response(http::status::service_unavailable, std::string("update timed out, nothing changed: ") + e.what());
  } catch (const BackendError& e) {
    return text_response(e.status, e.what());
  } catch (const sparql::ServiceRefused& e) {
    return text_response(http::status::forbidden, std::string(e.what()) + "; nothing changed");
  } catch (const sparql::ServiceFailed& e) {
    return text_response(http::status::bad_gateway, std::string(e.what()) + "; nothing changed");
  } catch (const sparql::ResultTooLarge& e) {
    return text_response(http::status::service_unavailable,
                         "update larger than the limit of " + std::to_string(options_.max_result_rows) +
                             " solutions, nothing changed: " + e.what());
  }
}

void Endpoint::enable_services(sparql::QueryOptions& options) {
  options.service_allowed = [this](const std::string& endpoint) {
    return std::find(options_.service_allow.begin(), options_.service_allow.end(), endpoint) !=
           options_.service_allow.end();
  };
  options.service = [this](const std::string& endpoint, const std::string& query) {
    return ask_service(endpoint, query);
  };
}

sparql::QueryResult Endpoint::ask_service(const std::string& endpoint, const std::string& query) {
  BackendUrl url;
  try {
    url = BackendUrl::parse(endpoint);
  } catch (const std::invalid_argument& e) {
    throw sparql::ServiceFailed("SERVICE <" + endpoint + ">: " + e.what());
  }
  BackendClient* client;
  {
    std::lock_guard lock(service_mutex_);
    auto& slot = service_clients_[(url.tls ? "https://" : "http://") + url.authority()];
    if (!slot) slot = std::make_unique<BackendClient>(url, detail::TlsOptions{options_.ca_file});
    client = slot.get();
  }
  sparql::QueryResult result;
  TermsReceiver receiver(result, options_.max_result_rows);
  RemoteQuery remote;
  remote.text = query;
  remote.timeout = options_.query_timeout;
  try {
    send_remote_query(*client, url, remote, receiver, "SERVICE <" + endpoint + ">");
  } catch (const BackendError& e) {
    throw sparql::ServiceFailed(e.what());
  }
  return result;
}

Response Endpoint::service_description(const Request& request) const {
  const std::string host(request[http::field::host].empty() ? "localhost" : request[http::field::host]);
  const std::string endpoint = escape_turtle_iri("http://" + host + "/sparql");
  std::string body =
      "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n"
      "@prefix fmt: <http://www.w3.org/ns/formats/> .\n\n"
      "[] a sd:Service ;\n"
      "  sd:endpoint <" + endpoint + "> ;\n"
      "  sd:supportedLanguage sd:SPARQL11Query, sd:SPARQL11Update ;\n"
      "  sd:feature sd:UnionDefaultGraph, sd:BasicFederatedQuery ;\n"
      "  sd:resultFormat fmt:SPARQL_Results_JSON, fmt:SPARQL_Results_XML, fmt:SPARQL_Results_CSV,\n"
      "    fmt:SPARQL_Results_TSV, fmt:Turtle, fmt:N-Triples, fmt:N-Quads, fmt:TriG ;\n"
      "  sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .\n";
  // BasicFederatedQuery only where SERVICE may reach somewhere.
  if (options_.service_allow.empty())
    body.replace(body.find(", sd:BasicFederatedQuery"), std::string_view(", sd:BasicFederatedQuery").size(), "");
  return text_response(http::status::ok, body, "text/turtle; charset=utf-8");
}

// -------------------------------------------------------------------- /data

Reply Endpoint::graph_store(const Request& request, const Target& target, const Caller& caller) {
  const auto graph_param = first(target.query, "graph");
  const bool default_graph = target.query.count("default") > 0;
  if (graph_param && default_graph) return text_response(http::status::bad_request, "give ?graph=IRI or ?default, not both");
  std::optional<std::string> graph;  // nullopt: the whole dataset
  if (graph_param) {
    if (!triplestore::valid_iri(*graph_param))
      return text_response(http::status::bad_request, "?graph= needs an absolute IRI, not '" + *graph_param + "'");
    graph = *graph_param;
  } else if (default_graph) {
    graph = "";
  }
  const auto method = request.method();
  try {
    if (method == http::verb::get || method == http::verb::head) {
      // A named graph that holds nothing is not there.
      const bool missing = graph && !graph->empty() && !data_.graph_exists(*graph);
      if (const auto prov = prov_format_wanted(request[http::field::accept])) {
        // A document, not a stream: PROV-JSON groups records by kind.
        if (missing) return text_response(http::status::not_found, "no graph <" + *graph + "> in this store");
        std::ostringstream body;
        interop::write_prov(body, data_.statements(graph), *prov);
        return text_response(http::status::ok, body.str(),
                             *prov == interop::ProvFormat::json ? "application/json"
                                                                : "text/provenance-notation; charset=utf-8");
      }
      const auto format = graph ? negotiate_rdf(request[http::field::accept], {RdfFormat::turtle, RdfFormat::ntriples,
                                                                               RdfFormat::nquads, RdfFormat::trig})
                                : negotiate_rdf(request[http::field::accept], {RdfFormat::nquads, RdfFormat::trig});
      if (!format) {
        return text_response(http::status::not_acceptable,
                             graph ? "a graph is served as text/turtle, application/n-triples, application/n-quads, "
                                     "application/trig, application/json (PROV-JSON) or text/provenance-notation"
                                   : "the whole store is served as application/n-quads, application/trig, "
                                     "application/json (PROV-JSON) or text/provenance-notation");
      }
      if (missing) return text_response(http::status::not_found, "no graph <" + *graph + "> in this store");
      const std::string type = std::string(media_type_of_rdf_format(*format)) + "; charset=utf-8";
      return piecewise_reply(data_.export_graph(graph, *format), type);
    }
    if (method != http::verb::put && method != http::verb::post && method != http::verb::delete_) {
      return text_response(http::status::method_not_allowed, "/data takes GET, HEAD, PUT, POST and DELETE");
    }
    if (auto refusal = refuse_write(caller, request)) return *refusal;
    if (method == http::verb::delete_) {
      if (!graph) return text_response(http::status::bad_request, "DELETE /data needs ?graph=IRI or ?default");
      if (!graph->empty() && !data_.graph_exists(*graph))
        return text_response(http::status::not_found, "no graph <" + *graph + ">");
      const auto outcome = data_.delete_graph(*graph);
      if (!outcome.confirmed)
        return text_response(http::status::accepted, "deletion journaled, not applied yet: " + outcome.note);
      if (!outcome.removed) return text_response(http::status::ok, "deleted the graph");
      return text_response(http::status::ok, "deleted " + std::to_string(*outcome.removed) + " triples");
    }
    const std::string type = media_type_of(request[http::field::content_type]);
    const auto format = rdf_format_of_media_type(type);
    if (!format || !charset_is_utf8(request[http::field::content_type])) {
      return text_response(http::status::unsupported_media_type,
                           "send text/turtle, application/n-triples, application/n-quads, application/trig or "
                           "application/rdf+xml, not '" +
                               type + "'");
    }
    if (graph && (*format == RdfFormat::nquads || *format == RdfFormat::trig)) {
      return text_response(http::status::bad_request,
                           "quads cannot be sent to one graph: POST them to /data without ?graph");
    }
    if (method == http::verb::put && !graph) {
      return text_response(http::status::bad_request, "PUT /data needs ?graph=IRI or ?default");
    }
    // Parse everything before touching the store: a bad body changes nothing.
    std::vector<Statement> statements;
    try {
      // Relative IRIs resolve against the request's IRI (Graph Store Protocol).
      triplestore::rdf_io::parse_text(request.body(), *format, [&](const Statement& s) { statements.push_back(s); },
                                      "request body", request_blank_prefix(),
                                      server_root() + std::string(request.target()));
    } catch (const triplestore::ParseError& e) {
      return text_response(http::status::bad_request, std::string("malformed RDF, nothing stored: ") + e.what());
    }
    const bool existed = !graph || graph->empty() || data_.graph_exists(*graph);
    const auto outcome =
        method == http::verb::put ? data_.replace_graph(*graph, statements) : data_.insert(statements, graph.value_or(""));
    metrics_.add_ingested(statements.size());
    if (!outcome.confirmed) {
      return text_response(http::status::accepted,
                           "stored " + std::to_string(statements.size()) + " statements in the journal: " + outcome.note);
    }
    return text_response(existed ? http::status::ok : http::status::created,
                         "stored " + std::to_string(statements.size()) + " statements" +
                             (outcome.changed ? " (" + std::to_string(*outcome.changed) + " new)" : ""));
  } catch (const BackendError& e) {
    return text_response(e.status, e.what());
  }
}

// ------------------------------------------------------------ small routes

Response Endpoint::health(bool with_figures) {
  const auto health = data_.health();
  if (!with_figures)
    return text_response(http::status::ok, std::string("{\"status\":") + (health.ok ? "\"ok\"}" : "\"degraded\"}"),
                         "application/json");
  std::string body = "{\"status\":" + std::string(health.ok ? "\"ok\"" : "\"degraded\"");
  if (!health.ok) body += ",\"reason\":" + results::json_quote(health.reason);
  if (!health.json_members.empty()) body += "," + health.json_members;
  return text_response(http::status::ok, body + "}", "application/json");
}

Response Endpoint::ontology(const Request&) const {
  std::ifstream in(options_.ontology_file, std::ios::binary);
  if (!in) return text_response(http::status::not_found, "ontology file not found: " + options_.ontology_file.string());
  std::ostringstream body;
  body << in.rdbuf();
  return text_response(http::status::ok, body.str(), "text/turtle; charset=utf-8");
}

Response Endpoint::static_file(const Request&, const std::string& path) const {
  static const std::pair<std::string_view, std::string_view> types[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".json", "application/json"},
      {".svg", "image/svg+xml"},             {".png", "image/png"},
      {".rq", "application/sparql-query"},   {".map", "application/json"},
      {".woff2", "font/woff2"},              {".ttf", "font/ttf"}};
  if (options_.static_dir.empty()) {
    if (path != "/" && path != "/index.html") return text_response(http::status::not_found, "not found: " + path);
    return text_response(http::status::ok,
                         "<!doctype html><title>torchprov</title><h1>torchprov</h1><ul>"
                         "<li><a href=\"/sparql\">/sparql</a> SPARQL 1.1 endpoint</li>"
                         "<li><a href=\"/data\">/data</a> Graph Store</li>"
                         "<li><a href=\"/ontology\">/ontology</a> the dl: ontology</li>"
                         "<li><a href=\"/health\">/health</a>, <a href=\"/metrics\">/metrics</a></li></ul>",
                         "text/html; charset=utf-8");
  }
  // No path traversal: reject any ".." segment and anything that resolves
  // outside the static folder.
  if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos || !path.starts_with("/"))
    return text_response(http::status::bad_request, "invalid path");
  std::filesystem::path file = options_.static_dir / path.substr(1);
  if (path.ends_with("/")) file /= "index.html";
  std::error_code ec;
  const auto root = std::filesystem::weakly_canonical(options_.static_dir, ec);
  const auto resolved = std::filesystem::weakly_canonical(file, ec);
  if (ec || std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end()).first != root.end())
    return text_response(http::status::bad_request, "invalid path");
  std::ifstream in(resolved, std::ios::binary);
  if (!in || std::filesystem::is_directory(resolved)) return text_response(http::status::not_found, "not found: " + path);
  std::ostringstream body;
  body << in.rdbuf();
  std::string_view type = "application/octet-stream";
  for (const auto& [ext, t] : types)
    if (resolved.extension() == ext) type = t;
  return text_response(http::status::ok, body.str(), type);
}

}  // namespace torchprov::endpoint
