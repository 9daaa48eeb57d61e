// Command-line options shared by the example trainings.
#pragma once

#include <torchprov/capture.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace examples {

struct ExampleOptions {
  int epochs = 3;
  std::int64_t train_limit = 0;  // 0: all training examples
  std::int64_t test_limit = 0;
  double lr = 0.001;
  int batch_size = 64;
  std::string optimizer = "adam";  // sgd | adam
  double momentum = 0.9;           // sgd only
  std::string out;                 // provenance file (.ttl, .trig, .nq)
  std::string store;               // embedded store directory
  std::string endpoint;            // running torchprov server
  std::string token_file;
  std::string ca_file;             // private CA for an https:// endpoint
  std::string person;
  std::string experiment;
  std::string checkpoint_dir = ".";
  int threads = 0;      // 0: all cores
  int step_every = 0;   // record a dl:Step every N batches
  std::uint64_t seed = 42;
  std::map<std::string, std::string> extra;  // example-specific --name value pairs
};

// Parses argv; prints usage and exits on --help or on a bad option.
// `extra_names` lists the example's own options and their defaults.
ExampleOptions parse_options(int argc, char** argv, const std::string& program,
                             const std::map<std::string, std::string>& extra_defaults);

// The sink named by --out / --store / --endpoint.
std::unique_ptr<torchprov::Sink> open_destination(const ExampleOptions& options,
                                                  std::string& description);

}  // namespace examples
