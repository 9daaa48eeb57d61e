// PROV-N (W3C Recommendation, https://www.w3.org/TR/prov-n/) written from
// the PROV-DM records of prov_model.h: one bundle per named graph.
#include <torchprov/interop.h>

#include <ostream>
#include <sstream>

#include "prov_model.h"
#include "qualified_names.h"

namespace torchprov::interop {
namespace {

using prov_dm::Kind;
using prov_dm::Record;

bool is_name_start(unsigned char c) {
  return std::isalnum(c) || c == '_' || c >= 0x80;
}
// Characters PN_CHARS_OTHERS admits anywhere in a local name unescaped.
bool is_other(char c) {
  return c == '/' || c == '@' || c == '~' || c == '&' || c == '+' || c == '*' || c == '?' || c == '#' || c == '$' ||
         c == '!';
}
bool is_escapable(char c) {
  return std::string_view("_~.-!$&'()*+,;=/?#@%").find(c) != std::string_view::npos;
}

// A qualified name in PROV-N syntax: the local part escaped where the
// grammar asks; nullopt when no escaping can make it one.
std::optional<std::string> provn_local(std::string_view local) {
  std::string out;
  for (std::size_t i = 0; i < local.size(); ++i) {
    const char c = local[i];
    const bool first = i == 0, last = i + 1 == local.size();
    if (is_name_start(static_cast<unsigned char>(c)) || is_other(c)) {
      out.push_back(c);
    } else if (c == '%' && i + 2 < local.size() + 0 && std::isxdigit(static_cast<unsigned char>(local[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(local[i + 2]))) {
      out.append(local.substr(i, 3));
      i += 2;
    } else if ((c == '-' || c == ':' || c == '.') && !first && !(last && c == '.')) {
      out.push_back(c);
    } else if (is_escapable(c)) {
      out.push_back('\\');
      out.push_back(c);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// PROV-N's STRING_LITERAL: its escapes are Turtle's ECHAR, but it has no
// \u form (other control characters stand as they are).
std::string string_literal(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: out.push_back(c);
    }
  }
  return out + "\"";
}

class ProvNWriter {
 public:
  void write(std::ostream& out, const prov_dm::Document& document) {
    // Records first (they declare the prefixes they need), then the document.
    std::ostringstream top;
    container(top, document.top, "  ");
    std::vector<std::pair<std::string, std::string>> bundles;
    for (const auto& [graph, c] : document.bundles) {
      std::ostringstream body;
      container(body, c, "    ");
      bundles.emplace_back(name(graph), body.str());
    }
    out << "document\n";
    for (const auto& [prefix, ns] : names_.declared()) out << "  prefix " << prefix << " <" << ns << ">\n";
    out << top.str();
    for (const auto& [id, body] : bundles) {
      out << "  bundle " << id << "\n";
      for (const auto& [prefix, ns] : names_.declared()) out << "    prefix " << prefix << " <" << ns << ">\n";
      out << body << "  endBundle\n";
    }
    out << "endDocument\n";
  }

 private:
  std::string name(const std::string& iri) {
    const std::string qualified = names_.name(iri);
    const auto colon = qualified.find(':');
    if (auto local = provn_local(std::string_view(qualified).substr(colon + 1)))
      return qualified.substr(0, colon + 1) + *local;
    // No local name can spell it: a namespace of its own, named by its prefix alone.
    return names_.whole(iri);
  }
  std::string identifier(const Term& t) {
    if (t.kind == TermKind::blank) return name("urn:x-torchprov:blank:" + t.value);
    return name(t.value);
  }

  std::string value(const Term& t) {
    if (t.kind != TermKind::literal) {
      std::string quoted_name(1, '\'');
      quoted_name += identifier(t);
      return quoted_name += '\'';
    }
    if (!t.language.empty()) return string_literal(t.value) + "@" + t.language;
    if (t.datatype.empty() || t.datatype == std::string(prov_dm::xsd_ns) + "string") return string_literal(t.value);
    return string_literal(t.value) + " %% " + name(t.datatype);
  }

  void container(std::ostream& out, const prov_dm::Container& c, const std::string& indent) {
    for (const Record& r : c.records) {
      out << indent << prov_dm::kind_name(r.kind) << "(";
      const auto formal = prov_dm::formal_attributes(r.kind);
      if (prov_dm::is_element(r.kind)) {
        out << identifier(*r.id);
        for (const auto& f : formal) {  // an activity's times
          auto v = r.formal.find(std::string(f));
          out << ", " << (v == r.formal.end() ? "-" : v->second.value);
        }
      } else {
        if (r.id) out << identifier(*r.id) << "; ";
        for (std::size_t i = 0; i < formal.size(); ++i) {
          auto v = r.formal.find(std::string(formal[i]));
          if (i > 0) out << ", ";
          if (v == r.formal.end()) out << "-";
          else if (prov_dm::is_time_attribute(formal[i])) out << v->second.value;
          else out << identifier(v->second);
        }
      }
      if (!r.attributes.empty()) {
        out << ", [";
        for (std::size_t i = 0; i < r.attributes.size(); ++i) {
          if (i > 0) out << ", ";
          out << name(r.attributes[i].first) << "=" << value(r.attributes[i].second);
        }
        out << "]";
      }
      out << ")\n";
    }
  }

  QualifiedNames names_;
};

}  // namespace

void write_prov_n(std::ostream& out, const prov_dm::Document& document) { ProvNWriter().write(out, document); }

}  // namespace torchprov::interop
