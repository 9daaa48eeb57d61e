// SPARQL Update execution: operations run in order, each seeing the
// effects of the previous ones; any failure rolls the dataset back.
#pragma once

#include "syntax.h"

namespace torchprov::triplestore::sparql {

UpdateDelta run_update(Dataset& dataset, const syntax::Update& request, const QueryOptions& options);

}  // namespace torchprov::triplestore::sparql
