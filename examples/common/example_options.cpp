#include "example_options.h"

#include <torchprov/triplestore.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace examples {
namespace {

[[noreturn]] void usage(const std::string& program, const std::map<std::string, std::string>& extra,
                        int code) {
  std::ostream& out = code == 0 ? std::cout : std::cerr;
  out << "usage: " << program << " [options]\n"
      << "  --epochs N          epochs to train (default 3)\n"
      << "  --train-limit N     use only the first N training examples\n"
      << "  --test-limit N      use only the first N test examples\n"
      << "  --lr X              learning rate (default 0.001)\n"
      << "  --batch-size N      batch size (default 64)\n"
      << "  --optimizer NAME    sgd | adam (default adam)\n"
      << "  --momentum X        SGD momentum (default 0.9)\n"
      << "  --out FILE          write provenance to FILE (.ttl, .trig or .nq)\n"
      << "  --store DIR         write provenance into the embedded store at DIR\n"
      << "  --endpoint URL      stream provenance to a torchprov server\n"
      << "  --token-file F      bearer token for --endpoint\n"
      << "  --ca-file F         CA certificates (PEM) an https:// endpoint's certificate must come from\n"
      << "  --person NAME       who runs the training (default: $TORCHPROV_PERSON, else your login name)\n"
      << "  --experiment NAME   experiment the run belongs to\n"
      << "  --checkpoint-dir D  where checkpoints go (default .)\n"
      << "  --threads N         intra-op threads (default: all cores)\n"
      << "  --step-every N      record the batch loss every N batches\n"
      << "  --seed N            random seed (default 42)\n";
  for (const auto& [name, value] : extra) out << "  --" << name << " (default " << value << ")\n";
  std::exit(code);
}

}  // namespace

ExampleOptions parse_options(int argc, char** argv, const std::string& program,
                             const std::map<std::string, std::string>& extra_defaults) {
  ExampleOptions o;
  o.extra = extra_defaults;
  o.experiment = program;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") usage(program, extra_defaults, 0);
    if (!arg.starts_with("--") || i + 1 >= argc) {
      std::cerr << program << ": " << (arg.starts_with("--") ? "missing value for " : "unexpected argument ")
                << arg << "\n";
      usage(program, extra_defaults, 2);
    }
    const std::string name = arg.substr(2);
    const std::string value = argv[++i];
    try {
      if (name == "epochs") o.epochs = std::stoi(value);
      else if (name == "train-limit") o.train_limit = std::stoll(value);
      else if (name == "test-limit") o.test_limit = std::stoll(value);
      else if (name == "lr") o.lr = std::stod(value);
      else if (name == "batch-size") o.batch_size = std::stoi(value);
      else if (name == "optimizer") o.optimizer = value;
      else if (name == "momentum") o.momentum = std::stod(value);
      else if (name == "out") o.out = value;
      else if (name == "store") o.store = value;
      else if (name == "endpoint") o.endpoint = value;
      else if (name == "token-file") o.token_file = value;
      else if (name == "ca-file") o.ca_file = value;
      else if (name == "person") o.person = value;
      else if (name == "experiment") o.experiment = value;
      else if (name == "checkpoint-dir") o.checkpoint_dir = value;
      else if (name == "threads") o.threads = std::stoi(value);
      else if (name == "step-every") o.step_every = std::stoi(value);
      else if (name == "seed") o.seed = std::stoull(value);
      else if (o.extra.count(name)) o.extra[name] = value;
      else {
        std::cerr << program << ": unknown option --" << name << "\n";
        usage(program, extra_defaults, 2);
      }
    } catch (const std::logic_error&) {
      std::cerr << program << ": bad value '" << value << "' for --" << name << "\n";
      std::exit(2);
    }
  }
  if (o.optimizer != "sgd" && o.optimizer != "adam") {
    std::cerr << program << ": --optimizer must be sgd or adam, not '" << o.optimizer << "'\n";
    std::exit(2);
  }
  if (o.epochs < 1 || o.batch_size < 1 || !(o.lr > 0)) {
    std::cerr << program << ": --epochs and --batch-size must be positive, --lr greater than 0\n";
    std::exit(2);
  }
  const int destinations = !o.out.empty() + !o.store.empty() + !o.endpoint.empty();
  if (destinations > 1) {
    std::cerr << program << ": give one of --out, --store, --endpoint\n";
    std::exit(2);
  }
  if (destinations == 0) o.out = program + "-provenance.ttl";
  return o;
}

std::unique_ptr<torchprov::Sink> open_destination(const ExampleOptions& options,
                                                  std::string& description) {
  if (!options.store.empty()) {
    description = "the store at " + options.store;
    return torchprov::triplestore::open_store_sink(options.store);
  }
  if (!options.endpoint.empty()) {
    torchprov::HttpSinkOptions http;
    http.endpoint = options.endpoint;
    if (!options.token_file.empty()) http.token = torchprov::read_token_file(options.token_file);
    http.ca_file = options.ca_file;
    description = "the server at " + options.endpoint;
    return torchprov::open_http_sink(std::move(http));
  }
  description = options.out;
  return torchprov::open_file_sink(options.out);
}

}  // namespace examples
