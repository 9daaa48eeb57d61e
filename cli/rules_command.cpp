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

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

// A plain-socket HTTP/1.1 client, one request per connection.  (Not the
// capture library's Beast client: this binary also links the endpoint,
// which compiles Beast with BOOST_BEAST_USE_STD_STRING_VIEW, and the two
// instantiations would clash.)
struct Url {
  std::string host, port = "80", path;
};
struct Reply {
  int status = 0;
  std::string body, error;
};

Url parse_url(const std::string& url) {
  if (!url.starts_with("http://")) throw std::invalid_argument("--endpoint must be an http:// URL");
  Url out;
  std::string rest = url.substr(7);
  const auto slash = rest.find('/');
  if (slash != std::string::npos) out.path = rest.substr(slash);
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  const std::string authority = rest.substr(0, slash);
  const auto colon = authority.rfind(':');
  out.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  if (colon != std::string::npos) out.port = authority.substr(colon + 1);
  if (out.host.empty()) throw std::invalid_argument("--endpoint has no host");
  return out;
}

Reply http_request(const Url& url, const std::string& method, const std::string& target, const std::string& type,
                   const std::string& body, const std::string& token) {
  Reply reply;
  addrinfo hints{}, *addresses = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (const int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &addresses); rc != 0) {
    reply.error = gai_strerror(rc);
    return reply;
  }
  int fd = -1;
  for (addrinfo* a = addresses; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(addresses);
  if (fd < 0) {
    reply.error = "cannot connect to " + url.host + ":" + url.port;
    return reply;
  }
  std::string request = method + " " + url.path + target + " HTTP/1.1\r\nHost: " + url.host +
                        "\r\nUser-Agent: torchprov-rules\r\nAccept: application/json\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  if (!type.empty()) request += "Content-Type: " + type + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      reply.error = "sending the request failed";
      return reply;
    }
    sent += std::size_t(n);
  }
  std::string response;
  char buffer[8192];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, std::size_t(n));
  ::close(fd);
  const auto end = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.") || response.size() < 12 || end == std::string::npos) {
    reply.error = "no HTTP answer";
    return reply;
  }
  reply.status = std::atoi(response.c_str() + 9);
  reply.body = response.substr(end + 4);
  return reply;
}

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

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out.push_back(char(c));
        }
    }
  }
  return out + "\"";
}

std::string url_encode(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string read_token(const std::string& path) {
  std::istringstream lines(read_file(path));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string token;
    if (fields >> token && !token.starts_with('#')) return token;
  }
  throw std::runtime_error("token file " + path + " holds no token");
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
    const auto url = parse_url(o["endpoint"]);
    const std::string token = o.count("token-file") ? read_token(o["token-file"]) : "";
    Reply reply;
    if (verb == "list") {
      reply = http_request(url, "GET", "/api/rules", "", "", token);
    } else if (verb == "remove") {
      if (!o.count("name")) throw std::invalid_argument("remove needs --name");
      reply = http_request(url, "DELETE", "/api/rules?name=" + url_encode(o["name"]), "", "", token);
    } else if (verb == "add") {
      for (const char* required : {"name", "file", "action"})
        if (!o.count(required)) throw std::invalid_argument(std::string("add needs --") + required);
      if (o.count("run") == o.count("experiment")) throw std::invalid_argument("add needs --run IRI or --experiment NAME");
      std::string body = "{\"name\":" + json_string(o["name"]) + ",\"scope\":{" +
                         (o.count("run") ? "\"run\":" + json_string(o["run"]) : "\"experiment\":" + json_string(o["experiment"])) +
                         "},\"query\":" + json_string(read_file(o["file"])) + ",\"action\":" + json_string(o["action"]);
      if (o.count("hyperparameter")) body += ",\"hyperparameter\":" + json_string(o["hyperparameter"]);
      if (o.count("value")) {
        char* end = nullptr;
        const double v = std::strtod(o["value"].c_str(), &end);
        if (end == o["value"].c_str() || *end) throw std::invalid_argument("--value must be a number");
        (void)v;
        body += ",\"value\":" + o["value"];
      }
      if (o.count("reason")) body += ",\"reason\":" + json_string(o["reason"]);
      body += std::string(",\"once\":") + (repeatable ? "false" : "true") + "}";
      reply = http_request(url, "POST", "/api/rules", "application/json", body, token);
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
