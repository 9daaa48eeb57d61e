// trig text imported from memory and from a file, then exported and re-read.
#include "rdf_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  torchprov::fuzz::check_rdf_import(data, size, torchprov::triplestore::RdfFormat::trig);
  return 0;
}
