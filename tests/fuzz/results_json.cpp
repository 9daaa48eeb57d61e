// SPARQL json results through the public reader, then written and read again.
#include "results_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  torchprov::fuzz::check_result_reader(data, size, torchprov::triplestore::results::ResultFormat::json);
  return 0;
}
