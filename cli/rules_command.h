// `torchprov rules add|list|remove`: steering rules on a running server
// (POST / GET / DELETE /api/rules, see sparql-endpoint/src/rules.h).
#pragma once

int run_rules_command(int argc, char** argv);
