#include "rules_command.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include <torchprov/capture.h>

#include "http_client.h"
#include "lexical.h"
#include "results/json_value.h"

namespace {

namespace detail = torchprov::detail;
using torchprov::triplestore::results::json_quote;

const char* const usage =
    "usage: torchprov rules add    [--endpoint URL] --token-file F --name N (--run IRI | --experiment E)\n"
    "                              --file RULE.rq --action stop|set|set_epochs [--hyperparameter H]\n"
    "                              [--value V] [--reason R] [--repeatable]\n"
    "       torchprov rules list   [--endpoint URL] [--token-file F]\n"
    "       torchprov rules remove [--endpoint URL] --token-file F --name N\n"
    "The rule's query is a SPARQL ASK or SELECT over the provenance that uses ?run for the run\n"
    "being evaluated; it fires when the ASK is true or the SELECT has a row.  Without --value, a\n"
    "SELECT rule's ?value is the new value.  A rule fires once per run unless --repeatable.\n"
    "Default endpoint: http://127.0.0.1:7878.  Examples: ontology/rules/*.rq\n";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int run_rules_command(int argc, char** argv) {
  if (argc < 1 || std::string(argv[0]) == "--help" || std::string(argv[0]) == "-h") {
    std::fputs(usage, argc < 1 ? stderr : stdout);
    return argc < 1 ? 2 : 0;
  }
  const std::string verb = argv[0];
  std::map<std::string, std::string> o{{"endpoint", "http://127.0.0.1:7878"}};
  bool repeatable = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h") {
        std::fputs(usage, stdout);
        return 0;
      }
      if (a == "--repeatable") {
        repeatable = true;
        continue;
      }
      static const char* const known[] = {"endpoint", "token-file", "name",  "run",    "experiment",
                                          "file",     "action",     "value", "reason", "hyperparameter"};
      bool ok = false;
      for (const char* k : known) ok = ok || a == std::string("--") + k;
      if (!ok) throw std::invalid_argument("unknown option " + a);
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      o[a.substr(2)] = argv[++i];
    }
    const auto url = detail::HttpUrl::parse(o["endpoint"]);
    const std::string token = o.count("token-file") ? torchprov::read_token_file(o["token-file"]) : "";
    auto http_request = [&](const std::string& method, const std::string& target, const std::string& type,
                            const std::string& body) {
      return detail::http_request(url, method, target, type, body, token, std::chrono::seconds(30), "application/json");
    };
    detail::HttpReply reply;
    if (verb == "list") {
      reply = http_request("GET", "/api/rules", "", "");
    } else if (verb == "remove") {
      if (!o.count("name")) throw std::invalid_argument("remove needs --name");
      reply = http_request("DELETE", "/api/rules?name=" + detail::iri_segment(o["name"]), "", "");
    } else if (verb == "add") {
      for (const char* required : {"name", "file", "action"})
        if (!o.count(required)) throw std::invalid_argument(std::string("add needs --") + required);
      if (o.count("run") == o.count("experiment")) throw std::invalid_argument("add needs --run IRI or --experiment NAME");
      std::string body = "{\"name\":" + json_quote(o["name"]) + ",\"scope\":{" +
                         (o.count("run") ? "\"run\":" + json_quote(o["run"]) : "\"experiment\":" + json_quote(o["experiment"])) +
                         "},\"query\":" + json_quote(read_file(o["file"])) + ",\"action\":" + json_quote(o["action"]);
      if (o.count("hyperparameter")) body += ",\"hyperparameter\":" + json_quote(o["hyperparameter"]);
      if (o.count("value")) {
        char* end = nullptr;
        const double v = std::strtod(o["value"].c_str(), &end);
        if (end == o["value"].c_str() || *end) throw std::invalid_argument("--value must be a number");
        (void)v;
        body += ",\"value\":" + o["value"];
      }
      if (o.count("reason")) body += ",\"reason\":" + json_quote(o["reason"]);
      body += std::string(",\"once\":") + (repeatable ? "false" : "true") + "}";
      reply = http_request("POST", "/api/rules", "application/json", body);
    } else {
      throw std::invalid_argument("unknown verb '" + verb + "' (add, list, remove)");
    }
    if (reply.status == 0) {
      std::cerr << "torchprov rules: no answer from " << o["endpoint"] << ": " << reply.error << "\n";
      return 1;
    }
    std::cout << reply.body;
    if (!reply.body.empty() && reply.body.back() != '\n') std::cout << "\n";
    if (reply.status >= 300) {
      std::cerr << "torchprov rules: the server answered " << reply.status << "\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "torchprov rules: " << error.what() << "\n" << usage;
    return 2;
  }
}
