#pragma once

#include <torchprov/command_line.h>

namespace torchprov::bench {

// `torchprov bench scale`: the provenance of `bench store` at several sizes,
// loaded with `torchprov import` into the embedded store (load rate until
// the command returns, RSS and disk per quad, reopen time, canonical
// queries) and into Virtuoso through `torchprov serve --backend`
// (bench/backend/scale.py).  Exits 0 unless a step or a query fails or the
// front and Virtuoso disagree.
extern const cli::Command scale_command;

}  // namespace torchprov::bench
