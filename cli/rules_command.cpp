#include "rules_command.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <torchprov/capture.h>

#include "http_client.h"
#include "lexical.h"
#include "results/json_value.h"
#include "sparql/engine.h"
#include "sparql/syntax.h"

namespace {

namespace cli = torchprov::cli;
namespace detail = torchprov::detail;
using torchprov::triplestore::results::json_quote;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The rule's query, read and parsed here: a syntax error is reported as
// FILE:LINE:COLUMN, as `torchprov query --file` reports it, before anything is
// sent (the server's 400 would not name the file).
std::string read_rule_query(const std::string& path) {
  std::string text = read_file(path);
  try {
    torchprov::triplestore::sparql::parse_query(text);
  } catch (const torchprov::triplestore::sparql::SyntaxError& e) {
    std::string message = e.what();
    const std::string where = " at line " + std::to_string(e.line) + ", column " + std::to_string(e.column);
    if (message.ends_with(where)) message.resize(message.size() - where.size());
    throw std::runtime_error(path + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) +
                             ": syntax error: " + message);
  }
  return text;
}

const cli::Option endpoint_option{.name = "--endpoint", .value = "URL", .help = "the torchprov server (http:// or https://)",
                                  .default_value = "http://127.0.0.1:7878"};
const cli::Option ca_file_option{.name = "--ca-file", .value = "FILE",
                                 .help = "PEM certificates of a private CA an https:// server's certificate may come from",
                                 .default_help = "the system's CA certificates"};
const cli::Option timeout_option{.name = "--timeout", .value = "S", .help = "give up when the server has not answered within S seconds",
                                 .default_value = "30"};
const cli::Option token_option{.name = "--token-file", .value = "FILE",
                               .help = "bearer token for writes (the server's STORE/token)", .required = true};

// Sends one request to the server's /api/rules; prints the answer.
int call_rules_api(const cli::Arguments& args, const std::string& method, const std::string& target,
                   const std::string& body) {
  const std::string endpoint = args.value("--endpoint");
  const auto url = detail::HttpUrl::parse(endpoint);
  const auto timeout = std::chrono::milliseconds(long(args.number("--timeout", 0.001, 1e6) * 1000));
  const std::string token = args.has("--token-file") ? torchprov::read_token_file(args.value("--token-file")) : "";
  const detail::HttpReply reply = detail::http_request(url, method, target, body.empty() ? "" : "application/json",
                                                       body, token, timeout, "application/json",
                                                       {args.has("--ca-file") ? args.value("--ca-file") : std::string()});
  if (reply.status == 0) throw std::runtime_error("no answer from " + endpoint + ": " + reply.error);
  std::cout << reply.body;
  if (!reply.body.empty() && reply.body.back() != '\n') std::cout << "\n";
  std::cout.flush();
  if (reply.status >= 300) throw std::runtime_error("the server answered " + std::to_string(reply.status));
  return cli::exit_success;
}

int add_rule(const cli::Arguments& args) {
  if (args.has("--run") == args.has("--experiment")) throw cli::UsageError("give --run IRI or --experiment NAME (one of them)");
  std::string body = "{\"name\":" + json_quote(args.value("--name")) + ",\"scope\":{" +
                     (args.has("--run") ? "\"run\":" + json_quote(args.value("--run"))
                                        : "\"experiment\":" + json_quote(args.value("--experiment"))) +
                     "},\"query\":" + json_quote(read_rule_query(args.value("--file"))) +
                     ",\"action\":" + json_quote(args.value("--action"));
  if (args.has("--hyperparameter")) body += ",\"hyperparameter\":" + json_quote(args.value("--hyperparameter"));
  if (args.has("--value")) {
    // Written back in the shortest form that reads back the same: a JSON number.
    const double value = args.number("--value", -1e300, 1e300);
    char text[32];
    body += ",\"value\":" + std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
  }
  if (args.has("--reason")) body += ",\"reason\":" + json_quote(args.value("--reason"));
  body += std::string(",\"once\":") + (args.has("--repeatable") ? "false" : "true") + "}";
  return call_rules_api(args, "POST", "/api/rules", body);
}

const cli::Command add_command{
    .name = "rules add",
    .summary = "Register a steering rule: a SPARQL ASK or SELECT evaluated as epochs arrive.",
    .options =
        {
            endpoint_option,
            ca_file_option,
            timeout_option,
            token_option,
            {.name = "--name", .value = "NAME", .help = "the rule's name, unique on the server", .required = true},
            {.name = "--run", .value = "IRI", .help = "evaluate for this run only (or give --experiment)"},
            {.name = "--experiment", .value = "NAME", .help = "evaluate for every run of this experiment (or give --run)"},
            {.name = "--file", .value = "RULE.rq", .help = "the rule's query, using ?run for the run", .required = true},
            {.name = "--action", .value = "ACTION", .help = "stop, set or set_epochs", .required = true},
            {.name = "--hyperparameter", .value = "NAME", .help = "for set: learning_rate, weight_decay or momentum"},
            {.name = "--value", .value = "X", .help = "the new value", .default_help = "a SELECT rule's ?value"},
            {.name = "--reason", .value = "TEXT", .help = "recorded with each adaptation the rule makes"},
            {.name = "--repeatable", .help = "fire again for the same run (a rule fires once per run otherwise)"},
        },
    .details = "The rule's query is a SPARQL 1.1 ASK or SELECT (.rq, sent as application/sparql-query text inside the\n"
               "JSON body) over the provenance, with ?run bound to the run being evaluated; it fires when the ASK\n"
               "is true or the SELECT has a row.  Examples: ontology/rules/*.rq",
    .example = "torchprov rules add --token-file out/store/token --name early-stop --experiment demo "
               "--file ontology/rules/early-stop-val-loss.rq --action stop",
    .run = add_rule,
};

const cli::Command list_command{
    .name = "rules list",
    .summary = "List the server's steering rules (JSON).",
    .options = {endpoint_option, ca_file_option, timeout_option,
                {.name = "--token-file", .value = "FILE", .help = "bearer token, when reads need one"}},
    .details = "Prints the server's answer, application/json.",
    .example = "torchprov rules list --endpoint http://127.0.0.1:7878",
    .run = [](const cli::Arguments& args) { return call_rules_api(args, "GET", "/api/rules", ""); },
};

const cli::Command remove_command{
    .name = "rules remove",
    .summary = "Remove a steering rule by name.",
    .options = {endpoint_option, ca_file_option, timeout_option, token_option,
                {.name = "--name", .value = "NAME", .help = "the rule to remove", .required = true}},
    .details = "Prints the server's answer, application/json.",
    .example = "torchprov rules remove --token-file out/store/token --name early-stop",
    .run =
        [](const cli::Arguments& args) {
          return call_rules_api(args, "DELETE", "/api/rules?name=" + detail::iri_segment(args.value("--name")), "");
        },
};

}  // namespace

const cli::CommandGroup rules_commands{
    .name = "rules",
    .summary = "Steering rules on a running server: SPARQL ASK / SELECT that stop a run or change its settings.",
    .entries = {&add_command, &list_command, &remove_command},
};
