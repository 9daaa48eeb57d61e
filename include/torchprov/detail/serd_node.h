// A SerdNode over the whole of a std::string, for the three serd writers (the
// store's export, CONSTRUCT results, capture's file sink).  Not installed.
//
// serd_node_from_string and serd_node_from_substring both stop at the first
// U+0000, which a literal may hold ("\u0000" in Turtle): every byte of the
// string is counted here instead.  The node borrows the string's bytes.
#pragma once

#include <serd/serd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace torchprov::detail {

inline SerdNode whole_serd_node(SerdType type, std::string_view text) {
  SerdNodeFlags flags = 0;
  std::size_t chars = 0;
  for (const char c : text) {
    if (c == '\n' || c == '\r') flags |= SERD_HAS_NEWLINE;
    if (c == '"') flags |= SERD_HAS_QUOTE;
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;  // not a UTF-8 continuation byte
  }
  return SerdNode{reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), chars, flags, type};
}

}  // namespace torchprov::detail
