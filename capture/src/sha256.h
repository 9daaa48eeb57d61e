// SHA-256 (FIPS 180-4) of byte streams and files, for dataset and checkpoint hashes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace torchprov::detail {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  std::array<std::uint8_t, 32> finish();
  std::string finish_hex();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view bytes);

struct FileDigest {
  std::string sha256_hex;
  std::uint64_t bytes = 0;
};
// Throws std::runtime_error naming the file when it cannot be read.
FileDigest hash_file(const std::filesystem::path& path);

}  // namespace torchprov::detail
