// The check the steering and rules body targets share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace torchprov::fuzz {

// POSTs `body` as application/json with the write token to `target`.  A
// refused body (4xx) must leave the store as it was.  Returns the status.
unsigned post_json_checked(const std::string& target, const std::uint8_t* data, std::size_t size);

}  // namespace torchprov::fuzz
