#include "sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace torchprov::detail {

void Sha256::Free::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL cannot start a SHA-256 digest");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  if (EVP_DigestUpdate(context_.get(), data, size) != 1) throw std::runtime_error("OpenSSL SHA-256 update failed");
}

std::array<std::uint8_t, 32> Sha256::finish() {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_.get(), digest.data(), &length) != 1 || length != digest.size())
    throw std::runtime_error("OpenSSL SHA-256 failed");
  return digest;
}

std::string Sha256::finish_hex() {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t byte : finish()) {
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.finish_hex();
}

FileDigest hash_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  Sha256 hash;
  std::vector<char> chunk(1 << 16);
  FileDigest digest;
  while (in) {
    in.read(chunk.data(), std::streamsize(chunk.size()));
    const auto got = in.gcount();
    if (got <= 0) break;
    hash.update(chunk.data(), std::size_t(got));
    digest.bytes += std::uint64_t(got);
  }
  if (in.bad()) throw std::runtime_error("error while reading " + path.string());
  digest.sha256_hex = hash.finish_hex();
  return digest;
}

}  // namespace torchprov::detail
