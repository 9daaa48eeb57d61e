#include <gtest/gtest.h>
#include <torchprov/capture.h>

#include <filesystem>

#include "serd_read.h"

using torchprov::FileFormat;
using torchprov::Statement;
using torchprov::Term;

namespace {

const std::string xsd = "http://www.w3.org/2001/XMLSchema#";

std::vector<Statement> tricky_statements() {
  const std::string s = "https://w3id.org/torchprov/run/x/hp/note";
  const std::string g = "https://w3id.org/torchprov/run/x/bundle";
  std::vector<Statement> out;
  for (const std::string v : {std::string("say \"hi\""), std::string("two\nlines\r\tand tab"),
                              std::string("non-ASCII: Müller, 東京, emoji \xF0\x9F\x98\x80"),
                              std::string("triple \"\"\" quotes \"\"\"\" inside"), std::string("back\\slash"),
                              std::string("ends with quote\""), std::string("")}) {
    out.push_back({Term::iri(s), Term::iri("https://w3id.org/torchprov/dl#name"), Term::literal(v), g});
  }
  out.push_back({Term::iri(s), Term::iri("http://www.w3.org/ns/prov#value"), Term::literal("NaN", xsd + "double"), g});
  out.push_back({Term::iri(s), Term::iri("http://www.w3.org/ns/prov#value"), Term::literal("-INF", xsd + "double"), g});
  out.push_back({Term::iri(s), Term::iri("http://www.w3.org/ns/prov#value"), Term::literal("1e-05", xsd + "double"), g});
  out.push_back({Term::iri(s), Term::iri("http://www.w3.org/2000/01/rdf-schema#label"), Term::lang_literal("étiquette", "fr"), g});
  out.push_back({Term::iri("https://w3id.org/torchprov/person/Ana%20M%C3%BCller"),
                 Term::iri("https://w3id.org/torchprov/dl#name"), Term::literal("Ana Müller"), g});
  return out;
}

class FileSinkRoundTrip : public ::testing::TestWithParam<std::pair<FileFormat, SerdSyntax>> {};

}  // namespace

TEST_P(FileSinkRoundTrip, LiteralsAndIrisReadBackExactly) {
  const auto [format, syntax] = GetParam();
  const auto path = std::filesystem::temp_directory_path() /
                    ("torchprov-sink-" + std::to_string(int(format)) + ".rdf");
  const auto expected = tricky_statements();
  {
    auto sink = torchprov::open_file_sink(path, format);
    sink->write(expected);
    sink->close();
  }
  auto got = test_support::read_rdf(path, syntax);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    Statement want = expected[i];
    if (format == FileFormat::turtle) want.graph.clear();  // Turtle has no graphs
    EXPECT_EQ(got[i].object.value, want.object.value) << i;
    EXPECT_EQ(got[i].object.datatype, want.object.datatype) << i;
    EXPECT_EQ(got[i].object.language, want.object.language) << i;
    EXPECT_EQ(got[i].subject, want.subject) << i;
    EXPECT_EQ(got[i].graph, want.graph) << i;
  }
  std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Formats, FileSinkRoundTrip,
                         ::testing::Values(std::pair{FileFormat::turtle, SERD_TURTLE},
                                           std::pair{FileFormat::trig, SERD_TRIG},
                                           std::pair{FileFormat::nquads, SERD_NQUADS}));

TEST(FileSink, FileIsCompleteAfterEveryFlush) {
  for (auto [format, syntax] : {std::pair{FileFormat::turtle, SERD_TURTLE}, std::pair{FileFormat::trig, SERD_TRIG}}) {
    const auto path = std::filesystem::temp_directory_path() / "torchprov-flush.rdf";
    auto sink = torchprov::open_file_sink(path, format);
    const auto batch = tricky_statements();
    sink->write(std::span(batch).first(3));
    sink->flush();
    EXPECT_EQ(test_support::read_rdf(path, syntax).size(), 3u);
    sink->write(std::span(batch).subspan(3));
    sink->flush();
    EXPECT_EQ(test_support::read_rdf(path, syntax).size(), batch.size());
    sink->close();
    std::filesystem::remove(path);
  }
}

TEST(FileSink, UnwritablePathIsAClearError) {
  try {
    torchprov::open_file_sink("/nonexistent-dir/x.ttl");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.ttl"), std::string::npos);
  }
}
