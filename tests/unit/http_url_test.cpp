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

TEST(HttpUrl, AResourceKeepsItsPathAndQueryAsWritten) {
  const auto store = HttpUrl::parse_resource("https://[::1]:8443/repositories/prov/?infer=false", "use --backend-user");
  EXPECT_TRUE(store.tls);
  EXPECT_EQ(store.host, "::1");
  EXPECT_EQ(store.target, "/repositories/prov/?infer=false");
  EXPECT_EQ(store.authority(), "[::1]:8443");
  EXPECT_EQ(HttpUrl::parse_resource("http://127.0.0.1:8890", "").target, "/");
  EXPECT_EQ(HttpUrl::parse_resource("https://prov.example.org/sparql", "").authority(), "prov.example.org");
  try {
    HttpUrl::parse_resource("https://user:pw@prov.example.org/sparql", "give the user with --backend-user instead");
    ADD_FAILURE() << "credentials accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--backend-user"), std::string::npos) << e.what();
  }
  EXPECT_THROW(HttpUrl::parse_resource("https://prov.example.org/sparql#x", ""), std::invalid_argument);
  EXPECT_THROW(HttpUrl::parse_resource("ftp://prov.example.org/sparql", ""), std::invalid_argument);
}

TEST(PercentEncode, AllButUnreservedCharacters) {
  using torchprov::detail::percent_encode;
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("ASK { ?s ?p \"é\" }&x=1+2/"), "ASK%20%7B%20%3Fs%20%3Fp%20%22%C3%A9%22%20%7D%26x%3D1%2B2%2F");
  EXPECT_EQ(percent_encode(std::string_view("a\0b\n", 4)), "a%00b%0A");
  EXPECT_EQ(percent_encode(""), "");
}
