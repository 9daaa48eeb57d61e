#include "idx_reader.h"

#include <zlib.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace examples {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

class GzFile {
 public:
  explicit GzFile(const std::filesystem::path& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (!file_) throw std::runtime_error("cannot open " + path.string());
  }
  void read(void* out, std::size_t size) {
    const int got = gzread(file_.get(), out, unsigned(size));
    if (got < 0 || std::size_t(got) != size) throw std::runtime_error(path_.string() + ": truncated IDX file");
  }
  std::uint32_t read_u32() {
    unsigned char b[4];
    read(b, 4);
    return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3];
  }

 private:
  std::filesystem::path path_;
  std::unique_ptr<gzFile_s, GzCloser> file_;
};

}  // namespace

torch::Tensor read_idx_images(const std::filesystem::path& gz_path, std::int64_t limit) {
  GzFile in(gz_path);
  if (in.read_u32() != 0x00000803) throw std::runtime_error(gz_path.string() + ": not an IDX image file");
  std::int64_t count = in.read_u32();
  const std::int64_t rows = in.read_u32(), cols = in.read_u32();
  if (limit > 0 && limit < count) count = limit;
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(count * rows * cols));
  in.read(pixels.data(), pixels.size());
  return torch::from_blob(pixels.data(), {count, 1, rows, cols}, torch::kUInt8)
      .to(torch::kFloat32)
      .div_(255.0);
}

torch::Tensor read_idx_labels(const std::filesystem::path& gz_path, std::int64_t limit) {
  GzFile in(gz_path);
  if (in.read_u32() != 0x00000801) throw std::runtime_error(gz_path.string() + ": not an IDX label file");
  std::int64_t count = in.read_u32();
  if (limit > 0 && limit < count) count = limit;
  std::vector<std::uint8_t> labels(static_cast<std::size_t>(count));
  in.read(labels.data(), labels.size());
  return torch::from_blob(labels.data(), {count}, torch::kUInt8).to(torch::kInt64);
}

}  // namespace examples
