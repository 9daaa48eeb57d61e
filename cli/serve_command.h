// `torchprov serve`: the SPARQL endpoint over a store directory.
#pragma once

#include <torchprov/command_line.h>

extern const torchprov::cli::Command serve_command;
