// The store commands of `torchprov`: import, export, query, update, stats,
// redland-sync.
#pragma once

#include <torchprov/command_line.h>

extern const torchprov::cli::Command import_command;
extern const torchprov::cli::Command export_command;
extern const torchprov::cli::Command query_command;
extern const torchprov::cli::Command update_command;
extern const torchprov::cli::Command stats_command;
extern const torchprov::cli::Command redland_sync_command;
