#include "tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace torchprov::endpoint {
namespace {

std::string random_token() {
  std::random_device entropy;
  static constexpr char hex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 8; ++i) {
    const std::uint32_t word = entropy();
    for (int j = 0; j < 8; ++j) token.push_back(hex[(word >> (4 * j)) & 15]);
  }
  return token;
}

}  // namespace

Tokens Tokens::load_or_create(const std::filesystem::path& file, bool& created) {
  created = false;
  if (!std::filesystem::exists(file)) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    // O_EXCL: two servers starting at once must not overwrite each other's token.
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      const char* user = std::getenv("USER");
      const std::string line = random_token() + " " + (user && *user ? user : "owner") + "\n";
      const bool ok = ::write(fd, line.data(), line.size()) == ssize_t(line.size()) && ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) throw std::runtime_error("cannot write token file " + file.string());
      created = true;
    }
  }
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read token file " + file.string());
  Tokens tokens;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string token, person;
    if (!(fields >> token) || token.starts_with('#')) continue;
    std::getline(fields >> std::ws, person);
    tokens.people_by_token_[token] = person;
  }
  if (tokens.people_by_token_.empty()) throw std::runtime_error("token file " + file.string() + " holds no token");
  return tokens;
}

std::optional<std::string> Tokens::identity(std::string_view token) const {
  const auto it = people_by_token_.find(token);
  if (it == people_by_token_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> Tokens::bearer(std::string_view header) {
  constexpr std::string_view scheme = "Bearer ";
  if (header.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
      return std::nullopt;
  header.remove_prefix(scheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\r')) header.remove_suffix(1);
  return header;
}

}  // namespace torchprov::endpoint
