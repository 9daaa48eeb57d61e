// The tables of a MonetDB SQL dump (msqldump, or mclient's \D): every
// CREATE TABLE with its columns and every row of its COPY ... FROM stdin or
// INSERT INTO statements, each row with the line it came from.  Other
// statements of a dump (schemas, sequences, views, functions, constraints,
// transactions) are recognised and skipped; anything else is refused with
// the line that broke, so a file that is not such a dump never half-loads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchprov::interop::monetdb {

enum class ColumnKind { integer, floating, decimal, boolean, text, other };

struct Column {
  std::string name;
  std::string type;  // as declared, upper case: "DOUBLE", "VARCHAR(500)", ...
  ColumnKind kind = ColumnKind::other;
};

struct Row {
  std::size_t line = 0;                           // where the row starts in the dump
  std::vector<std::optional<std::string>> cells;  // nullopt: NULL; numbers as written
};

struct Table {
  std::string schema, name;
  std::size_t line = 0;  // of its CREATE TABLE
  std::vector<Column> columns;
  std::vector<Row> rows;

  std::optional<std::size_t> column(std::string_view name) const;  // case-insensitive
  std::string qualified_name() const { return schema + "." + name; }
};

struct Dump {
  std::vector<Table> tables;
  std::vector<std::string> schemas;  // from CREATE SCHEMA and SET SCHEMA, in order
  std::vector<std::string> notes;    // what was read leniently, to report
  const Table* table(std::string_view schema, std::string_view name) const;  // case-insensitive
};

// Reads the whole dump.  Throws triplestore::ParseError ("FILE:LINE:COL:
// message") at the first line that is not part of such a dump, a row whose
// fields do not fit its table, or a COPY whose records run short.
Dump read_dump(std::string_view text, const std::string& file_name);

}  // namespace torchprov::interop::monetdb
