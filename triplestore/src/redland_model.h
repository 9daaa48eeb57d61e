// RAII wrappers around the Redland (librdf) handles the store uses, and
// conversions between librdf nodes and torchprov Terms.
#pragma once

#include <torchprov/rdf.h>

#include <functional>
#include <memory>
#include <string>

struct librdf_world_s;
struct librdf_storage_s;
struct librdf_model_s;

namespace torchprov::triplestore::redland {

struct WorldDeleter { void operator()(librdf_world_s*) const; };
struct StorageDeleter { void operator()(librdf_storage_s*) const; };
struct ModelDeleter { void operator()(librdf_model_s*) const; };
using WorldPtr = std::unique_ptr<librdf_world_s, WorldDeleter>;
using StoragePtr = std::unique_ptr<librdf_storage_s, StorageDeleter>;
using ModelPtr = std::unique_ptr<librdf_model_s, ModelDeleter>;

// One Redland world, storage and model: the store's Redland copy.  Members are
// declared so that destruction frees the model before the storage before the
// world.  Not thread-safe: the store's background writer owns it after open.
class Model {
 public:
  // `name` is the Redland storage name (for hashes: the file prefix).
  Model(const std::string& storage, const std::string& name, const std::string& options);
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  void add(const Term& s, const Term& p, const Term& o, const Term& graph);
  void remove(const Term& s, const Term& p, const Term& o, const Term& graph);
  void remove_graph(const Term& graph);
  bool contains(const Term& s, const Term& p, const Term& o, const Term& graph);
  void sync();
  // Every statement with its context ("" when it has none).
  void for_each(const std::function<void(const Statement&)>& visit);

 private:
  WorldPtr world_;
  StoragePtr storage_;
  ModelPtr model_;
};

}  // namespace torchprov::triplestore::redland
