// Bearer tokens for writes.  The token file holds "TOKEN [PERSON]" lines; a
// missing file is created with one random token, mode 0600.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace torchprov::endpoint {

class Tokens {
 public:
  // Loads the file, creating it when absent (`created` tells which).
  static Tokens load_or_create(const std::filesystem::path& file, bool& created);
  // The person a valid token stands for ("" when the line names none).
  std::optional<std::string> identity(std::string_view token) const;
  // "Bearer XYZ" -> "XYZ"; nullopt when the header is not a bearer credential.
  static std::optional<std::string_view> bearer(std::string_view authorization_header);

 private:
  std::map<std::string, std::string, std::less<>> people_by_token_;
};

}  // namespace torchprov::endpoint
