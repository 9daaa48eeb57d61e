#include "sparql_store.h"

#include "remote_query.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>
#include <sstream>
#include <streambuf>

#include "rdf_io.h"
#include "results/json_value.h"
#include "results/result_readers.h"
#include "results/solution_writer.h"
#include "results/term_syntax.h"
#include "results/triple_writer.h"
#include "sparql/syntax.h"

namespace torchprov::endpoint {

namespace fs = std::filesystem;
namespace results = triplestore::results;
using Clock = std::chrono::steady_clock;
using triplestore::RdfFormat;

namespace {

// Quads a SPARQL Update request may carry: Virtuoso 7.2's SPARQL compiler
// runs out of memory above a few thousand triples in one INSERT DATA.
constexpr std::size_t update_request_quads = 1000;
// Journal payload read per delivery round.
constexpr std::size_t delivery_bytes = std::size_t(4) << 20;
constexpr auto delivery_timeout = std::chrono::seconds(60);
constexpr auto ping_interval = std::chrono::seconds(2);
constexpr auto ping_timeout = std::chrono::seconds(3);
// A 5xx answer this many times for the same batch: the store refuses it.
constexpr int server_error_attempts = 3;

std::string trimmed(std::string text, std::size_t limit = 600) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.size() > limit) text = text.substr(0, limit) + " ...";
  return text;
}

std::string base_prologue(const std::string& base_iri) {
  return base_iri.empty() ? std::string() : "BASE <" + base_iri + ">\n";
}

results::ResultFormat result_format_of(RdfFormat format) {
  switch (format) {
    case RdfFormat::turtle: return results::ResultFormat::turtle;
    case RdfFormat::ntriples: return results::ResultFormat::ntriples;
    case RdfFormat::nquads: return results::ResultFormat::nquads;
    case RdfFormat::trig: return results::ResultFormat::trig;
  }
  return results::ResultFormat::nquads;
}

// Blank node labels made unique to one batch: the store sees every batch's
// _:b1 as its own node, as the embedded store does.
std::string batch_label_prefix() {
  static std::atomic<std::uint64_t> counter{0};
  std::random_device entropy;
  char prefix[40];
  std::snprintf(prefix, sizeof prefix, "t%08x%llx_", entropy(), static_cast<unsigned long long>(++counter));
  return prefix;
}

std::string nquads_of(std::span<const Statement> statements, const std::string& graph, bool triples_only) {
  std::ostringstream out;
  const std::string prefix = batch_label_prefix();
  {
    triplestore::rdf_io::Writer writer(out, triples_only ? RdfFormat::ntriples : RdfFormat::nquads);
    for (Statement s : statements) {
      if (s.graph.empty()) s.graph = graph;
      if (s.subject.kind == TermKind::blank) s.subject.value = prefix + s.subject.value;
      if (s.object.kind == TermKind::blank) s.object.value = prefix + s.object.value;
      writer.write(s);
    }
    writer.finish();
  }
  return out.str();
}

// ------------------------------------------------------------------ spool

// A response body kept in memory up to 1 MB, then in an unnamed temporary
// file: a large answer costs disk, not resident memory.
class Spool : public std::streambuf {
 public:
  explicit Spool(const fs::path& directory) : directory_(directory) { setp(buffer_, buffer_ + sizeof buffer_); }
  ~Spool() override {
    if (fd_ >= 0) ::close(fd_);
  }

  // Everything written so far, read back from the start a piece at a time.
  bool read(std::string& piece, std::size_t piece_bytes) {
    sync();
    if (fd_ < 0) {
      const std::size_t n = std::min(piece_bytes, memory_.size() - read_offset_);
      piece.append(memory_, read_offset_, n);
      read_offset_ += n;
      return read_offset_ < memory_.size();
    }
    const std::size_t start = piece.size();
    piece.resize(start + piece_bytes);
    const auto n = ::pread(fd_, piece.data() + start, piece_bytes, static_cast<off_t>(read_offset_));
    if (n < 0) throw std::runtime_error("cannot read back the spooled answer");
    piece.resize(start + std::size_t(n));
    read_offset_ += std::size_t(n);
    return read_offset_ < file_size_;
  }

 protected:
  int sync() override {
    flush_buffer();
    return 0;
  }
  int_type overflow(int_type c) override {
    flush_buffer();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }

 private:
  void flush_buffer() {
    const std::size_t n = std::size_t(pptr() - pbase());
    if (n == 0) return;
    if (fd_ < 0 && memory_.size() + n > memory_limit) spill();
    if (fd_ >= 0) {
      std::size_t done = 0;
      while (done < n) {
        const auto w = ::pwrite(fd_, pbase() + done, n - done, static_cast<off_t>(file_size_));
        if (w < 0) throw std::runtime_error("cannot spool the answer to " + directory_.string());
        done += std::size_t(w);
        file_size_ += std::size_t(w);
      }
    } else {
      memory_.append(pbase(), n);
    }
    setp(buffer_, buffer_ + sizeof buffer_);
  }
  void spill() {
    fd_ = ::open(directory_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot make a temporary file in " + directory_.string());
    const auto w = ::pwrite(fd_, memory_.data(), memory_.size(), 0);
    if (w != static_cast<ssize_t>(memory_.size())) throw std::runtime_error("cannot spool the answer");
    file_size_ = memory_.size();
    std::string().swap(memory_);
  }

  static constexpr std::size_t memory_limit = std::size_t(1) << 20;
  fs::path directory_;
  char buffer_[64 * 1024];
  std::string memory_;
  int fd_ = -1;
  std::size_t file_size_ = 0, read_offset_ = 0;
};

class SpoolBody : public BodyStream {
 public:
  explicit SpoolBody(std::unique_ptr<Spool> spool) : spool_(std::move(spool)) {}
  bool next(std::string& piece) override { return spool_->read(piece, 256 * 1024); }

 private:
  std::unique_ptr<Spool> spool_;
};

// Writes a remote answer in a result format, counting rows against the limit.
class FormatReceiver : public RemoteReceiver {
 public:
  FormatReceiver(results::ResultFormat format, sparql::QueryForm form, std::ostream& out, std::size_t max_rows)
      : out_(out), form_(form), max_rows_(max_rows) {
    if (results::is_rdf_format(format)) {
      triples_ = std::make_unique<results::TripleWriter>(format, out);
    } else {
      solutions_ = results::make_solution_writer(format, out);
      if (form == sparql::QueryForm::construct || form == sparql::QueryForm::describe) {
        solutions_->begin(results::statement_columns({}));
        values_.resize(3);
        begun_ = true;
      }
    }
  }
  void variables(const std::vector<std::string>& names) override {
    if (form_ != sparql::QueryForm::select) return;  // an ASK answer has a "head" too
    if (solutions_) solutions_->begin(names);
    begun_ = true;
  }
  void row(std::vector<std::optional<Term>>& values) override {
    count();
    if (solutions_) solutions_->row(values);
  }
  void boolean(bool value) override {
    if (solutions_) solutions_->boolean(value);
    asked_ = true;
  }
  void statement(const Statement& statement) override {
    count();
    if (triples_) {
      triples_->write(statement);
    } else {
      results::statement_row(statement, values_);
      solutions_->row(values_);
    }
  }
  void finish() {
    if (triples_) {
      triples_->finish();
    } else if (form_ == sparql::QueryForm::ask) {
      if (!asked_) throw BackendError(http::status::bad_gateway, "the SPARQL store answered an ASK without a boolean");
    } else {
      if (!begun_) solutions_->begin({});
      solutions_->end();
    }
    out_.flush();
  }

 private:
  void count() {
    if (max_rows_ > 0 && ++rows_ > max_rows_)
      throw sparql::ResultTooLarge("more than " + std::to_string(max_rows_) + " rows");
  }
  std::ostream& out_;
  sparql::QueryForm form_;
  std::size_t max_rows_, rows_ = 0;
  bool asked_ = false, begun_ = false;
  std::unique_ptr<results::TripleWriter> triples_;
  std::unique_ptr<results::SolutionWriter> solutions_;
  std::vector<std::optional<Term>> values_;
};

// Statements of a graph export: the rows of SELECT ?s ?p ?o ?g become quads.
class QuadReceiver : public RemoteReceiver {
 public:
  QuadReceiver(std::ostream& out, RdfFormat format, std::string graph)
      : writer_(result_format_of(format), out), graph_(std::move(graph)) {}
  void variables(const std::vector<std::string>&) override {}
  void row(std::vector<std::optional<Term>>& values) override {
    if (values.size() < 4 || !values[0] || !values[1] || !values[2] || !values[3]) return;
    writer_.write(Statement{*values[0], *values[1], *values[2], values[3]->value});
  }
  void boolean(bool) override {}
  void statement(const Statement& statement) override {
    Statement s = statement;
    s.graph = graph_;
    writer_.write(s);
  }
  void finish() { writer_.finish(); }

 private:
  results::TripleWriter writer_;
  std::string graph_;
};

// The store runs the query, SERVICE included: every endpoint it would ask
// must be on the allow list, and a variable endpoint cannot be checked.
void check_services(const std::vector<std::string>& endpoints, const sparql::QueryOptions& options) {
  for (const auto& endpoint : endpoints) {
    if (endpoint.starts_with("?"))
      throw sparql::ServiceRefused("SERVICE " + endpoint +
                                   ": a variable endpoint cannot be checked against the allowed endpoints "
                                   "when the SPARQL store runs the query");
    if (!options.service || !options.service_allowed || !options.service_allowed(endpoint))
      throw sparql::ServiceRefused("SERVICE <" + endpoint + "> is not allowed here" +
                                   (options.service ? "; the server's --service-allow lists the endpoints it may ask"
                                                    : ": this query runs without federation"));
  }
}

sparql::QueryForm form_of(const std::string& text, const sparql::QueryOptions& options) {
  const auto query = sparql::parse_query(text, options.base_iri);
  check_services(sparql::service_endpoints(query), options);
  return query.form;
}

std::string update_text_of(std::span<const Statement> statements, bool with_blank_nodes) {
  // INSERT DATA may not hold blank nodes in Virtuoso; INSERT { } WHERE { }
  // is the same write in standard SPARQL and takes them.
  std::string text = with_blank_nodes ? "INSERT {\n" : "INSERT DATA {\n";
  const std::string* open_graph = nullptr;
  for (const auto& s : statements) {
    if (!open_graph || *open_graph != s.graph) {
      if (open_graph && !open_graph->empty()) text += "}\n";
      if (!s.graph.empty()) text += "GRAPH <" + s.graph + "> {\n";
      open_graph = &s.graph;
    }
    text += results::turtle_term(s.subject) + " " + results::turtle_term(s.predicate) + " " +
            results::turtle_term(s.object) + " .\n";
  }
  if (open_graph && !open_graph->empty()) text += "}\n";
  text += with_blank_nodes ? "} WHERE {}\n" : "}\n";
  return text;
}

std::string graph_ref(const std::string& graph) { return graph.empty() ? "DEFAULT" : "GRAPH <" + graph + ">"; }

}  // namespace

// ------------------------------------------------------------------ queries

class SparqlStore::Answer : public QueryAnswer {
 public:
  Answer(SparqlStore& store, std::string text, sparql::QueryOptions options, sparql::QueryForm form)
      : store_(store), text_(std::move(text)), options_(std::move(options)), form_(form) {}
  sparql::QueryForm form() const override { return form_; }
  std::shared_ptr<BodyStream> write(results::ResultFormat format) override {
    auto spool = std::make_unique<Spool>(store_.spool_directory_);
    {
      std::ostream out(spool.get());
      FormatReceiver receiver(format, form_, out, options_.max_rows);
      store_.run_query(text_, options_, form_, receiver);
      receiver.finish();
    }
    return std::make_shared<SpoolBody>(std::move(spool));
  }

 private:
  SparqlStore& store_;
  std::string text_;
  sparql::QueryOptions options_;
  sparql::QueryForm form_;
};

void check_backend_trust(const BackendOptions& options) {
  for (const std::string& text : {options.query_url, options.update_url, options.data_url}) {
    if (text.empty()) continue;
    const auto url = BackendUrl::parse(text);
    if (!url.tls) continue;
    BackendClient client(url, detail::TlsOptions{options.ca_file});
    try {
      // The handshake is what counts; what the store answers to a GET does not.
      client.send(BackendRequest{"GET", url.target, {}, {}}, Clock::now() + ping_timeout);
    } catch (const TransportError& error) {
      if (error.failure == TransportFailure::untrusted)
        throw std::runtime_error("the SPARQL store at " + url.text + " is not trusted: " + error.what());
    }
  }
}

SparqlStore::SparqlStore(BackendOptions options, const fs::path& state_directory)
    : options_(std::move(options)),
      query_url_(BackendUrl::parse(options_.query_url)),
      update_url_(BackendUrl::parse(options_.update_url.empty() ? options_.query_url : options_.update_url)),
      spool_directory_(state_directory / "spool"),
      journal_(state_directory) {
  if (!options_.data_url.empty()) data_url_ = BackendUrl::parse(options_.data_url);
  fs::create_directories(spool_directory_);
  auto client_for = [&](const BackendUrl& url) {
    return std::make_unique<BackendClient>(url, detail::TlsOptions{options_.ca_file}, options_.user, options_.password);
  };
  query_client_ = client_for(query_url_);
  update_client_ = client_for(update_url_);
  if (data_url_) data_client_ = client_for(*data_url_);
  // Whether the store answers, before the first request comes.
  try {
    BackendRequest ping{"POST", query_url_.target, {{"Content-Type", "application/x-www-form-urlencoded"},
                                                    {"Accept", "application/sparql-results+json"}},
                        "query=" + percent_encode("ASK {}")};
    const auto response = query_client_->send(ping, Clock::now() + ping_timeout);
    if (response.status / 100 == 2) mark_reachable(true, {});
    else mark_reachable(false, "it answers HTTP " + std::to_string(response.status) + " at " + query_url_.text);
  } catch (const TransportError& error) {
    mark_reachable(false, error.what());
  }
  drain_thread_ = std::thread([this] { drain_loop(); });
  monitor_thread_ = std::thread([this] { monitor_loop(); });
}

SparqlStore::~SparqlStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  confirmed_.notify_all();
  query_client_->cancel();
  update_client_->cancel();
  if (data_client_) data_client_->cancel();
  drain_thread_.join();
  monitor_thread_.join();
}

void SparqlStore::run_query(const std::string& text, const sparql::QueryOptions& options, sparql::QueryForm form,
                            RemoteReceiver& receiver) {
  RemoteQuery remote;
  remote.text = base_prologue(options.base_iri) + text;
  remote.form = form;
  remote.default_graphs = options.default_graphs;
  remote.named_graphs = options.named_graphs;
  remote.timeout = options.timeout;
  bool unreachable = false;
  try {
    send_remote_query(*query_client_, query_url_, remote, receiver, "the SPARQL store at " + query_url_.text,
                      &unreachable);
  } catch (const BackendError& error) {
    if (unreachable) mark_reachable(false, error.what());
    throw;
  }
}

std::unique_ptr<QueryAnswer> SparqlStore::query(const std::string& text, const sparql::QueryOptions& options) {
  const auto form = form_of(text, options);  // our syntax errors, before the store sees it
  return std::make_unique<Answer>(*this, text, options, form);
}

sparql::QueryResult SparqlStore::query_terms(const std::string& text, const sparql::QueryOptions& options) {
  sparql::QueryResult result;
  result.form = form_of(text, options);
  TermsReceiver receiver(result, options.max_rows);
  run_query(text, options, result.form, receiver);
  return result;
}

bool SparqlStore::graph_exists(const std::string& graph) {
  sparql::QueryOptions options;
  options.timeout = std::chrono::seconds(10);
  return query_terms("ASK { GRAPH <" + graph + "> { ?s ?p ?o } }", options).boolean;
}

namespace {
// Statements collected whole: rows of SELECT ?s ?p ?o ?g, or a graph's triples.
class StatementsReceiver : public RemoteReceiver {
 public:
  StatementsReceiver(std::vector<Statement>& out, std::string graph) : out_(out), graph_(std::move(graph)) {}
  void variables(const std::vector<std::string>&) override {}
  void row(std::vector<std::optional<Term>>& v) override {
    if (v.size() >= 4 && v[0] && v[1] && v[2] && v[3]) out_.push_back({*v[0], *v[1], *v[2], v[3]->value});
  }
  void boolean(bool) override {}
  void statement(const Statement& s) override {
    out_.push_back(s);
    out_.back().graph = graph_;
  }

 private:
  std::vector<Statement>& out_;
  std::string graph_;
};

// The query that reads one graph ("" the default graph) or, with nullopt, every quad.
std::pair<std::string, sparql::QueryForm> graph_query(const std::optional<std::string>& graph) {
  if (!graph) return {"SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", sparql::QueryForm::select};
  if (graph->empty()) return {"CONSTRUCT WHERE { ?s ?p ?o }", sparql::QueryForm::construct};
  return {"CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + *graph + "> { ?s ?p ?o } }", sparql::QueryForm::construct};
}
}  // namespace

std::vector<Statement> SparqlStore::statements(const std::optional<std::string>& graph) {
  std::vector<Statement> out;
  StatementsReceiver receiver(out, graph.value_or(""));
  const auto [text, form] = graph_query(graph);
  run_query(text, {}, form, receiver);
  return out;
}

std::shared_ptr<BodyStream> SparqlStore::export_graph(std::optional<std::string> graph, RdfFormat format) {
  auto spool = std::make_unique<Spool>(spool_directory_);
  {
    std::ostream out(spool.get());
    QuadReceiver receiver(out, format, graph.value_or(""));
    const auto [text, form] = graph_query(graph);
    run_query(text, {}, form, receiver);
    receiver.finish();
  }
  return std::make_shared<SpoolBody>(std::move(spool));
}

// ------------------------------------------------------------------ writes

WriteOutcome SparqlStore::journal_and_wait(BackendJournal::Kind kind, const std::string& graph,
                                           const std::string& payload, std::chrono::milliseconds wait) {
  const std::uint64_t sequence = journal_.append(kind, graph, payload);
  std::unique_lock lock(mutex_);  // held while notifying: the drain cannot miss the new entry
  work_.notify_all();
  confirmed_.wait_for(lock, wait, [&] {
    return stopping_ || journal_.confirmed_sequence() >= sequence || rejections_.count(sequence) > 0;
  });
  WriteOutcome outcome;
  if (const auto rejected = rejections_.find(sequence); rejected != rejections_.end()) {
    outcome.confirmed = false;
    outcome.rejected = true;
    outcome.note = rejected->second;
  } else if (journal_.confirmed_sequence() < sequence) {
    outcome.confirmed = false;
    outcome.note = "the SPARQL store at " + update_url_.text + " has not confirmed it yet" +
                   (unreachable_reason_.empty() || reachable_ ? std::string() : " (" + unreachable_reason_ + ")") +
                   "; it stays in the server's journal and is sent until the store confirms it";
  }
  return outcome;
}

WriteOutcome SparqlStore::insert(std::span<const Statement> statements, const std::string& graph) {
  return journal_and_wait(BackendJournal::Kind::insert, {}, nquads_of(statements, graph, false),
                          options_.acknowledge_wait);
}

WriteOutcome SparqlStore::replace_graph(const std::string& graph, std::span<const Statement> statements) {
  return journal_and_wait(BackendJournal::Kind::replace_graph, graph, nquads_of(statements, graph, true),
                          options_.acknowledge_wait);
}

WriteOutcome SparqlStore::delete_graph(const std::string& graph) {
  return journal_and_wait(BackendJournal::Kind::drop_graph, graph, {}, options_.acknowledge_wait);
}

WriteOutcome SparqlStore::update(const std::string& text, const sparql::QueryOptions& options) {
  // Our syntax errors and SERVICE checks, before anything is journaled.
  check_services(sparql::service_endpoints(sparql::parse_update(text, options.base_iri)), options);
  std::string form = "update=" + percent_encode(base_prologue(options.base_iri) + text);
  for (const auto& g : options.default_graphs) form += "&using-graph-uri=" + percent_encode(g);
  for (const auto& g : options.named_graphs) form += "&using-named-graph-uri=" + percent_encode(g);
  // People and scripts wait for an update's answer: long enough for the
  // store's verdict even when it needs a few attempts.
  auto outcome = journal_and_wait(BackendJournal::Kind::update, {}, form,
                                  std::max(options_.acknowledge_wait, std::chrono::milliseconds(5000)));
  if (outcome.rejected) throw BackendError(http::status::bad_gateway, outcome.note);
  if (outcome.confirmed) outcome.note = "by the SPARQL store at " + update_url_.text;
  return outcome;
}

// ------------------------------------------------------------------ delivery

SparqlStore::Sent SparqlStore::classify(const BackendResponse& response, const std::string& where) {
  Sent sent;
  const int status = response.status;
  if (status / 100 == 2) return sent;
  sent.message = "the SPARQL store at " + where + " answered HTTP " + std::to_string(status) + ": " +
                 trimmed(response.body);
  // Passing trouble, or a wrong URL an operator will fix: keep sending.
  if (status == 404 || status == 405 || status == 408 || status == 429 || status == 502 || status == 503 ||
      status == 504) {
    sent.delivery = Delivery::retry;
  } else if (status >= 500) {
    sent.delivery = Delivery::retry;
    sent.message = "[server error] " + sent.message;
  } else {
    sent.delivery = Delivery::rejected;
  }
  return sent;
}

SparqlStore::Sent SparqlStore::send_update(const std::string& form_body) {
  BackendRequest request{"POST", update_url_.target, {{"Content-Type", "application/x-www-form-urlencoded"}}, form_body};
  try {
    return classify(update_client_->send(request, Clock::now() + delivery_timeout), update_url_.text);
  } catch (const TransportError& error) {
    return Sent{Delivery::retry, error.what()};
  }
}

SparqlStore::Sent SparqlStore::send_data(const std::string& method, const std::string& graph,
                                         const std::string& ntriples) {
  BackendRequest request;
  request.method = method;
  request.target = graph.empty() ? data_url_->target + (data_url_->target.find('?') == std::string::npos ? "?" : "&") +
                                       "default"
                                 : data_url_->with_parameter("graph", graph);
  if (method != "DELETE") request.headers = {{"Content-Type", "application/n-triples"}};
  request.body = ntriples;
  try {
    const auto response = data_client_->send(request, Clock::now() + delivery_timeout);
    if (method == "DELETE" && response.status == 404) return Sent{};  // gone already
    return classify(response, data_url_->text);
  } catch (const TransportError& error) {
    return Sent{Delivery::retry, error.what()};
  }
}

SparqlStore::Sent SparqlStore::send_entries(std::span<const BackendJournal::Entry> entries,
                                            std::vector<Statement>& stored) {
  using Kind = BackendJournal::Kind;
  const auto& first = entries.front();
  if (first.kind == Kind::update) return send_update(first.payload);
  if (first.kind == Kind::drop_graph) {
    if (data_url_) return send_data("DELETE", first.graph, {});
    return send_update("update=" + percent_encode("DROP SILENT " + graph_ref(first.graph)));
  }
  // Inserts (several batches in one go) and graph replacements.
  std::vector<Statement> statements;
  for (const auto& entry : entries) {
    triplestore::rdf_io::parse_text(
        entry.payload, entry.kind == Kind::insert ? RdfFormat::nquads : RdfFormat::ntriples,
        [&](const Statement& s) {
          statements.push_back(s);
          if (entry.kind == Kind::replace_graph) statements.back().graph = entry.graph;
        },
        "journal entry " + std::to_string(entry.sequence));
  }
  std::stable_sort(statements.begin(), statements.end(),
                   [](const Statement& a, const Statement& b) { return a.graph < b.graph; });
  const bool replace = first.kind == Kind::replace_graph;
  if (data_url_) {
    std::size_t begin = 0;
    if (replace && statements.empty()) return send_data("PUT", first.graph, {});
    while (begin < statements.size()) {
      std::size_t end = begin;
      while (end < statements.size() && statements[end].graph == statements[begin].graph) ++end;
      std::ostringstream body;
      {
        triplestore::rdf_io::Writer writer(body, RdfFormat::ntriples);
        for (std::size_t i = begin; i < end; ++i) writer.write(statements[i]);
        writer.finish();
      }
      const Sent sent = send_data(replace ? "PUT" : "POST", statements[begin].graph, body.str());
      if (sent.delivery != Delivery::confirmed) return sent;
      begin = end;
    }
  } else {
    std::string prologue = replace ? "DROP SILENT " + graph_ref(first.graph) + " ;\n" : std::string();
    if (statements.empty()) return send_update("update=" + percent_encode("DROP SILENT " + graph_ref(first.graph)));
    for (std::size_t begin = 0; begin < statements.size(); begin += update_request_quads) {
      const std::size_t end = std::min(statements.size(), begin + update_request_quads);
      const std::span<const Statement> chunk(statements.data() + begin, end - begin);
      const bool blank = std::any_of(chunk.begin(), chunk.end(), [](const Statement& s) {
        return s.subject.kind == TermKind::blank || s.object.kind == TermKind::blank;
      });
      const Sent sent = send_update("update=" + percent_encode(prologue + update_text_of(chunk, blank)));
      if (sent.delivery != Delivery::confirmed) return sent;
      prologue.clear();
    }
  }
  stored = std::move(statements);
  return Sent{};
}

bool SparqlStore::deliver(std::vector<BackendJournal::Entry>& entries) {
  std::size_t begin = 0;
  while (begin < entries.size()) {
    // Consecutive inserts travel together; anything else alone.
    std::size_t end = begin + 1;
    if (entries[begin].kind == BackendJournal::Kind::insert)
      while (end < entries.size() && entries[end].kind == BackendJournal::Kind::insert) ++end;
    const std::span<const BackendJournal::Entry> group(entries.data() + begin, end - begin);
    std::vector<Statement> stored;
    Sent sent;
    try {
      sent = send_entries(group, stored);
    } catch (const triplestore::ParseError& error) {
      sent = Sent{Delivery::rejected, std::string("the journal entry does not parse: ") + error.what()};
    }
    const bool server_error = sent.delivery == Delivery::retry && sent.message.starts_with("[server error] ");
    if (server_error) {
      std::lock_guard lock(mutex_);
      if (++server_errors_[group.front().sequence] >= server_error_attempts) {
        sent.delivery = Delivery::rejected;
        sent.message = sent.message.substr(15) + " (" + std::to_string(server_error_attempts) + " times)";
      }
    }
    if (sent.delivery == Delivery::retry) {
      ++failed_attempts_;
      // A store that answers with an error is there; one that does not answer is not.
      if (!server_error) mark_reachable(false, sent.message);
      return false;
    }
    if (sent.delivery == Delivery::rejected && group.size() > 1) {
      // Find the batch the store refuses: each alone, in order.
      for (std::size_t i = begin; i < end; ++i) {
        std::vector<BackendJournal::Entry> one{entries[i]};
        if (!deliver(one)) return false;
      }
      begin = end;
      continue;
    }
    if (sent.delivery == Delivery::rejected) {
      const auto& entry = group.front();
      const auto kept = journal_.set_aside(entry, sent.message);
      std::cerr << "torchprov: the SPARQL store refused journal batch " << entry.sequence << "; kept in "
                << kept.string() << ": " << sent.message << "\n";
      {
        // Recorded before the cursor moves: a writer waiting for this batch
        // must learn it was refused, not that it was confirmed.
        std::lock_guard lock(mutex_);
        rejections_[entry.sequence] = sent.message + "; the batch is kept in " + kept.string() + " for an operator";
        while (rejections_.size() > 1000) rejections_.erase(rejections_.begin());
        rejection_log_.push_back("batch " + std::to_string(entry.sequence) + " (" + kept.filename().string() +
                                 "): " + sent.message);
        while (rejection_log_.size() > 10) rejection_log_.pop_front();
        server_errors_.erase(entry.sequence);
      }
      journal_.confirm(entry.sequence);
      ++rejected_batches_;
    } else {
      journal_.confirm(group.back().sequence);
      ++delivered_batches_;
      delivered_quads_ += stored.size();
      mark_reachable(true, {});
      {
        std::lock_guard lock(mutex_);
        server_errors_.erase(group.front().sequence);
      }
      std::lock_guard hook(hook_mutex_);
      if (stored_ && !stored.empty()) stored_(stored, {});
    }
    {
      std::lock_guard lock(mutex_);  // waiters check the cursor under it: none misses this
      confirmed_.notify_all();
    }
    begin = end;
  }
  return true;
}

void SparqlStore::drain_loop() {
  auto backoff = std::chrono::milliseconds(200);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [&] { return stopping_ || journal_.last_sequence() > journal_.confirmed_sequence(); });
      if (stopping_) return;
    }
    auto entries = journal_.pending(delivery_bytes);
    bool delivered = false;
    try {
      delivered = entries.empty() || deliver(entries);
    } catch (const std::exception& error) {
      std::cerr << "torchprov: delivering the journal failed: " << error.what() << "\n";
    }
    if (delivered) {
      backoff = std::chrono::milliseconds(200);
      continue;
    }
    std::unique_lock lock(mutex_);
    work_.wait_for(lock, backoff, [&] { return stopping_; });
    if (stopping_) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

void SparqlStore::monitor_loop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_.wait_for(lock, ping_interval, [&] { return stopping_; });
      if (stopping_) return;
    }
    BackendRequest ping{"POST", query_url_.target, {{"Content-Type", "application/x-www-form-urlencoded"},
                                                    {"Accept", "application/sparql-results+json"}},
                        "query=" + percent_encode("ASK {}")};
    try {
      const auto response = query_client_->send(ping, Clock::now() + ping_timeout);
      if (response.status / 100 == 2) mark_reachable(true, {});
      else mark_reachable(false, "it answers HTTP " + std::to_string(response.status) + " to ASK {}");
    } catch (const TransportError& error) {
      mark_reachable(false, error.what());
    }
    // A store that is back: deliver at once instead of after the back-off.
    if (reachable_) work_.notify_all();
  }
}

void SparqlStore::mark_reachable(bool reachable, const std::string& reason) {
  std::lock_guard lock(mutex_);
  const bool was = reachable_.exchange(reachable);
  if (!reachable) unreachable_reason_ = reason;
  if (was == reachable) return;
  if (reachable) {
    std::cerr << "torchprov: the SPARQL store at " << query_url_.text << " answers; "
              << journal_.last_sequence() - journal_.confirmed_sequence() << " journaled batch(es) to deliver\n";
  } else {
    std::cerr << "torchprov: the SPARQL store at " << query_url_.text << " is not available (" << reason
              << "); writes are kept in the journal until it is\n";
  }
}

bool SparqlStore::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  work_.notify_all();
  return confirmed_.wait_for(lock, timeout,
                             [&] { return journal_.confirmed_sequence() >= journal_.last_sequence(); });
}

void SparqlStore::on_stored(StoredHook hook) {
  std::lock_guard lock(hook_mutex_);
  stored_ = std::move(hook);
}

// ------------------------------------------------------------------ health

StoreHealth SparqlStore::health() {
  StoreHealth health;
  const auto unconfirmed = journal_.last_sequence() - journal_.confirmed_sequence();
  {
    std::lock_guard lock(mutex_);
    health.ok = reachable_;
    if (!health.ok)
      health.reason = "the SPARQL store at " + query_url_.text + " is not available: " + unreachable_reason_ +
                      "; queries answer 503 and writes are journaled";
  }
  health.json_members = "\"backend\":" + results::json_quote(query_url_.text) +
                        ",\"journal_unconfirmed_batches\":" + std::to_string(unconfirmed) +
                        ",\"journal_bytes\":" + std::to_string(journal_.pending_bytes()) +
                        ",\"rejected_batches\":" + std::to_string(journal_.rejected_count());
  return health;
}

namespace {
std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}
}  // namespace

std::string SparqlStore::metrics() {
  std::ostringstream out;
  out << "# HELP torchprov_backend_up Whether the SPARQL store answers.\n# TYPE torchprov_backend_up gauge\n"
      << "torchprov_backend_up{backend=\"" << label_value(query_url_.text) << "\"} " << (reachable_ ? 1 : 0) << "\n"
      << "# HELP torchprov_backend_journal_unconfirmed_batches Journaled writes the store has not confirmed.\n"
         "# TYPE torchprov_backend_journal_unconfirmed_batches gauge\n"
      << "torchprov_backend_journal_unconfirmed_batches "
      << journal_.last_sequence() - journal_.confirmed_sequence() << "\n"
      << "# HELP torchprov_backend_journal_bytes Journal segments holding unconfirmed writes.\n"
         "# TYPE torchprov_backend_journal_bytes gauge\n"
      << "torchprov_backend_journal_bytes " << journal_.pending_bytes() << "\n"
      << "# HELP torchprov_backend_delivered_quads_total Quads the store confirmed.\n"
         "# TYPE torchprov_backend_delivered_quads_total counter\n"
      << "torchprov_backend_delivered_quads_total " << delivered_quads_ << "\n"
      << "# HELP torchprov_backend_delivered_batches_total Journal batches the store confirmed.\n"
         "# TYPE torchprov_backend_delivered_batches_total counter\n"
      << "torchprov_backend_delivered_batches_total " << delivered_batches_ << "\n"
      << "# HELP torchprov_backend_failed_attempts_total Deliveries that failed and will be retried.\n"
         "# TYPE torchprov_backend_failed_attempts_total counter\n"
      << "torchprov_backend_failed_attempts_total " << failed_attempts_ << "\n"
      << "# HELP torchprov_backend_rejected_batches_total Batches the store refused since start.\n"
         "# TYPE torchprov_backend_rejected_batches_total counter\n"
      << "torchprov_backend_rejected_batches_total " << rejected_batches_ << "\n"
      << "# HELP torchprov_backend_rejected_batches_kept Refused batches kept for an operator.\n"
         "# TYPE torchprov_backend_rejected_batches_kept gauge\n"
      << "torchprov_backend_rejected_batches_kept " << journal_.rejected_count() << "\n"
      << "# HELP torchprov_backend_rejection The last refusals and the store's message.\n"
         "# TYPE torchprov_backend_rejection gauge\n";
  std::lock_guard lock(mutex_);
  for (const auto& line : rejection_log_) out << "torchprov_backend_rejection{message=\"" << label_value(line) << "\"} 1\n";
  return out.str();
}

}  // namespace torchprov::endpoint
