#include "tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
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

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 || size != digest.size())
    throw std::runtime_error("SHA-256 of a token failed");
  return digest;
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
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) throw std::runtime_error("cannot read token file " + file.string());
  if (info.st_mode & (S_IROTH | S_IWOTH))
    throw std::runtime_error("token file " + file.string() + " is " +
                             ((info.st_mode & S_IROTH) ? "readable" : "writable") +
                             " by every user on this machine; make it private with: chmod 600 " + file.string());
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read token file " + file.string());
  Tokens tokens;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string token, person;
    if (!(fields >> token) || token.starts_with('#')) continue;
    std::getline(fields >> std::ws, person);
    tokens.entries_.push_back({sha256(token), person});
  }
  if (tokens.entries_.empty()) throw std::runtime_error("token file " + file.string() + " holds no token");
  return tokens;
}

std::optional<std::string> Tokens::identity(std::string_view token) const {
  // Digests have one length whatever the token's; no early exit.
  const auto presented = sha256(token);
  const Entry* match = nullptr;
  for (const Entry& entry : entries_)
    if (CRYPTO_memcmp(presented.data(), entry.digest.data(), presented.size()) == 0) match = &entry;
  if (!match) return std::nullopt;
  return match->person;
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
