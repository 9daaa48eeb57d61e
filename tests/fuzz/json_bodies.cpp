#include "json_bodies.h"

#include "dataset.h"
#include "endpoint_fixture.h"
#include "fuzz_support.h"

namespace torchprov::fuzz {

unsigned post_json_checked(const std::string& target, const std::uint8_t* data, std::size_t size) {
  namespace http = endpoint::http;
  auto& fixture = endpoint_fixture();
  endpoint::Request request{http::verb::post, target, 11};
  request.set(http::field::content_type, "application/json");
  request.set(http::field::authorization, std::string("Bearer ") + fixture_token);
  request.body().assign(reinterpret_cast<const char*>(data), size);
  request.prepare_payload();
  const std::size_t before = fixture.store->read().dataset().size();
  const auto response = handle_checked(request);
  const unsigned status = response.result_int();
  check(status < 500, "status " + std::to_string(status) + " for a JSON body: " + response.body());
  if (status >= 400)
    check(fixture.store->read().dataset().size() == before,
          "a refused body (" + std::to_string(status) + ") changed the store: " + response.body());
  return status;
}

}  // namespace torchprov::fuzz
