// A streaming file sink: statements go through Serd to a file that is
// complete and valid after every flush, and synced to disk at each one.
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "serd_writer.h"

namespace torchprov {
namespace {

class FileSink final : public Sink {
 public:
  FileSink(const std::filesystem::path& path, FileFormat format) : path_(path) {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw std::runtime_error("cannot open " + path.string() + " for writing");
    writer_ = std::make_unique<detail::SerdStreamWriter>(file_, format);
  }
  ~FileSink() override { close(); }

  void write(std::span<const Statement> batch) override {
    for (const auto& statement : batch) writer_->write(statement);
  }

  void flush() override {
    if (!file_) return;
    writer_->finish();
    std::fflush(file_);
    ::fdatasync(fileno(file_));
  }

  void close() override {
    if (!file_) return;
    flush();
    writer_.reset();
    std::fclose(file_);
    file_ = nullptr;
  }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<detail::SerdStreamWriter> writer_;
};

FileFormat format_from_extension(const std::filesystem::path& path) {
  const auto ext = path.extension().string();
  if (ext == ".trig") return FileFormat::trig;
  if (ext == ".nq" || ext == ".nquads") return FileFormat::nquads;
  return FileFormat::turtle;
}

}  // namespace

std::unique_ptr<Sink> open_file_sink(const std::filesystem::path& path,
                                     std::optional<FileFormat> format) {
  return std::make_unique<FileSink>(path, format.value_or(format_from_extension(path)));
}

}  // namespace torchprov
