#include "remote_query.h"

#include "rdf_io.h"
#include "results/json_result_stream.h"
#include "results/result_readers.h"
#include "results/term_syntax.h"

namespace torchprov::endpoint {

namespace results = triplestore::results;
using Clock = std::chrono::steady_clock;

namespace {

std::string trimmed(std::string text, std::size_t limit = 600) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.size() > limit) text = text.substr(0, limit) + " ...";
  return text;
}

std::string duration_text(std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// "x"^^xsd:string is "x" (RDF 1.1); the embedded store writes it so.
void normalise(std::optional<Term>& term) {
  if (term && term->kind == TermKind::literal && term->datatype == results::xsd_string) term->datatype.clear();
}

}  // namespace

void send_remote_query(BackendClient& client, const BackendUrl& url, const RemoteQuery& query,
                       RemoteReceiver& receiver, const std::string& who, bool* unreachable) {
  const bool graph = query.form == sparql::QueryForm::construct || query.form == sparql::QueryForm::describe;
  BackendRequest request;
  request.method = "POST";
  request.target = url.target;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", graph ? "application/n-triples" : "application/sparql-results+json"}};
  request.body = "query=" + percent_encode(query.text);
  for (const auto& g : query.default_graphs) request.body += "&default-graph-uri=" + percent_encode(g);
  for (const auto& g : query.named_graphs) request.body += "&named-graph-uri=" + percent_encode(g);
  const std::chrono::milliseconds timeout =
      query.timeout.count() > 0 ? query.timeout : std::chrono::milliseconds(std::chrono::hours(1));

  int status = 0;
  std::string error_body, partial, lines;
  results::JsonResultStream json([&](const std::vector<std::string>& names) { receiver.variables(names); },
                                 [&](std::vector<std::optional<Term>>& row) {
                                   for (auto& term : row) normalise(term);
                                   receiver.row(row);
                                 },
                                 [&](bool value) { receiver.boolean(value); });
  auto parse_lines = [&](bool all) {
    std::size_t end = lines.size();
    if (!all) {
      const auto newline = lines.rfind('\n');
      if (newline == std::string::npos) return;
      end = newline + 1;
    }
    if (end == 0) return;
    triplestore::rdf_io::parse_text(std::string_view(lines).substr(0, end), triplestore::RdfFormat::ntriples,
                                    [&](const Statement& s) { receiver.statement(s); }, "the answer");
    lines.erase(0, end);
  };
  try {
    client.stream(
        request, Clock::now() + timeout,
        [&](const BackendResponse& response) {
          status = response.status;
          // Virtuoso's "anytime" queries end at its own time limit with a
          // partial answer and say so only in these headers.
          if (const auto state = response.header("X-SQL-State"); !state.empty())
            partial = state + " " + response.header("X-SQL-Message");
        },
        [&](std::string_view bytes) {
          if (status / 100 != 2 || !partial.empty()) {
            if (error_body.size() < 4096) error_body.append(bytes);
            return true;
          }
          if (graph) {
            lines.append(bytes);
            parse_lines(false);
          } else {
            json.feed(bytes);
          }
          return true;
        });
    if (status / 100 == 2 && partial.empty()) {
      if (graph) parse_lines(true);
      else json.finish();
    }
  } catch (const TransportError& error) {
    switch (error.failure) {
      case TransportFailure::unreachable:
        if (unreachable) *unreachable = true;
        throw BackendError(http::status::service_unavailable, who + " is unreachable: " + error.what());
      case TransportFailure::timed_out:
        throw BackendError(http::status::gateway_timeout, who + " did not answer within " + duration_text(timeout));
      case TransportFailure::untrusted:
        throw BackendError(http::status::bad_gateway, who + " is not trusted: " + error.what());
      case TransportFailure::broken: break;
    }
    throw BackendError(http::status::bad_gateway, who + " failed: " + error.what());
  } catch (const results::ResultParseError& error) {
    throw BackendError(http::status::bad_gateway, who + " sent a malformed answer: " + error.what());
  } catch (const triplestore::ParseError& error) {
    throw BackendError(http::status::bad_gateway, who + " sent malformed N-Triples: " + error.what());
  }
  if (!partial.empty())
    throw BackendError(http::status::gateway_timeout, who + " gave only part of the answer (" + trimmed(partial) + ")");
  if (status / 100 != 2)
    throw BackendError(http::status::bad_gateway,
                       who + " answered HTTP " + std::to_string(status) + ": " + trimmed(error_body));
}

void TermsReceiver::variables(const std::vector<std::string>& names) {
  result_.form = sparql::QueryForm::select;
  result_.variables = names;
}

void TermsReceiver::row(std::vector<std::optional<Term>>& values) {
  if (max_rows_ > 0 && result_.rows.size() >= max_rows_)
    throw sparql::ResultTooLarge("more than " + std::to_string(max_rows_) + " rows");
  result_.rows.push_back(std::move(values));
}

void TermsReceiver::boolean(bool value) {
  result_.form = sparql::QueryForm::ask;
  result_.boolean = value;
}

void TermsReceiver::statement(const Statement& statement) { result_.triples.push_back(statement); }

}  // namespace torchprov::endpoint
