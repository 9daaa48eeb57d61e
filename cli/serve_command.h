// `torchprov serve`: the SPARQL endpoint over a store directory.
#pragma once

int run_serve_command(int argc, char** argv);
