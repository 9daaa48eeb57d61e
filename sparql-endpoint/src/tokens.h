// Bearer tokens for writes.  The token file holds "TOKEN [PERSON]" lines; a
// missing file is created with one random token, mode 0600.  A file that
// others on the machine can read or write is refused: the tokens in it are
// the keys to the store.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchprov::endpoint {

class Tokens {
 public:
  // Loads the file, creating it when absent (`created` tells which).
  // Throws std::runtime_error when the file is readable or writable by
  // every user (mode o+r or o+w), naming the chmod that fixes it.
  static Tokens load_or_create(const std::filesystem::path& file, bool& created);
  // The person a valid token stands for ("" when the line names none).
  // Takes the same time whatever the token and wherever it differs from a
  // valid one: every stored token is compared, as SHA-256 digests, with a
  // constant-time comparison.
  std::optional<std::string> identity(std::string_view token) const;
  // "Bearer XYZ" -> "XYZ"; nullopt when the header is not a bearer credential.
  static std::optional<std::string_view> bearer(std::string_view authorization_header);

 private:
  struct Entry {
    std::array<unsigned char, 32> digest;
    std::string person;
  };
  std::vector<Entry> entries_;
};

}  // namespace torchprov::endpoint
