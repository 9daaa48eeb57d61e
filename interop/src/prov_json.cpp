// PROV-JSON (W3C member submission, https://www.w3.org/Submission/prov-json/)
// read into PROV-O statements and written from them, through the PROV-DM
// records of prov_model.h.  nlohmann::json parses; a parser callback notes
// where each key was read so that a record PROV-O cannot take is refused
// with its line.
#include <torchprov/interop.h>
#include <torchprov/triplestore.h>

#include <nlohmann/json.hpp>
#include <torchprov/detail/json_parse.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <map>
#include <ostream>
#include <set>

#include "lexical.h"
#include "prov_model.h"
#include "qualified_names.h"

namespace torchprov::interop {
namespace {

using Json = nlohmann::ordered_json;
using prov_dm::Kind;
using prov_dm::Record;

std::string prov(std::string_view local) { return std::string(prov_dm::prov_ns) + std::string(local); }
std::string xsd(std::string_view local) { return std::string(prov_dm::xsd_ns) + std::string(local); }

// xsd:dateTime: -?YYYY-MM-DDThh:mm:ss(.s+)?(Z|(+|-)hh:mm)?
bool is_date_time(std::string_view t) {
  std::size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  auto digits = [&](std::size_t n) {
    for (std::size_t k = 0; k < n; ++k, ++i)
      if (i >= t.size() || !std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    return true;
  };
  auto expect = [&](char c) { return i < t.size() && t[i++] == c; };
  if (!digits(4)) return false;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (!(expect('-') && digits(2) && expect('-') && digits(2) && expect('T') && digits(2) && expect(':') && digits(2) &&
        expect(':') && digits(2)))
    return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits(1)) return false;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  }
  if (i == t.size()) return true;
  if (t[i] == 'Z') return i + 1 == t.size();
  if (t[i] != '+' && t[i] != '-') return false;
  ++i;
  return digits(2) && expect(':') && digits(2) && i == t.size();
}

// ------------------------------------------------------------------ reading

class JsonReader {
 public:
  JsonReader(std::string_view text, const std::string& file, std::string_view blank_prefix)
      : text_(text), file_(file), blank_prefix_(blank_prefix) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Statement> read() {
    Json document = parse();
    if (!document.is_object()) fail("", "a PROV-JSON document is a JSON object");
    std::vector<Statement> out;
    Namespaces top = namespaces(document, "", nullptr);
    std::vector<std::pair<std::string, prov_dm::Container>> bundles;
    prov_dm::Container container = records(document, "", top, /*in_bundle=*/false, &bundles);
    prov_dm::to_statements(container, "", std::string(blank_prefix_) + "d_", out);
    for (std::size_t i = 0; i < bundles.size(); ++i)
      prov_dm::to_statements(bundles[i].second, bundles[i].first, std::string(blank_prefix_) + "b" + std::to_string(i) + "_", out);
    return out;
  }

 private:
  using Namespaces = std::map<std::string, std::string>;

  Json parse() {
    const char* furthest = text_.data();
    std::vector<std::string> path;
    Json::parser_callback_t note = [&](int depth, nlohmann::json::parse_event_t event, Json& parsed) {
      if (event == nlohmann::json::parse_event_t::key) {
        path.resize(std::size_t(depth));
        path.push_back(parsed.get<std::string>());
        std::string pointer;
        for (std::size_t i = 1; i < path.size(); ++i) pointer += "/" + path[i];
        where_.try_emplace(pointer, std::size_t(furthest - text_.data()));
      }
      return true;
    };
    try {
      return torchprov::detail::parse_json_text<Json>(text_, note, &furthest);
    } catch (const torchprov::detail::JsonParseFailure& e) {
      throw_at(e.offset, std::string("malformed JSON: ") + e.what());
    }
  }

  [[noreturn]] void throw_at(std::size_t offset, const std::string& message) const {
    offset = std::min(offset, text_.size());
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    throw triplestore::ParseError(file_, std::size_t(it - line_starts_.begin()), offset - *(it - 1) + 1, message);
  }
  // Fails at the key `pointer` ("/entity/ex:e") or its nearest noted parent.
  [[noreturn]] void fail(std::string pointer, const std::string& message) const {
    while (true) {
      if (auto it = where_.find(pointer); it != where_.end()) {
        // Back from the read position to the key's opening quote.
        std::size_t at = it->second;
        while (at > 0 && text_[at - 1] != '"') --at;
        if (at > 0) --at;
        while (at > 0 && text_[at - 1] != '"') --at;
        throw_at(at > 0 ? at - 1 : 0, message);
      }
      const auto slash = pointer.rfind('/');
      if (slash == std::string::npos) throw_at(0, message);
      pointer.resize(slash);
    }
  }

  Namespaces namespaces(const Json& container, const std::string& at, const Namespaces* parent) {
    Namespaces ns = parent ? *parent : Namespaces{};
    ns["prov"] = std::string(prov_dm::prov_ns);
    ns["xsd"] = std::string(prov_dm::xsd_ns);
    if (auto p = container.find("prefix"); p != container.end()) {
      if (!p->is_object()) fail(at + "/prefix", "\"prefix\" must map prefixes to namespace IRIs");
      for (const auto& [prefix, iri] : p->items()) {
        if (!iri.is_string()) fail(at + "/prefix/" + prefix, "the namespace of prefix '" + prefix + "' is not a string");
        ns[prefix] = iri.get<std::string>();
      }
    }
    return ns;
  }

  // A qualified name (or an IRI written out) as an IRI or blank node.
  Term resolve(const std::string& name, const Namespaces& ns, const std::string& at) const {
    if (name.starts_with("_:")) return Term::blank(std::string(blank_prefix_) + name.substr(2));
    const auto colon = name.find(':');
    if (colon == std::string::npos) {
      if (auto d = ns.find("default"); d != ns.end()) return Term::iri(d->second + name);
      fail(at, "'" + name + "' has no prefix and the document declares no default namespace");
    }
    const std::string prefix = name.substr(0, colon);
    if (auto p = ns.find(prefix); p != ns.end()) return Term::iri(p->second + name.substr(colon + 1));
    // Some writers put whole IRIs where qualified names belong.
    if (name.compare(colon, 3, "://") == 0 || prefix == "urn") return Term::iri(name);
    fail(at, "prefix '" + prefix + "' of '" + name + "' is not declared");
  }

  std::string number_text(const Json& v) const {
    if (v.is_number_integer()) return v.dump();
    return detail::double_lexical(v.get<double>());
  }

  // An attribute value: a string, number or boolean, or {"$": ..., "type" | "lang"}.
  Term value(const Json& v, const Namespaces& ns, const std::string& at) const {
    if (v.is_string()) return Term::literal(v.get<std::string>());
    if (v.is_boolean()) return Term::literal(v.get<bool>() ? "true" : "false", xsd("boolean"));
    if (v.is_number_integer()) return Term::literal(v.dump(), xsd("int"));
    if (v.is_number()) return Term::literal(number_text(v), xsd("double"));
    if (!v.is_object() || !v.contains("$"))
      fail(at, "an attribute value is a string, a number, a boolean or an object with \"$\"");
    const Json& raw = v["$"];
    std::string lexical;
    if (raw.is_string()) lexical = raw.get<std::string>();
    else if (raw.is_boolean()) lexical = raw.get<bool>() ? "true" : "false";
    else if (raw.is_number()) lexical = number_text(raw);
    else fail(at, "\"$\" must hold a string, a number or a boolean");
    if (auto lang = v.find("lang"); lang != v.end()) {
      if (!lang->is_string()) fail(at, "\"lang\" must be a string");
      return Term::lang_literal(lexical, lang->get<std::string>());
    }
    auto type = v.find("type");
    if (type == v.end()) {
      if (raw.is_number_integer()) return Term::literal(lexical, xsd("int"));
      if (raw.is_number()) return Term::literal(lexical, xsd("double"));
      if (raw.is_boolean()) return Term::literal(lexical, xsd("boolean"));
      return Term::literal(lexical);
    }
    if (!type->is_string()) fail(at, "\"type\" must be a qualified name");
    const std::string type_name = type->get<std::string>();
    if (type_name == "prov:QUALIFIED_NAME" || type_name == "xsd:QName") return resolve(lexical, ns, at);
    const Term datatype = resolve(type_name, ns, at);
    if (datatype.value == xsd("string")) return Term::literal(lexical);
    if (datatype.value == xsd("dateTime") && !is_date_time(lexical))
      fail(at, "'" + lexical + "' is not an xsd:dateTime");
    return Term::literal(lexical, datatype.value);
  }

  prov_dm::Container records(const Json& container, const std::string& at, const Namespaces& ns, bool in_bundle,
                             std::vector<std::pair<std::string, prov_dm::Container>>* bundles) {
    prov_dm::Container out;
    for (const auto& [section, entries] : container.items()) {
      const std::string here = at + "/" + section;
      if (section == "prefix") continue;
      if (section == "bundle") {
        if (in_bundle) fail(here, "a bundle cannot hold bundles");
        if (!entries.is_object()) fail(here, "\"bundle\" must map bundle names to their records");
        for (const auto& [name, content] : entries.items()) {
          const std::string there = here + "/" + name;
          if (!content.is_object()) fail(there, "a bundle is a JSON object of records");
          const Term id = resolve(name, ns, there);
          if (id.kind != TermKind::iri) fail(there, "a bundle needs an IRI as its name");
          const Namespaces inner = namespaces(content, there, &ns);
          bundles->emplace_back(id.value, records(content, there, inner, true, nullptr));
        }
        continue;
      }
      const auto kind = prov_dm::kind_from_name(section);
      if (!kind) fail(here, "unknown PROV-JSON section \"" + section + "\"");
      if (!entries.is_object()) fail(here, "\"" + section + "\" must map identifiers to records");
      for (const auto& [id, content] : entries.items()) {
        const std::string there = here + "/" + id;
        if (content.is_array()) {
          for (const auto& one : content) record(*kind, id, one, ns, there, out.records);
        } else {
          record(*kind, id, content, ns, there, out.records);
        }
      }
    }
    return out;
  }

  // The record, and for a hadMember listing several entities one per member.
  void record(Kind kind, const std::string& id, const Json& content, const Namespaces& ns, const std::string& at,
              std::vector<Record>& out) {
    if (!content.is_object()) fail(at, "a record is a JSON object of attributes");
    Record r;
    r.kind = kind;
    // "_:id1" names an anonymous relation (python prov writes them so).
    if (prov_dm::is_element(kind) || !id.starts_with("_:")) r.id = resolve(id, ns, at);
    const auto formal = prov_dm::formal_attributes(kind);
    std::vector<Term> extra_members;
    for (const auto& [name, v] : content.items()) {
      const std::string there = at + "/" + name;
      if (name.starts_with("prov:")) {
        const std::string local = name.substr(5);
        if (std::find(formal.begin(), formal.end(), local) != formal.end()) {
          const Json* one = &v;
          if (v.is_array()) {
            // hadMember lists its entities in one record.
            if (kind == Kind::membership && local == "entity" && !v.empty()) {
              for (std::size_t i = 1; i < v.size(); ++i) {
                if (!v[i].is_string()) fail(there, "prov:entity must be a qualified name");
                extra_members.push_back(resolve(v[i].get<std::string>(), ns, there));
              }
              one = &v[0];
            } else if (v.size() == 1) {
              one = &v[0];
            } else {
              fail(there, "prov:" + local + " takes one value");
            }
          }
          if (!one->is_string()) fail(there, "prov:" + local + " must be a " + (prov_dm::is_time_attribute(local) ? "time" : "qualified name"));
          const std::string text = one->get<std::string>();
          if (prov_dm::is_time_attribute(local)) {
            if (!is_date_time(text)) fail(there, "'" + text + "' is not an xsd:dateTime");
            r.formal[local] = Term::literal(text, xsd("dateTime"));
          } else {
            r.formal[local] = resolve(text, ns, there);
          }
          continue;
        }
      }
      const Term attribute = name.starts_with("prov:") ? Term::iri(prov(name.substr(5))) : resolve(name, ns, there);
      if (attribute.kind != TermKind::iri) fail(there, "an attribute needs an IRI as its name");
      if (v.is_array()) {
        for (const auto& one : v) r.attributes.emplace_back(attribute.value, value(one, ns, there));
      } else {
        r.attributes.emplace_back(attribute.value, value(v, ns, there));
      }
    }
    if (!prov_dm::is_element(kind)) {
      const std::string first(formal[0]);
      if (!r.formal.count(first)) fail(at, std::string(prov_dm::kind_name(kind)) + " record without prov:" + first);
      const bool unqualifiable = kind == Kind::alternate || kind == Kind::specialization || kind == Kind::mention ||
                                 kind == Kind::membership;
      if (unqualifiable && (r.id || !r.attributes.empty()))
        fail(at, std::string(prov_dm::kind_name(kind)) + " with an identifier or attributes: PROV-O has no place for them");
      if (unqualifiable && !r.formal.count(std::string(formal[1])))
        fail(at, std::string(prov_dm::kind_name(kind)) + " record without prov:" + std::string(formal[1]));
    }
    out.push_back(r);
    for (const auto& m : extra_members) {
      out.push_back(r);
      out.back().formal["entity"] = m;
    }
  }

  std::string_view text_;
  const std::string& file_;
  std::string blank_prefix_;
  std::vector<std::size_t> line_starts_;
  std::map<std::string, std::size_t> where_;  // JSON pointer of a key -> read position after it
};

// ------------------------------------------------------------------ writing

class JsonWriter {
 public:
  Json write(const prov_dm::Document& document) {
    // Names first: the prefixes they need are declared at the top.
    Json top = container(document.top);
    Json bundles = Json::object();
    for (const auto& [graph, c] : document.bundles) bundles[names_.name(graph)] = container(c);
    Json out = Json::object();
    Json prefixes = Json::object();
    for (const auto& [prefix, ns] : names_.declared()) prefixes[prefix] = ns;
    if (!prefixes.empty()) out["prefix"] = prefixes;
    for (auto& [key, value] : top.items()) out[key] = value;
    if (!bundles.empty()) out["bundle"] = bundles;
    return out;
  }

 private:
  Json container(const prov_dm::Container& c) {
    Json out = Json::object();
    std::size_t anonymous = 0;
    for (const Record& r : c.records) {
      const std::string section(prov_dm::kind_name(r.kind));
      const std::string id = r.id ? identifier(*r.id) : "_:id" + std::to_string(++anonymous);
      Json record = Json::object();
      for (const auto& name : prov_dm::formal_attributes(r.kind)) {
        auto v = r.formal.find(std::string(name));
        if (v == r.formal.end()) continue;
        record["prov:" + std::string(name)] =
            prov_dm::is_time_attribute(name) ? v->second.value : identifier(v->second);
      }
      for (const auto& [name, value] : r.attributes) {
        const std::string key = names_.name(name);
        Json encoded = encode(value);
        if (!record.contains(key)) {
          record[key] = std::move(encoded);
        } else {
          Json& slot = record[key];
          if (!slot.is_array()) slot = Json::array({slot});
          slot.push_back(std::move(encoded));
        }
      }
      Json& entries = out[section];
      if (!entries.contains(id)) {
        entries[id] = std::move(record);
      } else {
        Json& slot = entries[id];
        if (!slot.is_array()) slot = Json::array({slot});
        slot.push_back(std::move(record));
      }
    }
    return out;
  }

  std::string identifier(const Term& t) {
    if (t.kind == TermKind::blank) return "_:" + t.value;
    return names_.name(t.value);
  }

  Json encode(const Term& t) {
    if (t.kind != TermKind::literal) return Json{{"$", identifier(t)}, {"type", "prov:QUALIFIED_NAME"}};
    if (!t.language.empty()) return Json{{"$", t.value}, {"lang", t.language}};
    if (t.datatype.empty() || t.datatype == xsd("string")) return t.value;
    return Json{{"$", t.value}, {"type", names_.name(t.datatype)}};
  }

  QualifiedNames names_;
};

}  // namespace

std::optional<ProvFormat> prov_format_from_name(std::string_view name) {
  if (name == "provjson" || name == "prov-json" || name == "json") return ProvFormat::json;
  if (name == "provn" || name == "prov-n") return ProvFormat::n;
  return std::nullopt;
}

std::vector<Statement> read_prov_json(std::string_view text, const std::string& file_name, std::string_view blank_prefix) {
  return JsonReader(text, file_name, blank_prefix).read();
}

void write_prov_n(std::ostream& out, const prov_dm::Document& document);

void write_prov(std::ostream& out, std::span<const Statement> statements, ProvFormat format) {
  const prov_dm::Document document = prov_dm::from_statements(statements);
  if (format == ProvFormat::n) return write_prov_n(out, document);
  out << JsonWriter().write(document).dump(1) << "\n";
}

}  // namespace torchprov::interop
