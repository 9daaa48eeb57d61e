// The option tables and the progress line's text, in-process.  The commands
// themselves are checked through the program (help_test.sh,
// exit_codes_test.sh, progress_test.sh).
#include <torchprov/command_line.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace cli = torchprov::cli;

namespace {

const cli::Command sample{
    .name = "sample",
    .summary = "A command for the tests.",
    .options =
        {
            {.name = "--store", .value = "DIR", .help = "the store", .required = true},
            {.name = "--port", .value = "N", .help = "a port", .default_value = "7878"},
            {.name = "--output", .value = "FILE", .help = "where", .default_help = "standard output", .short_name = "-o"},
            {.name = "--quiet", .help = "say less"},
        },
    .operands = "FILE...",
    .min_operands = 1,
    .max_operands = 2,
    .example = "torchprov sample --store s a.ttl",
    .run = [](const cli::Arguments&) { return 0; },
};

cli::Arguments parse(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return cli::parse_arguments(sample, argv);
}

std::string usage_error(std::vector<std::string> words) {
  try {
    parse(std::move(words));
  } catch (const cli::UsageError& error) {
    return error.what();
  }
  return "(no error)";
}

}  // namespace

TEST(CommandLine, ReadsValuesFlagsOperandsAndDefaults) {
  const auto args = parse({"--store", "s", "-o", "out.nq", "--quiet", "a.ttl", "--port=80", "b.ttl"});
  EXPECT_EQ(args.value("--store"), "s");
  EXPECT_EQ(args.value("--output"), "out.nq");
  EXPECT_TRUE(args.has("--quiet"));
  EXPECT_EQ(args.integer("--port", 1, 65535), 80);
  EXPECT_EQ(args.operands(), (std::vector<std::string>{"a.ttl", "b.ttl"}));
  const auto defaults = parse({"--store", "s", "a.ttl"});
  EXPECT_EQ(defaults.value("--port"), "7878");
  EXPECT_FALSE(defaults.has("--port"));
  EXPECT_FALSE(defaults.has("--quiet"));
  EXPECT_EQ(defaults.get("--output"), std::nullopt);
}

TEST(CommandLine, DoubleDashEndsTheOptions) {
  const auto args = parse({"--store", "s", "--", "--quiet"});
  EXPECT_FALSE(args.has("--quiet"));
  EXPECT_EQ(args.operands(), std::vector<std::string>{"--quiet"});
}

TEST(CommandLine, UsageErrorsNameTheOption) {
  EXPECT_EQ(usage_error({"--store", "s", "--colour", "a.ttl"}), "unknown option --colour");
  EXPECT_EQ(usage_error({"--store", "s", "a.ttl", "--port"}), "--port needs a value (N)");
  EXPECT_EQ(usage_error({"--store", "--port", "1", "a.ttl"}), "--store needs a value (DIR)");
  EXPECT_EQ(usage_error({"a.ttl"}), "missing --store DIR");
  EXPECT_EQ(usage_error({"--store", "s"}), "missing FILE...");
  EXPECT_EQ(usage_error({"--store", "s", "a", "b", "c"}), "unexpected argument 'c'");
  EXPECT_EQ(usage_error({"--store", "s", "--quiet=yes", "a"}), "--quiet takes no value");
  EXPECT_EQ(usage_error({"--store", "s", "-x", "a"}), "unknown option -x");
}

TEST(CommandLine, NumbersAreCheckedWhole) {
  auto error_of = [](const std::string& port) {
    try {
      parse({"--store", "s", "--port", port, "a"}).integer("--port", 1, 65535);
    } catch (const cli::UsageError& error) {
      return std::string(error.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error_of("80x"), "--port takes an integer from 1 to 65535, not '80x'");
  EXPECT_EQ(error_of("70000"), "--port takes an integer from 1 to 65535, not '70000'");
  EXPECT_EQ(error_of(""), "--port takes an integer from 1 to 65535, not ''");
  EXPECT_EQ(error_of("443"), "(no error)");
  EXPECT_THROW(parse({"--store", "s", "--port", "0.5e", "a"}).number("--port", 0, 1), cli::UsageError);
  EXPECT_DOUBLE_EQ(parse({"--store", "s", "--port", "0.25", "a"}).number("--port", 0, 1), 0.25);
}

TEST(CommandLine, AskingForAnUndeclaredOptionIsAProgrammingError) {
  const auto args = parse({"--store", "s", "a"});
  EXPECT_THROW(args.value("--stor"), std::logic_error);
}

TEST(CommandLine, HelpListsEveryOptionWithItsDefault) {
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  cli::print_help(sample, out);
  std::fclose(out);
  const std::string help(text, size);
  std::free(text);
  EXPECT_EQ(help.substr(0, help.find('\n')), "usage: torchprov sample --store DIR [options] FILE...");
  EXPECT_NE(help.find("--store DIR"), std::string::npos);
  EXPECT_NE(help.find("(required)"), std::string::npos);
  EXPECT_NE(help.find("a port (default: 7878)"), std::string::npos);
  EXPECT_NE(help.find("-o, --output FILE"), std::string::npos);
  EXPECT_NE(help.find("where (default: standard output)"), std::string::npos);
  EXPECT_NE(help.find("say less (default: off)"), std::string::npos);
  EXPECT_NE(help.find("example:\n  torchprov sample --store s a.ttl"), std::string::npos);
}
