#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include "lexical.h"

using namespace torchprov::detail;

TEST(Lexical, DoublesRoundTripExactly) {
  for (double v : {0.1, 1e-5, 0.001, 3.0, -2.5e300, 123456.789, 5e-324}) {
    EXPECT_EQ(std::strtod(double_lexical(v).c_str(), nullptr), v) << double_lexical(v);
  }
}

TEST(Lexical, NonFiniteDoublesUseXsdSpecialValues) {
  EXPECT_EQ(double_lexical(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(double_lexical(std::numeric_limits<double>::infinity()), "INF");
  EXPECT_EQ(double_lexical(-std::numeric_limits<double>::infinity()), "-INF");
}

TEST(Lexical, DateTimesAreUtcWithMilliseconds) {
  const std::chrono::system_clock::time_point t{std::chrono::milliseconds(1700000000123)};
  EXPECT_EQ(datetime_lexical(t), "2023-11-14T22:13:20.123Z");
}

TEST(Lexical, IriSegmentsEscapeEverythingReserved) {
  EXPECT_EQ(iri_segment("learning_rate"), "learning_rate");
  EXPECT_EQ(iri_segment("a b/c#d\"é"), "a%20b%2Fc%23d%22%C3%A9");
  EXPECT_EQ(iri_segment(""), "_");
}

TEST(Lexical, UuidsAreVersion4AndDistinct) {
  const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = random_uuid();
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}
