// torchprov/command_line.h — the `torchprov` command's options, declared once.
//
// Each command is a table: its options (one line each), operands, accepted
// formats and an example.  Parsing, `--help` / `-h`, usage errors and exit
// codes all come from that table, so a new option is one line and shows up
// in the help by itself.
//
//   const Command stats{.name = "stats", .summary = "triples per graph and predicate",
//       .options = {{.name = "--store", .value = "DIR", .help = "the store folder", .required = true}},
//       .example = "torchprov stats --store out/store",
//       .run = [](const Arguments& args) { show(args.value("--store")); return exit_success; }};
//   return run_command(stats, argc, argv);   // argv: the arguments after the command's words
//
// Exit codes, the same for every command: 0 success, 1 runtime failure (the
// message says what failed), 2 usage error (the message names the option).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace torchprov::cli {

inline constexpr int exit_success = 0;
inline constexpr int exit_failure = 1;  // the command ran and failed
inline constexpr int exit_usage = 2;    // the command line is wrong; nothing was done

// A wrong command line (unknown option, missing or malformed value, missing
// operand).  The message names the option; the command exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Option {
  std::string_view name;           // "--store"
  std::string_view value;          // "DIR"; empty for a flag, which takes no value
  std::string_view help;           // one line
  std::string_view default_value;  // what value() returns when the option is not given
  std::string_view default_help;   // shown instead of default_value where the default is computed
  bool required = false;
  std::string_view short_name;     // "-o"
};

class Arguments;

struct Command {
  std::string_view name;      // "import", "bench store"
  std::string_view summary;   // one line, also listed by `torchprov --help`
  std::vector<Option> options;
  std::string_view operands;  // as shown in the usage line: "FILE...", "[QUERY]"; empty: none
  std::size_t min_operands = 0;
  std::size_t max_operands = 0;  // SIZE_MAX: any number
  std::string_view details;   // accepted formats (by extension and media type), notes
  std::string_view example;   // one command line
  std::function<int(const Arguments&)> run;
};

// Commands that take a further word (`torchprov rules add`, `torchprov bench
// store`); the whole `torchprov` command is the group with an empty name.
struct CommandGroup {
  std::string_view name;
  std::string_view summary;
  // Each command named "GROUP WORD", or a group named so.
  std::vector<std::variant<const Command*, const CommandGroup*>> entries;
  std::string_view details;  // printed after the list
};

// The command line after the command's words, checked against its table.
class Arguments {
 public:
  bool has(std::string_view option) const;  // given (a flag: set)
  // The value given, else the option's default_value ("" when it has none).
  std::string value(std::string_view option) const;
  std::optional<std::string> get(std::string_view option) const;  // nullopt when not given
  // The value as a number in [min, max]; anything else is a UsageError naming the option.
  std::int64_t integer(std::string_view option, std::int64_t min, std::int64_t max) const;
  double number(std::string_view option, double min, double max) const;
  const std::vector<std::string>& operands() const { return operands_; }

  const Command& command() const { return *command_; }

 private:
  friend Arguments parse_arguments(const Command&, std::span<char* const>);
  const Option& option(std::string_view name) const;
  const Command* command_ = nullptr;
  std::map<std::string, std::string, std::less<>> given_;
  std::vector<std::string> operands_;
};

// Throws UsageError.  `-h` / `--help` are not handled here (see run_command).
Arguments parse_arguments(const Command& command, std::span<char* const> args);

void print_help(const Command& command, std::FILE* out);
void print_help(const CommandGroup& group, std::FILE* out);

// Parses, prints the help for -h / --help (exit 0) and runs the command:
// a UsageError exits 2 with the message and a pointer to --help, any other
// exception exits 1 with its message, both on stderr as "torchprov NAME: ...".
int run_command(const Command& command, int argc, char** argv);
// argv[0] is the group's word ("add"); no word (the group's help goes to stderr) or an
// unknown one is a usage error.
int run_group(const CommandGroup& group, int argc, char** argv);

}  // namespace torchprov::cli
