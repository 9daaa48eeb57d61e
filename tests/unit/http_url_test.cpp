// Endpoint URLs as the HTTP sink, `torchprov rules` and `import --endpoint`
// read them (uriparser): scheme, host, default ports, a path prefix, and
// what is refused.
#include <gtest/gtest.h>

#include <stdexcept>

#include "http_client.h"

using torchprov::detail::HttpUrl;

TEST(HttpUrl, HttpsTakesPort443AndHttpPort80) {
  const auto secure = HttpUrl::parse("https://prov.example.org");
  EXPECT_TRUE(secure.tls);
  EXPECT_EQ(secure.host, "prov.example.org");
  EXPECT_EQ(secure.port, "443");
  EXPECT_EQ(secure.path, "");
  const auto plain = HttpUrl::parse("HTTP://127.0.0.1/");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.port, "80");
  EXPECT_EQ(plain.path, "");
}

TEST(HttpUrl, PortIPv6AndPathPrefix) {
  const auto url = HttpUrl::parse("https://[::1]:8443/prov/store/");
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, "8443");
  EXPECT_EQ(url.path, "/prov/store");
}

TEST(HttpUrl, RefusesWhatIsNotAnHttpEndpoint) {
  for (const char* bad : {"ftp://example.org", "example.org:7878", "https://", "https://user:pw@example.org",
                          "https://example.org/?graph=x", "https://example.org:99999", "https://example.org:0",
                          "http://exa mple.org"}) {
    EXPECT_THROW(HttpUrl::parse(bad), std::invalid_argument) << bad;
  }
}
