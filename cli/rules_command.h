// `torchprov rules add|list|remove`: steering rules on a running server
// (POST / GET / DELETE /api/rules, see sparql-endpoint/src/rules.h).
#pragma once

#include <torchprov/command_line.h>

extern const torchprov::cli::CommandGroup rules_commands;
