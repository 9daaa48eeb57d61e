#pragma once

#include <torchprov/command_line.h>

namespace torchprov::bench {

// `torchprov bench store`: synthetic dl: provenance (or a file of your own),
// loaded into a fresh persistent Store, Oxigraph and Jena; the canonical
// analysis queries in two pattern orders on each; one table side by side.
// Exits 0 unless a query fails or the engines (or the two orders) disagree.
extern const cli::Command store_command;

}  // namespace torchprov::bench
