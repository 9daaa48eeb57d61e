#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sha256.h"

using torchprov::detail::hash_file;
using torchprov::detail::Sha256;
using torchprov::detail::sha256_hex;

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, StreamingInUnevenChunksEqualsOneShot) {
  std::string million(1000000, 'a');
  Sha256 hash;
  std::size_t offset = 0;
  for (std::size_t chunk = 1; offset < million.size(); chunk = chunk * 7 % 997 + 1) {
    const std::size_t take = std::min(chunk, million.size() - offset);
    hash.update(million.data() + offset, take);
    offset += take;
  }
  EXPECT_EQ(hash.finish_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HashesFilesAndCountsBytes) {
  const auto path = std::filesystem::temp_directory_path() / "torchprov-sha-test.bin";
  std::ofstream(path, std::ios::binary) << "abc";
  const auto digest = hash_file(path);
  EXPECT_EQ(digest.bytes, 3u);
  EXPECT_EQ(digest.sha256_hex, sha256_hex("abc"));
  std::filesystem::remove(path);
  EXPECT_THROW(hash_file(path), std::runtime_error);
}
