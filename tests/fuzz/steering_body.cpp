// POST /api/adaptations bodies (a person steering a running training).
#include "endpoint_fixture.h"
#include "json_bodies.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  torchprov::fuzz::post_json_checked("/api/adaptations", data, size);
  return 0;
}
