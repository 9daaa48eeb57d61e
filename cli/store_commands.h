// The store verbs of the torchprov command: import, export, query, update,
// stats.  `argv` holds the verb's own arguments (after the verb).
#pragma once

#include <string>

int run_store_command(const std::string& verb, int argc, char** argv);
// Whether `verb` is one of the store verbs.
bool is_store_command(const std::string& verb);
