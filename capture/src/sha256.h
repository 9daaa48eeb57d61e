// SHA-256 of byte streams and files, for dataset and checkpoint hashes,
// computed by OpenSSL's EVP digests (a maintained implementation that uses
// the CPU's SHA extensions where it has them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace torchprov::detail {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, std::size_t size);
  std::array<std::uint8_t, 32> finish();
  std::string finish_hex();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> context_;
};

std::string sha256_hex(std::string_view bytes);

struct FileDigest {
  std::string sha256_hex;
  std::uint64_t bytes = 0;
};
// Throws std::runtime_error naming the file when it cannot be read.
FileDigest hash_file(const std::filesystem::path& path);

}  // namespace torchprov::detail
