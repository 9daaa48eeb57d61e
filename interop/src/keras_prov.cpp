// Keras-Prov / DNNProv history as torchprov runs.
//
// Those tools keep provenance in MonetDB through DfAnalyzer: schema `public`
// catalogues the dataflows, and one schema per dataflow holds its data sets,
// ds_itrainingmodel (hyperparameters, a row per training), ds_otrainingmodel
// (a row per epoch), ds_oadaptation (learning rates the Keras scheduler set),
// ds_ilayers, ds_otestingmodel.  Each training is replayed as the events a
// torchprov Recorder would have produced and turned into statements by the
// same ProvenanceBuilder, so an imported run has exactly the shape of a
// recorded one.
#include <torchprov/interop.h>
#include <torchprov/triplestore.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "events.h"
#include "lexical.h"
#include "monetdb_dump.h"
#include "provenance.h"
#include "sha256.h"

namespace torchprov::interop {
namespace {

namespace md = monetdb;
using detail::TimePoint;

const std::string prov = std::string(prov_namespace);
const std::string dl = std::string(dl_namespace);
const std::string rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const std::string rdfs_label = "http://www.w3.org/2000/01/rdf-schema#label";
const std::string xsd = std::string(detail::xsd);

// Keras's LearningRateScheduler is the only callback Keras-Prov logs rates for.
constexpr const char* scheduler_name = "keras.callbacks.LearningRateScheduler";
// The tables of DfAnalyzer's catalogue in schema public: how the dataflow is
// described, not what a training recorded.
const std::set<std::string> catalogue = {"dataflow",  "dataflow_version", "data_transformation", "program",
                                         "use_program", "data_set",       "data_dependency",     "extractor",
                                         "extractor_combination", "attribute", "task", "file", "performance"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A UUID (RFC 9562 version 8) named by `name`: the same dump gives the same
// run IRIs, so importing it again adds nothing new.
std::string name_uuid(std::string_view name) {
  const std::string hex = detail::sha256_hex(name);
  std::string h = hex.substr(0, 32);
  h[12] = '8';
  h[16] = "89ab"[std::strtol(h.substr(16, 1).c_str(), nullptr, 16) & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

TimePoint time_from_seconds(double seconds) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(seconds)));
}

// Refuses what cannot be imported exactly, naming the line of the dump.
[[noreturn]] void refuse(const std::string& file, std::size_t line, const std::string& message) {
  throw triplestore::ParseError(file, line, 1, message);
}

// A table of one dataflow schema with the roles of its columns resolved.
struct TableView {
  const md::Table* table = nullptr;
  const std::string* file = nullptr;

  explicit operator bool() const { return table != nullptr; }
  std::optional<std::size_t> column(std::initializer_list<const char*> names) const {
    for (const char* n : names)
      if (auto c = table->column(n)) return c;
    return std::nullopt;
  }
  const std::optional<std::string>& cell(const md::Row& row, std::size_t column) const { return row.cells[column]; }
  double number(const md::Row& row, std::size_t column) const {
    const auto& cell = row.cells[column];
    char* end = nullptr;
    const double v = std::strtod(cell->c_str(), &end);
    if (cell->empty() || *end != '\0')
      refuse(*file, row.line, "column " + table->columns[column].name + " of " + table->qualified_name() + ": '" +
                                  *cell + "' is not a number");
    return v;
  }
  std::optional<double> optional_number(const md::Row& row, std::optional<std::size_t> column) const {
    if (!column || !row.cells[*column] || lower(*row.cells[*column]) == "null") return std::nullopt;
    return number(row, *column);
  }
};

bool is_bookkeeping(const std::string& column) {
  const std::string c = lower(column);
  return c == "id" || c.ends_with("_task_id");
}

bool is_numeric(const md::Column& c) {
  return c.kind == md::ColumnKind::integer || c.kind == md::ColumnKind::floating || c.kind == md::ColumnKind::decimal;
}

// A cell as a typed hyperparameter value (integers where the value is whole
// and the column or the name says it counts something).
HyperparameterValue typed_value(const md::Column& column, const std::string& text, bool whole_number) {
  if (is_numeric(column)) {
    const double v = std::strtod(text.c_str(), nullptr);
    if ((column.kind == md::ColumnKind::integer || whole_number) && std::isfinite(v) && v == std::floor(v) &&
        std::fabs(v) < 9e15)
      return std::int64_t(v);
    return v;
  }
  if (column.kind == md::ColumnKind::boolean) return lower(text) == "true" || text == "1";
  return text;
}

// Keras names accuracy "acc" before 2.3; the canned queries say "accuracy".
std::pair<std::string, std::string> metric_name_and_split(std::string column, std::string_view default_split) {
  column = lower(column);
  std::string split(default_split);
  if (column.starts_with("otest_")) column = column.substr(6);
  if (column.starts_with("val_")) {
    column = column.substr(4);
    split = "val";
  }
  if (column == "acc") column = "accuracy";
  return {column, split};
}

class DumpImporter {
 public:
  DumpImporter(const md::Dump& dump, const std::string& file, const KerasProvOptions& options, std::string dump_sha256)
      : dump_(dump), file_(file), options_(options), sha256_(std::move(dump_sha256)) {
    base_ = options.base_iri;
    if (base_.empty() || base_.back() != '/') base_.push_back('/');
  }

  void run(KerasProvImport& out, const std::string& import_iri) {
    out_ = &out;
    import_iri_ = import_iri;
    // A dataflow schema holds what Keras-Prov recorded of trainings; tables
    // anywhere else that DfAnalyzer's catalogue does not explain are kept.
    std::vector<std::string> dataflows;
    for (const auto& table : dump_.tables) {
      const std::string name = lower(table.name);
      if ((name == "ds_itrainingmodel" || name == "ds_otrainingmodel") &&
          std::find(dataflows.begin(), dataflows.end(), table.schema) == dataflows.end())
        dataflows.push_back(table.schema);
    }
    if (dataflows.empty())
      refuse(file_, 1, "no schema with ds_itrainingmodel or ds_otrainingmodel: not a Keras-Prov or DNNProv dump");
    for (const auto& table : dump_.tables) {
      if (std::find(dataflows.begin(), dataflows.end(), table.schema) != dataflows.end()) continue;
      const bool catalogued = lower(table.schema) == "public" && catalogue.count(lower(table.name));
      if (!catalogued && !table.rows.empty()) keep_unknown_table(table);
    }
    for (const auto& schema : dataflows) import_dataflow(schema);
  }

 private:
  TableView view(const std::string& schema, const char* name) const {
    TableView v;
    v.table = dump_.table(schema, name);
    v.file = &file_;
    return v;
  }

  void report(std::string line) { out_->report.push_back(std::move(line)); }

  // Rows of a table that no torchprov term describes: one dl:RecordedValue
  // per cell, in the import's graph, derived from the dump.
  void keep_unknown_table(const md::Table& table) {
    std::vector<std::string> names;
    for (const auto& c : table.columns) names.push_back(c.name);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    report(table.qualified_name() + ": unknown table, " + std::to_string(table.rows.size()) + " rows kept as dl:RecordedValue (" +
           list + ")");
    const auto id_column = table.column("id");
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      const md::Row& row = table.rows[r];
      const std::string key = id_column && row.cells[*id_column] ? *row.cells[*id_column] : std::to_string(r + 1);
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        if (!row.cells[c]) continue;
        const std::string iri = import_iri_ + "/value/" + detail::iri_segment(table.qualified_name()) + "/" +
                                detail::iri_segment(key) + "/" + detail::iri_segment(table.columns[c].name);
        const HyperparameterValue value = typed_value(table.columns[c], *row.cells[c], false);
        add(iri, rdf_type, Term::iri(prov + "Entity"));
        add(iri, rdf_type, Term::iri(dl + "RecordedValue"));
        add(iri, dl + "name", Term::literal(table.columns[c].name));
        add(iri, dl + "sourceTable", Term::literal(table.qualified_name()));
        add(iri, prov + "value", literal(value));
        add(iri, prov + "wasDerivedFrom", Term::iri(file_iri()));
      }
    }
  }

 public:
  std::string file_iri() const { return base_ + "file/sha256-" + sha256_; }
  void add(const std::string& subject, const std::string& predicate, Term object) {
    out_->statements.push_back({Term::iri(subject), Term::iri(predicate), std::move(object), import_iri_ + "/bundle"});
  }

 private:
  static Term literal(const HyperparameterValue& v) {
    if (auto d = std::get_if<double>(&v)) return Term::literal(detail::double_lexical(*d), xsd + "double");
    if (auto i = std::get_if<std::int64_t>(&v)) return Term::literal(std::to_string(*i), xsd + "integer");
    if (auto b = std::get_if<bool>(&v)) return Term::literal(*b ? "true" : "false", xsd + "boolean");
    return Term::literal(std::get<std::string>(v));
  }

  struct Training {
    const md::Row* hyperparameters = nullptr;  // its row of ds_itrainingmodel
    std::optional<double> started;            // its timestamp, when the table has one
    std::vector<const md::Row*> epochs, adaptations, layers, tests;
  };

  // Which training a timestamped row belongs to: the last one started at or
  // before it.
  std::size_t training_of(const std::vector<Training>& trainings, const TableView& table, const md::Row& row,
                          std::optional<std::size_t> time_column) const {
    if (trainings.size() == 1) return 0;
    const auto t = table.optional_number(row, time_column);
    if (!t)
      refuse(file_, row.line, table.table->qualified_name() + ": a row without a timestamp, and " +
                                  std::to_string(trainings.size()) + " trainings in the schema to tell apart");
    std::size_t found = trainings.size();
    for (std::size_t i = 0; i < trainings.size(); ++i)
      if (*trainings[i].started <= *t) found = i;
    if (found == trainings.size())
      refuse(file_, row.line, table.table->qualified_name() + ": a row from before the first training of the schema started");
    return found;
  }

  void import_dataflow(const std::string& schema) {
    const TableView hyper = view(schema, "ds_itrainingmodel");
    const TableView epochs = view(schema, "ds_otrainingmodel");
    const TableView adapt = view(schema, "ds_oadaptation");
    const TableView layers = view(schema, "ds_ilayers");
    const TableView tests = view(schema, "ds_otestingmodel");
    for (const auto& table : dump_.tables) {
      if (table.schema != schema) continue;
      const std::string name = lower(table.name);
      if (name != "ds_itrainingmodel" && name != "ds_otrainingmodel" && name != "ds_oadaptation" &&
          name != "ds_ilayers" && name != "ds_otestingmodel") {
        if (!table.rows.empty()) keep_unknown_table(table);
        else report(table.qualified_name() + ": unknown table, empty");
      }
    }
    const auto hyper_time = hyper ? hyper.column({"itrain_timestamp", "timestamp"}) : std::nullopt;
    std::vector<Training> trainings;
    if (hyper) {
      std::vector<const md::Row*> rows;
      for (const auto& row : hyper.table->rows) rows.push_back(&row);
      for (const md::Row* row : rows) {
        Training t;
        t.hyperparameters = row;
        t.started = hyper.optional_number(*row, hyper_time);
        trainings.push_back(std::move(t));
      }
    }
    if (trainings.empty() && epochs && !epochs.table->rows.empty()) trainings.emplace_back();
    if (trainings.empty()) {
      report(schema + ": no training recorded");
      return;
    }
    if (trainings.size() > 1) {
      for (const auto& t : trainings)
        if (!t.started)
          refuse(file_, t.hyperparameters->line,
                 hyper.table->qualified_name() + " holds " + std::to_string(trainings.size()) +
                     " trainings but no timestamp to tell their rows apart");
      for (std::size_t i = 1; i < trainings.size(); ++i)
        if (*trainings[i].started < *trainings[i - 1].started)
          refuse(file_, trainings[i].hyperparameters->line,
                 hyper.table->qualified_name() + ": trainings out of time order");
    }
    auto assign = [&](const TableView& table, std::initializer_list<const char*> time_names,
                      std::vector<const md::Row*> Training::*member) {
      if (!table) return;
      const auto time_column = table.column(time_names);
      for (const auto& row : table.table->rows)
        (trainings[training_of(trainings, table, row, time_column)].*member).push_back(&row);
    };
    assign(epochs, {"otrain_timestamp", "timestamp"}, &Training::epochs);
    assign(adapt, {"atimestamp", "timestamp"}, &Training::adaptations);
    assign(layers, {"iltimestamp", "timestamp"}, &Training::layers);
    assign(tests, {"otest_timestamp", "timestamp"}, &Training::tests);
    report_columns(hyper, epochs, adapt, layers, tests);
    for (std::size_t i = 0; i < trainings.size(); ++i)
      import_training(schema, i, trainings[i], hyper, epochs, adapt, layers, tests);
  }

  void report_columns(const TableView& hyper, const TableView& epochs, const TableView& adapt, const TableView& layers,
                      const TableView& tests) {
    auto each = [&](const TableView& t, std::initializer_list<const char*> known, auto&& how) {
      if (!t) return;
      for (const auto& c : t.table->columns) {
        const std::string name = lower(c.name);
        bool is_known = is_bookkeeping(name);
        for (const char* k : known) is_known = is_known || name == k;
        if (!is_known) {
          const std::string line = how(c);
          if (!line.empty()) report(t.table->qualified_name() + "." + c.name + ": " + line);
        }
      }
    };
    each(hyper, {"timestamp", "itrain_timestamp", "optimizer_name", "learning_rate", "decay", "momentum", "num_epochs",
                 "batch_size", "num_layers"},
         [](const md::Column& c) { return "kept as the hyperparameter \"" + lower(c.name) + "\""; });
    each(epochs, {"timestamp", "otrain_timestamp", "elapsed_time", "epoch", "epoch_id"}, [](const md::Column& c) {
      if (!is_numeric(c)) return std::string("unknown column, kept as dl:RecordedValue of each epoch");
      const std::string column = lower(c.name);
      if (column == "loss" || column == "accuracy" || column == "val_loss" || column == "val_accuracy") return std::string();
      const auto [name, split] = metric_name_and_split(c.name, "train");
      return "metric \"" + name + "\" of split \"" + split + "\"";
    });
    each(adapt, {"timestamp", "atimestamp", "new_lrate", "epoch_id", "adaptation_id"},
         [](const md::Column&) { return std::string("unknown column, kept as dl:RecordedValue of the epoch"); });
    each(layers, {"timestamp", "iltimestamp", "name", "attribute_type", "value"},
         [](const md::Column&) { return std::string("unknown column, kept as dl:RecordedValue of the run"); });
    each(tests, {"timestamp", "otest_timestamp"}, [](const md::Column& c) {
      if (!is_numeric(c)) return std::string("unknown column, kept as dl:RecordedValue of the run");
      const auto [name, split] = metric_name_and_split(c.name, "test");
      return lower(c.name) == name ? std::string() : "test metric \"" + name + "\"";
    });
  }

  std::string task_status(const std::optional<std::string>& task_id) const {
    const md::Table* task = dump_.table("public", "task");
    if (!task || !task_id) return "completed";
    const auto id = task->column("id"), status = task->column("status");
    if (!id || !status) return "completed";
    for (const auto& row : task->rows) {
      if (row.cells[*id] == task_id && row.cells[*status]) {
        const std::string s = lower(*row.cells[*status]);
        if (s == "finished") return "completed";
        if (s == "running" || s == "ready") return "aborted";  // the record stops before its end
        return s;
      }
    }
    return "completed";
  }

  std::string computing_resource(const std::optional<std::string>& task_id) const {
    const md::Table* task = dump_.table("public", "task");
    if (!task || !task_id) return {};
    const auto id = task->column("id"), resource = task->column("computing_resource");
    if (!id || !resource) return {};
    for (const auto& row : task->rows)
      if (row.cells[*id] == task_id && row.cells[*resource] && lower(*row.cells[*resource]) != "null")
        return *row.cells[*resource];
    return {};
  }

  void import_training(const std::string& schema, std::size_t index, const Training& t, const TableView& hyper,
                       const TableView& epochs, const TableView& adapt, const TableView& layers, const TableView& tests) {
    detail::ProvenanceBuilder builder(base_);
    std::vector<Statement>& out = out_->statements;
    const std::string run_id = name_uuid("keras-prov\n" + sha256_ + "\n" + schema + "\n" + std::to_string(index));

    // Hyperparameters.
    detail::RunStarted start;
    start.run_id = run_id;
    start.info.experiment = schema;
    start.info.person = options_.person;
    start.info.program = schema;
    start.info.device.clear();
    start.optimizer_type = "unknown";
    std::optional<double> initial_rate;
    std::optional<std::string> task_id;
    if (t.hyperparameters) {
      const md::Row& row = *t.hyperparameters;
      const auto& columns = hyper.table->columns;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const std::string name = lower(columns[c].name);
        const auto& cell = row.cells[c];
        if (name == "trainingmodel_task_id") task_id = cell;
        if (!cell || lower(*cell) == "null" || is_bookkeeping(name) || name == "timestamp" || name == "itrain_timestamp")
          continue;
        if (name == "optimizer_name") {
          start.optimizer_type = *cell;
          start.info.hyperparameters.push_back({"optimizer", *cell});
        } else if (name == "learning_rate" || name == "decay" || name == "momentum") {
          const double v = hyper.number(row, c);
          if (name == "learning_rate") initial_rate = v;
          start.optimizer_settings.push_back({0, name, v});
        } else if (name == "num_epochs") {
          const double v = hyper.number(row, c);
          start.info.epochs_planned = int(v);
          start.info.hyperparameters.push_back({"epochs", std::int64_t(v)});
        } else if (name == "batch_size" || name == "num_layers") {
          start.info.hyperparameters.push_back({name, typed_value(columns[c], *cell, true)});
        } else {
          start.info.hyperparameters.push_back({name, typed_value(columns[c], *cell, false)});
        }
      }
    }
    // Keras-Prov writes momentum 0 for an optimizer that has none (Adam,
    // RMSprop, ...): only SGD's is a setting.
    if (lower(start.optimizer_type) != "sgd")
      std::erase_if(start.optimizer_settings, [](const auto& s) {
        return s.name == "momentum" && std::get<double>(s.value) == 0;
      });
    start.num_param_groups = start.optimizer_settings.empty() ? 0 : 1;
    const std::string resource = computing_resource(task_id);
    if (!resource.empty()) start.machine.hostname = resource;

    // Layers: ds_ilayers holds (layer, attribute, value) rows.
    std::map<std::string, std::size_t> layer_index;
    for (const md::Row* row : t.layers) {
      const auto name_c = layers.column({"name"}), type_c = layers.column({"attribute_type"}), value_c = layers.column({"value"});
      if (!name_c || !row->cells[*name_c]) continue;
      const std::string& name = *row->cells[*name_c];
      auto [it, added] = layer_index.emplace(name, start.layers.size());
      if (added) {
        detail::LayerInfo layer;
        layer.name = name;
        layer.type = type_c && row->cells[*type_c] ? *row->cells[*type_c] : "unknown";
        start.layers.push_back(std::move(layer));
      }
      if (type_c && value_c && row->cells[*type_c] && row->cells[*value_c]) {
        std::string& configuration = start.layers[it->second].configuration;
        configuration += (configuration.empty() ? "" : " ") + *row->cells[*type_c] + "=" + *row->cells[*value_c];
      }
    }

    // Epochs, in order; Keras counts from 0, torchprov from 1.
    struct EpochRow {
      int number;
      const md::Row* row;
    };
    std::vector<EpochRow> epoch_rows;
    std::optional<std::size_t> epoch_c, end_c, elapsed_c;
    if (epochs) {
      epoch_c = epochs.column({"epoch", "epoch_id"});
      end_c = epochs.column({"otrain_timestamp", "timestamp"});
      elapsed_c = epochs.column({"elapsed_time"});
      if (!epoch_c && !t.epochs.empty()) refuse(file_, epochs.table->line, epochs.table->qualified_name() + " has no epoch column");
      if (!end_c && !t.epochs.empty()) refuse(file_, epochs.table->line, epochs.table->qualified_name() + " has no timestamp column");
      for (const md::Row* row : t.epochs) {
        const auto e = epochs.optional_number(*row, epoch_c);
        if (!e || *e != std::floor(*e) || *e < 0) refuse(file_, row->line, "an epoch number that is not a whole number of at least 0");
        epoch_rows.push_back({int(*e) + 1, row});
      }
      std::stable_sort(epoch_rows.begin(), epoch_rows.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
      for (std::size_t i = 1; i < epoch_rows.size(); ++i)
        if (epoch_rows[i].number == epoch_rows[i - 1].number)
          refuse(file_, epoch_rows[i].row->line,
                 "epoch " + std::to_string(epoch_rows[i].number - 1) + " of training " + std::to_string(index + 1) +
                     " of " + schema + " is logged twice (also line " + std::to_string(epoch_rows[i - 1].row->line) + ")");
    }
    auto epoch_end = [&](const EpochRow& e) { return *epochs.optional_number(*e.row, end_c); };
    auto epoch_elapsed = [&](const EpochRow& e) { return epochs.optional_number(*e.row, elapsed_c); };

    if (t.started) {
      start.time = time_from_seconds(*t.started);
    } else if (!epoch_rows.empty()) {
      start.time = time_from_seconds(epoch_end(epoch_rows.front()) - epoch_elapsed(epoch_rows.front()).value_or(0));
    } else {
      refuse(file_, t.hyperparameters ? t.hyperparameters->line : 1,
             schema + ": a training with neither a timestamp nor epochs to date it");
    }
    const std::string run_iri = base_ + "run/" + run_id;
    builder.translate(start, out);

    // Learning-rate changes, by the epoch (Keras's, from 0) that first used them.
    struct RateChange {
      int epoch;  // torchprov's
      double rate;
      TimePoint time;
      const md::Row* row;
    };
    std::vector<RateChange> changes;
    if (adapt && !t.adaptations.empty()) {
      const auto rate_c = adapt.column({"new_lrate"});
      const auto epoch_id = adapt.column({"epoch_id"});
      const auto time_c = adapt.column({"atimestamp", "timestamp"});
      if (!rate_c || !epoch_id)
        refuse(file_, adapt.table->line, adapt.table->qualified_name() + " lacks new_lrate or epoch_id");
      if (!initial_rate)
        refuse(file_, t.adaptations.front()->line,
               "learning-rate changes without the initial learning_rate in ds_itrainingmodel to revise");
      std::vector<const md::Row*> rows = t.adaptations;
      std::stable_sort(rows.begin(), rows.end(), [&](const md::Row* a, const md::Row* b) {
        return *adapt.optional_number(*a, epoch_id) < *adapt.optional_number(*b, epoch_id);
      });
      // Keras keeps the rate as a float32 variable: a logged rate that is
      // the same float32 as the one in force changed nothing (the dumps log
      // the same rate again on every epoch).
      float in_force = float(*initial_rate);
      for (const md::Row* row : rows) {
        const auto rate = adapt.optional_number(*row, rate_c);
        const auto e = adapt.optional_number(*row, epoch_id);
        if (!rate || !e) refuse(file_, row->line, "a learning-rate row without new_lrate or epoch_id");
        out_->logged_rate_rows++;
        if (float(*rate) == in_force) continue;
        in_force = float(*rate);
        const auto when = adapt.optional_number(*row, time_c);
        changes.push_back({int(*e) + 1, *rate, when ? time_from_seconds(*when) : start.time, row});
      }
    }

    double rate_in_force = initial_rate.value_or(0);
    std::size_t next_change = 0;
    int adaptations = 0;
    auto apply_changes_up_to = [&](int epoch) {
      for (; next_change < changes.size() && changes[next_change].epoch <= epoch; ++next_change) {
        const RateChange& c = changes[next_change];
        detail::AdaptationApplied a;
        a.time = c.time;
        a.epoch = c.epoch;
        a.reason = "learning-rate schedule (Keras LearningRateScheduler, logged by Keras-Prov)";
        a.scheduler = scheduler_name;
        a.changes.push_back({{0, "learning_rate", rate_in_force}, {0, "learning_rate", c.rate}});
        rate_in_force = c.rate;
        builder.translate(a, out);
        ++adaptations;
        keep_unknown_columns(adapt, *c.row, c.epoch, {"timestamp", "atimestamp", "new_lrate", "epoch_id", "adaptation_id"},
                             false, builder, out);
      }
    };

    TimePoint last_end = start.time;
    for (std::size_t i = 0; i < epoch_rows.size(); ++i) {
      const EpochRow& e = epoch_rows[i];
      apply_changes_up_to(e.number);
      const double end = epoch_end(e);
      const std::optional<double> elapsed = epoch_elapsed(e);
      const TimePoint ended = time_from_seconds(end);
      const TimePoint began = elapsed ? time_from_seconds(end - *elapsed) : last_end;
      builder.translate(detail::EpochBegan{began, e.number}, out);
      const auto& columns = epochs.table->columns;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const std::string name = lower(columns[c].name);
        if (is_bookkeeping(name) || !is_numeric(columns[c]) || c == *epoch_c || c == *end_c || name == "elapsed_time")
          continue;
        const auto value = epochs.optional_number(*e.row, c);
        if (!value) continue;
        const auto [metric, split] = metric_name_and_split(name, "train");
        builder.translate(detail::MetricLogged{ended, e.number, metric, split, metric_value(*value)}, out);
      }
      keep_unknown_columns(epochs, *e.row, e.number, {"timestamp", "otrain_timestamp", "elapsed_time", "epoch", "epoch_id"},
                           /*numeric_are_metrics=*/true, builder, out);
      builder.translate(detail::EpochEnded{ended, e.number, elapsed}, out);
      last_end = ended;
    }
    apply_changes_up_to(std::numeric_limits<int>::max());

    // Test results, after the last epoch.
    const int last_epoch = epoch_rows.empty() ? 0 : epoch_rows.back().number;
    for (const md::Row* row : t.tests) {
      const auto time_c = tests.column({"otest_timestamp", "timestamp"});
      const auto when = tests.optional_number(*row, time_c);
      const TimePoint at = when ? time_from_seconds(*when) : last_end;
      detail::EvaluationDone evaluation{at, at, last_epoch, "test", "", {}};
      const auto& columns = tests.table->columns;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const std::string name = lower(columns[c].name);
        if (is_bookkeeping(name) || !is_numeric(columns[c]) || c == time_c) continue;
        if (const auto v = tests.optional_number(*row, c))
          evaluation.metrics.emplace_back(metric_name_and_split(name, "test").first, metric_value(*v));
      }
      builder.translate(evaluation, out);
      keep_unknown_columns(tests, *row, 0, {"timestamp", "otest_timestamp"}, true, builder, out);
      last_end = std::max(last_end, at);
    }
    for (const md::Row* row : t.layers)
      keep_unknown_columns(layers, *row, 0, {"timestamp", "iltimestamp", "name", "attribute_type", "value"}, false, builder, out);

    builder.translate(detail::RunEnded{last_end, task_status(task_id), 0, {}, {}}, out);

    // The import generated the run's bundle from the dump.
    const std::string bundle = run_iri + "/bundle";
    add(bundle, prov + "wasGeneratedBy", Term::iri(import_iri_));
    add(bundle, prov + "wasDerivedFrom", Term::iri(file_iri()));
    out_->runs.push_back(run_iri);
    out_->epochs += epoch_rows.size();
    out_->adaptations += std::size_t(adaptations);
    report(schema + " training " + std::to_string(index + 1) + ": run " + run_iri + ", " + std::to_string(epoch_rows.size()) +
           " epochs, " + std::to_string(adaptations) + " learning-rate changes (" + std::to_string(t.adaptations.size()) +
           " rows logged), " + std::to_string(t.tests.size()) + " test results, " + std::to_string(start.layers.size()) +
           " layers");
  }

  // Keras-Prov writes -9999999 where Keras logged NaN.
  double metric_value(double logged) {
    if (logged != -9999999.0) return logged;
    ++nan_markers_;
    return std::numeric_limits<double>::quiet_NaN();
  }

 public:
  void report_nan_markers() {
    if (nan_markers_ > 0)
      report(std::to_string(nan_markers_) + " metric values of -9999999, Keras-Prov's mark for NaN, recorded as NaN");
  }

 private:
  // Cells of columns no mapping covers, as dl:RecordedValue of the epoch (or
  // of the run, epoch 0).
  void keep_unknown_columns(const TableView& table, const md::Row& row, int epoch, std::initializer_list<const char*> known,
                            bool numeric_are_metrics, detail::ProvenanceBuilder& builder, std::vector<Statement>& out) {
    const auto& columns = table.table->columns;
    const auto id_c = table.table->column("id");
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string name = lower(columns[c].name);
      bool is_known = is_bookkeeping(name) || (numeric_are_metrics && is_numeric(columns[c]));
      for (const char* k : known) is_known = is_known || name == k;
      if (is_known || !row.cells[c]) continue;
      detail::ValueRecorded v;
      v.epoch = epoch;
      v.table = table.table->qualified_name();
      v.key = id_c && row.cells[*id_c] ? *row.cells[*id_c] : std::to_string(row.line);
      v.name = columns[c].name;
      v.value = typed_value(columns[c], *row.cells[c], false);
      v.input = lower(table.table->name).starts_with("ds_i");
      builder.translate(v, out);
    }
  }

  const md::Dump& dump_;
  const std::string& file_;
  const KerasProvOptions& options_;
  std::string sha256_;
  std::string base_;
  KerasProvImport* out_ = nullptr;
  std::string import_iri_;
  std::size_t nan_markers_ = 0;
};

}  // namespace

KerasProvImport read_keras_prov_dump(const std::filesystem::path& path, const KerasProvOptions& options) {
  const auto started = std::chrono::system_clock::now();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot read");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string file = path.string();
  const std::string sha256 = detail::sha256_hex(text);
  const md::Dump dump = md::read_dump(text, file);

  KerasProvImport result;
  result.report = dump.notes;
  DumpImporter importer(dump, file, options, sha256);
  std::string base = options.base_iri;
  if (base.empty() || base.back() != '/') base.push_back('/');
  result.import_iri = base + "import/" + detail::random_uuid();
  importer.run(result, result.import_iri);
  importer.report_nan_markers();

  // The import itself: an activity that used the dump and generated the bundles.
  const auto ended = std::chrono::system_clock::now();
  const std::string& import = result.import_iri;
  const std::string file_iri = importer.file_iri();
  const std::string agent = base + "software/torchprov";
  auto time = [](std::chrono::system_clock::time_point t) {
    return Term::literal(detail::datetime_lexical(t), xsd + "dateTime");
  };
  const std::string absolute = std::filesystem::absolute(path).lexically_normal().string();
  importer.add(import + "/bundle", rdf_type, Term::iri(prov + "Bundle"));
  importer.add(import + "/bundle", rdf_type, Term::iri(prov + "Entity"));
  importer.add(import, rdf_type, Term::iri(prov + "Activity"));
  importer.add(import, rdf_type, Term::iri(dl + "Import"));
  importer.add(import, rdfs_label, Term::literal("Keras-Prov import of " + path.filename().string()));
  importer.add(import, prov + "startedAtTime", time(started));
  importer.add(import, prov + "endedAtTime", time(ended));
  importer.add(import, prov + "used", Term::iri(file_iri));
  importer.add(import, prov + "wasAssociatedWith", Term::iri(agent));
  importer.add(file_iri, rdf_type, Term::iri(prov + "Entity"));
  importer.add(file_iri, rdf_type, Term::iri(dl + "ImportedFile"));
  importer.add(file_iri, rdfs_label, Term::literal(path.filename().string()));
  importer.add(file_iri, dl + "path", Term::literal(absolute));
  importer.add(file_iri, dl + "sha256", Term::literal(sha256));
  importer.add(file_iri, dl + "bytes", Term::literal(std::to_string(text.size()), xsd + "long"));
  importer.add(file_iri, dl + "sourceFormat", Term::literal("keras-prov"));
  importer.add(agent, rdf_type, Term::iri(prov + "Agent"));
  importer.add(agent, rdf_type, Term::iri(prov + "SoftwareAgent"));
  importer.add(agent, dl + "program", Term::literal("torchprov"));
  importer.add(agent, dl + "version", Term::literal(TORCHPROV_VERSION));
  importer.add(agent, rdfs_label, Term::literal("torchprov " TORCHPROV_VERSION));
  return result;
}

}  // namespace torchprov::interop
