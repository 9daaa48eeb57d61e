// POST /api/rules bodies; a rule that is accepted is deleted again so that
// the rules stay few.
#include <string>

#include "endpoint_fixture.h"
#include "fuzz_support.h"
#include "json_bodies.h"
#include "results/json_value.h"

using namespace torchprov;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const unsigned status = fuzz::post_json_checked("/api/rules", data, size);
  if (status != 201) return 0;
  const auto body = triplestore::results::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto* name = triplestore::results::member(body, "name");
  fuzz::check(name && name->is_string(), "a rule without a name was accepted");
  namespace http = endpoint::http;
  endpoint::Request remove{http::verb::delete_, "/api/rules?name=" + name->get<std::string>(), 11};
  remove.set(http::field::authorization, std::string("Bearer ") + fuzz::fixture_token);
  const auto response = fuzz::handle_checked(remove);
  fuzz::check(response.result_int() == 200, "an accepted rule cannot be deleted: " + response.body());
  return 0;
}
