#include <torchprov/command_line.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace torchprov::cli {
namespace {

constexpr std::size_t help_width = 100;

bool is_help(std::string_view arg) { return arg == "-h" || arg == "--help"; }

std::string_view last_word(std::string_view name) {
  const auto space = name.rfind(' ');
  return space == std::string_view::npos ? name : name.substr(space + 1);
}

std::string full_name(std::string_view name) {
  return name.empty() ? std::string("torchprov") : "torchprov " + std::string(name);
}

std::string option_label(const Option& o) {
  std::string label = o.short_name.empty() ? std::string() : std::string(o.short_name) + ", ";
  label += o.name;
  if (!o.value.empty()) label += " " + std::string(o.value);
  return label;
}

std::string default_text(const Option& o) {
  if (o.required) return "required";
  if (!o.default_help.empty()) return "default: " + std::string(o.default_help);
  if (!o.default_value.empty()) return "default: " + std::string(o.default_value);
  return o.value.empty() ? "default: off" : "default: not set";
}

// Words of `text` from column `indent` up to help_width, continued lines
// indented alike; the first line continues whatever is already printed.
void write_wrapped(std::FILE* out, std::string_view text, std::size_t indent, std::size_t column) {
  std::size_t start = 0;
  bool first_word = true;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    if (!first_word && column + 1 + word.size() > help_width) {
      std::fprintf(out, "\n%*s", int(indent), "");
      column = indent;
    } else if (!first_word) {
      std::fputc(' ', out);
      ++column;
    }
    std::fwrite(word.data(), 1, word.size(), out);
    column += word.size();
    first_word = false;
    start = end + 1;
  }
  std::fputc('\n', out);
}

// Free text as written (its own line breaks), each line indented by two.
void write_block(std::FILE* out, std::string_view title, std::string_view text) {
  if (text.empty()) return;
  std::fprintf(out, "\n%.*s:\n", int(title.size()), title.data());
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    std::fprintf(out, line.empty() ? "\n" : "  %.*s\n", int(line.size()), line.data());
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

std::string usage_line(const Command& c) {
  std::string line = "usage: " + full_name(c.name);
  bool optional = false;
  for (const Option& o : c.options) {
    if (o.required) line += " " + std::string(o.name) + (o.value.empty() ? "" : " " + std::string(o.value));
    else optional = true;
  }
  if (optional) line += " [options]";
  if (!c.operands.empty()) line += " " + std::string(c.operands);
  return line;
}

std::string names(const CommandGroup& g) {
  std::string list;
  for (const auto& entry : g.entries) {
    const std::string_view name =
        std::holds_alternative<const Command*>(entry) ? std::get<const Command*>(entry)->name
                                                      : std::get<const CommandGroup*>(entry)->name;
    list += (list.empty() ? "" : ", ") + std::string(last_word(name));
  }
  return list;
}

}  // namespace

// ------------------------------------------------------------------ Arguments

const Option& Arguments::option(std::string_view name) const {
  for (const Option& o : command_->options)
    if (o.name == name) return o;
  throw std::logic_error("torchprov " + std::string(command_->name) + " declares no option " + std::string(name));
}

bool Arguments::has(std::string_view name) const {
  option(name);
  return given_.find(name) != given_.end();
}

std::optional<std::string> Arguments::get(std::string_view name) const {
  option(name);
  const auto it = given_.find(name);
  if (it == given_.end()) return std::nullopt;
  return it->second;
}

std::string Arguments::value(std::string_view name) const {
  const Option& o = option(name);
  const auto it = given_.find(name);
  return it != given_.end() ? it->second : std::string(o.default_value);
}

std::int64_t Arguments::integer(std::string_view name, std::int64_t min, std::int64_t max) const {
  const std::string text = value(name);
  std::int64_t result = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || result < min || result > max)
    throw UsageError(std::string(name) + " takes an integer from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", not '" + text + "'");
  return result;
}

double Arguments::number(std::string_view name, double min, double max) const {
  const std::string text = value(name);
  char* end = nullptr;
  const double result = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (text.empty() || *end || !std::isfinite(result) || result < min || result > max) {
    char range[64];
    std::snprintf(range, sizeof range, "from %g to %g", min, max);
    throw UsageError(std::string(name) + " takes a number " + range + ", not '" + text + "'");
  }
  return result;
}

Arguments parse_arguments(const Command& command, std::span<char* const> args) {
  Arguments parsed;
  parsed.command_ = &command;
  auto find = [&](std::string_view name) -> const Option* {
    for (const Option& o : command.options)
      if (o.name == name || (!o.short_name.empty() && o.short_name == name)) return &o;
    return nullptr;
  };
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_ended || arg == "-" || !arg.starts_with('-')) {
      parsed.operands_.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    // --name=value or --name value
    const auto equals = arg.starts_with("--") ? arg.find('=') : std::string_view::npos;
    const std::string_view name = arg.substr(0, equals);
    const Option* o = find(name);
    if (!o) throw UsageError("unknown option " + std::string(name));
    if (o->value.empty()) {
      if (equals != std::string_view::npos) throw UsageError(std::string(o->name) + " takes no value");
      parsed.given_[std::string(o->name)] = "yes";
      continue;
    }
    std::string value;
    if (equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
    } else {
      if (i + 1 >= args.size() || (std::string_view(args[i + 1]).starts_with("--") && find(args[i + 1])))
        throw UsageError(std::string(o->name) + " needs a value (" + std::string(o->value) + ")");
      value = args[++i];
    }
    parsed.given_[std::string(o->name)] = std::move(value);
  }
  for (const Option& o : command.options)
    if (o.required && !parsed.given_.count(o.name))
      throw UsageError("missing " + std::string(o.name) + " " + std::string(o.value));
  const std::size_t n = parsed.operands_.size();
  if (n < command.min_operands)
    throw UsageError("missing " + std::string(command.operands.empty() ? "operand" : command.operands));
  if (n > command.max_operands)
    throw UsageError("unexpected argument '" + parsed.operands_[command.max_operands] + "'" +
                     (command.max_operands == 0 ? " (this command takes options only)" : ""));
  return parsed;
}

// ------------------------------------------------------------------ help

void print_help(const Command& c, std::FILE* out) {
  std::fprintf(out, "%s\n\n", usage_line(c).c_str());
  write_wrapped(out, c.summary, 0, 0);
  std::vector<std::pair<std::string, std::string>> rows;
  for (const Option& o : c.options)
    rows.emplace_back(option_label(o), std::string(o.help) + " (" + default_text(o) + ")");
  rows.emplace_back("-h, --help", "print this help and exit");
  std::size_t label_width = 0;
  for (const auto& [label, help] : rows) label_width = std::max(label_width, label.size());
  label_width = std::min<std::size_t>(label_width, 28);
  std::fprintf(out, "\noptions:\n");
  for (const auto& [label, help] : rows) {
    std::fprintf(out, "  %-*s", int(label_width), label.c_str());
    std::size_t column = 2 + std::max(label_width, label.size());
    if (label.size() > label_width) {
      std::fprintf(out, "\n%*s", int(label_width + 2), "");
      column = label_width + 2;
    }
    std::fputs("  ", out);
    write_wrapped(out, help, label_width + 4, column + 2);
  }
  write_block(out, "details", c.details);
  write_block(out, "example", c.example);
}

void print_help(const CommandGroup& g, std::FILE* out) {
  std::fprintf(out, "usage: %s COMMAND [options]\n\n", full_name(g.name).c_str());
  if (!g.summary.empty()) write_wrapped(out, g.summary, 0, 0);
  std::fprintf(out, "\ncommands:\n");
  std::size_t width = 0;
  for (const auto& entry : g.entries) {
    const std::string_view name =
        std::holds_alternative<const Command*>(entry) ? std::get<const Command*>(entry)->name
                                                      : std::get<const CommandGroup*>(entry)->name;
    width = std::max(width, last_word(name).size());
  }
  for (const auto& entry : g.entries) {
    const bool is_command = std::holds_alternative<const Command*>(entry);
    const std::string_view name =
        is_command ? std::get<const Command*>(entry)->name : std::get<const CommandGroup*>(entry)->name;
    const std::string_view summary =
        is_command ? std::get<const Command*>(entry)->summary : std::get<const CommandGroup*>(entry)->summary;
    const std::string_view word = last_word(name);
    std::fprintf(out, "  %-*.*s  ", int(width), int(word.size()), word.data());
    write_wrapped(out, summary, width + 4, width + 4);
  }
  write_block(out, "details", g.details);
  std::fprintf(out, "\nRun '%s COMMAND --help' for a command's options.\n", full_name(g.name).c_str());
}

// ------------------------------------------------------------------ running

int run_command(const Command& command, int argc, char** argv) {
  const std::span<char* const> args(argv, std::size_t(std::max(argc, 0)));
  for (const char* arg : args) {
    if (std::string_view(arg) == "--") break;
    if (is_help(arg)) {
      print_help(command, stdout);
      return exit_success;
    }
  }
  const std::string name = full_name(command.name);
  try {
    const Arguments parsed = parse_arguments(command, args);
    return command.run(parsed);
  } catch (const UsageError& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for its options.\n", name.c_str(), error.what(), name.c_str());
    return exit_usage;
  } catch (const std::exception& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", name.c_str(), error.what());
    return exit_failure;
  }
}

int run_group(const CommandGroup& group, int argc, char** argv) {
  const std::string name = full_name(group.name);
  if (argc < 1) {
    // A newcomer typing the bare command gets the list of commands (and the
    // group's first steps), on stderr: it is still a usage error.
    std::fprintf(stderr, "%s: expected a command\n\n", name.c_str());
    print_help(group, stderr);
    return exit_usage;
  }
  const std::string_view word = argv[0];
  if (is_help(word) || word == "help") {
    print_help(group, stdout);
    return exit_success;
  }
  for (const auto& entry : group.entries) {
    if (const auto* const* command = std::get_if<const Command*>(&entry)) {
      if (last_word((*command)->name) == word) return run_command(**command, argc - 1, argv + 1);
    } else {
      const CommandGroup* sub = std::get<const CommandGroup*>(entry);
      if (last_word(sub->name) == word) return run_group(*sub, argc - 1, argv + 1);
    }
  }
  std::fprintf(stderr, "%s: unknown command '%.*s' (commands: %s)\nRun '%s --help' for usage.\n", name.c_str(),
               int(word.size()), word.data(), names(group).c_str(), name.c_str());
  return exit_usage;
}

}  // namespace torchprov::cli
