// The check the four RDF import targets share (one per syntax).
#pragma once

#include <torchprov/triplestore.h>

#include <cstddef>
#include <cstdint>

namespace torchprov::fuzz {

// Parses `data` as `format` the way the endpoint does (from memory) and the
// way `torchprov import` does (a file into one all-or-nothing Import of a
// store).  Both must agree on whether the text is valid; invalid text must
// leave the store unchanged; valid text, once in the store, must come back
// isomorphic through every export syntax that can hold it.
void check_rdf_import(const std::uint8_t* data, std::size_t size, triplestore::RdfFormat format);

}  // namespace torchprov::fuzz
