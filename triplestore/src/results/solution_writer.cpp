#include "solution_writer.h"

#include <stdexcept>
#include <string>

namespace torchprov::triplestore::results {

std::unique_ptr<SolutionWriter> make_solution_writer(ResultFormat format, std::ostream& out) {
  switch (format) {
    case ResultFormat::table: return make_table_solution_writer(out);
    case ResultFormat::csv: return make_csv_solution_writer(out);
    case ResultFormat::tsv: return make_tsv_solution_writer(out);
    case ResultFormat::json: return make_json_solution_writer(out);
    case ResultFormat::xml: return make_xml_solution_writer(out);
    default: break;
  }
  throw std::invalid_argument("'" + std::string(format_name(format)) + "' is an RDF format, not a solution format");
}

}  // namespace torchprov::triplestore::results
