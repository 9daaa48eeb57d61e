// RAII around a Serd writer that streams statements to a FILE*.  Shared by
// the file sink and, later, by exporters: all escaping is Serd's.
#pragma once

#include <serd/serd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <torchprov/capture.h>

namespace torchprov::detail {

class SerdStreamWriter {
 public:
  // `stream` stays owned by the caller.
  SerdStreamWriter(std::FILE* stream, FileFormat format);
  // Appends the serialisation to `text`, which must outlive the writer.
  SerdStreamWriter(std::string& text, FileFormat format);
  ~SerdStreamWriter();
  SerdStreamWriter(const SerdStreamWriter&) = delete;
  SerdStreamWriter& operator=(const SerdStreamWriter&) = delete;

  void write(const Statement& statement);
  // Closes any open abbreviation (" ." and "}") so the output is complete.
  void finish();

 private:
  SerdStreamWriter(SerdSink sink, void* stream, FileFormat format);
  struct EnvDeleter {
    void operator()(SerdEnv* env) const { serd_env_free(env); }
  };
  struct WriterDeleter {
    void operator()(SerdWriter* writer) const { serd_writer_free(writer); }
  };
  std::unique_ptr<SerdEnv, EnvDeleter> env_;
  std::unique_ptr<SerdWriter, WriterDeleter> writer_;
  FileFormat format_;
};

}  // namespace torchprov::detail
