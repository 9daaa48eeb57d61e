#!/usr/bin/python3
"""python prov reads what torchprov writes, and torchprov keeps what python prov writes.

  prov_json_check.py same RUN.json RUN.trig [MIN_RECORDS]
      python prov's reading of our PROV-JSON equals its reading of our TriG
      (both unified).  python prov 2.0's PROV-O reader leaves two PROV-O
      shortcuts as plain attributes of the entity; they are put back as
      PROV-O defines them before comparing: prov:generatedAtTime is the time
      of the entity's generation (its only one, or one of its own), and
      prov:wasRevisionOf a derivation of type prov:Revision.
  prov_json_check.py write ORIGINAL.json
      writes a PROV-JSON document with python prov: every kind of record,
      identified and anonymous relations, values of each type, a bundle.
  prov_json_check.py round-trip ORIGINAL.json EXPORTED.json
      the document torchprov exported after importing ORIGINAL.json is the
      same document (unified).
Exits 1 with the records that differ.
"""
import collections
import datetime
import sys

import prov.model as pm

PROV = "http://www.w3.org/ns/prov#"


def read(path, rdf=False):
    if rdf:
        return pm.ProvDocument.deserialize(source=path, format="rdf", rdf_format="trig")
    return pm.ProvDocument.deserialize(source=path, format="json")


def value_key(v):
    if isinstance(v, pm.QualifiedName):
        return ("qname", v.uri)
    if isinstance(v, pm.Identifier):
        return ("iri", v.uri)
    if isinstance(v, pm.Literal):
        return ("literal", str(v.value), v.datatype.uri if v.datatype else None, v.langtag)
    if isinstance(v, datetime.datetime):
        return ("time", v.timestamp())
    return (type(v).__name__, v)


def record_key(r):
    return (r.get_type().uri, r.identifier.uri if r.identifier else None,
            frozenset((k.uri, value_key(v)) for k, v in r.attributes))


def records(doc):
    out = collections.Counter()
    for r in doc.get_records():
        out[(None,) + record_key(r)] += 1
    for b in doc.bundles:
        for r in b.get_records():
            out[(b.identifier.uri,) + record_key(r)] += 1
    return out


def lift_prov_o_shortcuts(doc):
    """The document again, with prov:generatedAtTime and prov:wasRevisionOf
    attributes turned into the generation time and Revision derivation that
    PROV-O defines them as."""
    out = pm.ProvDocument()
    out._namespaces = doc._namespaces

    def rebuild(source, target):
        generations, derivations, times, revisions = [], [], [], []
        for r in source.get_records():
            attrs = list(r.attributes)
            if isinstance(r, pm.ProvEntity):
                kept = []
                for k, v in attrs:
                    if k.uri == PROV + "generatedAtTime":
                        times.append((r.identifier, v))
                    elif k.uri == PROV + "wasRevisionOf":
                        revisions.append((r.identifier, v))
                    else:
                        kept.append((k, v))
                target.entity(r.identifier, kept)
            elif isinstance(r, pm.ProvGeneration):
                generations.append(dict(attrs))
            elif isinstance(r, pm.ProvDerivation):
                derivations.append(attrs)
            else:
                target.add_record(r)
        for entity, time in times:
            mine = [g for g in generations if g.get(pm.PROV_ATTR_ENTITY) == entity]
            if len(mine) == 1 and pm.PROV_ATTR_TIME not in mine[0]:
                mine[0][pm.PROV_ATTR_TIME] = time
            else:
                generations.append({pm.PROV_ATTR_ENTITY: entity, pm.PROV_ATTR_TIME: time})
        for g in generations:
            target.wasGeneratedBy(g.get(pm.PROV_ATTR_ENTITY), g.get(pm.PROV_ATTR_ACTIVITY), g.get(pm.PROV_ATTR_TIME),
                                  other_attributes=[(k, v) for k, v in g.items() if k not in (
                                      pm.PROV_ATTR_ENTITY, pm.PROV_ATTR_ACTIVITY, pm.PROV_ATTR_TIME)])
        for new, old in revisions:
            match = [d for d in derivations if dict(d).get(pm.PROV_ATTR_GENERATED_ENTITY) == new
                     and dict(d).get(pm.PROV_ATTR_USED_ENTITY) == old]
            if match:
                match[0].append((pm.PROV_TYPE, pm.PROV["Revision"]))
            else:
                derivations.append([(pm.PROV_ATTR_GENERATED_ENTITY, new), (pm.PROV_ATTR_USED_ENTITY, old),
                                    (pm.PROV_TYPE, pm.PROV["Revision"])])
        for d in derivations:
            target.new_record(pm.PROV_DERIVATION, None, [(k, v) for k, v in d if k in pm.ProvDerivation.FORMAL_ATTRIBUTES],
                              [(k, v) for k, v in d if k not in pm.ProvDerivation.FORMAL_ATTRIBUTES])

    rebuild(doc, out)
    for b in doc.bundles:
        rebuild(b, out.bundle(b.identifier))
    return out


def compare(name_a, a, name_b, b, minimum=0):
    ra, rb = records(a.unified()), records(b.unified())
    total = sum(ra.values())
    if ra != rb or total < minimum:
        print(f"FAIL: {name_a} ({total} records) and {name_b} ({sum(rb.values())} records) differ")
        for label, diff in ((f"only in {name_a}", ra - rb), (f"only in {name_b}", rb - ra)):
            print(f"  {label}: {sum(diff.values())}")
            for k in list(diff)[:5]:
                print("   ", k)
        if total < minimum:
            print(f"  expected at least {minimum} records")
        sys.exit(1)
    kinds = collections.Counter(k[1].split("#")[-1] for k in ra.elements())
    print(f"ok: {name_a} and {name_b} are the same document: {total} records "
          f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}), {len(a.bundles)} bundles")


def write(path):
    d = pm.ProvDocument()
    ex = d.add_namespace("ex", "http://example.org/study#")
    d.add_namespace("lab", "https://lab.example.net/people/")
    data = d.entity("ex:dataset", {"prov:type": pm.PROV["Collection"], "prov:label": "training images",
                                   "ex:rows": 60000, "ex:fraction": 0.25, "ex:checked": True,
                                   "ex:note": pm.Literal("Trainingsdaten", langtag="de"),
                                   "ex:size": pm.Literal("1048576", pm.XSD["long"]),
                                   "ex:homepage": pm.Identifier("https://lab.example.net/data"),
                                   "ex:kind": ex["Images"],
                                   "ex:made": datetime.datetime(2023, 5, 2, 9, 30, tzinfo=datetime.timezone.utc)})
    model = d.entity("ex:model", {"ex:layers": 8, "prov:location": "node-3"})
    plan = d.entity("ex:recipe", {"prov:type": pm.PROV["Plan"]})
    train = d.activity("ex:train", "2023-05-02T10:00:00+00:00", "2023-05-02T11:30:00.250000+00:00",
                       {"prov:type": ex["Training"], "ex:epochs": 3})
    evaluate = d.activity("ex:evaluate", "2023-05-02T11:31:00+00:00")
    ana = d.agent("lab:ana", {"prov:type": pm.PROV["Person"], "ex:name": "Ana"})
    script = d.agent("ex:script", {"prov:type": pm.PROV["SoftwareAgent"]})
    d.used(train, data, "2023-05-02T10:00:01+00:00", other_attributes={"prov:role": ex["input"]})
    d.used(evaluate, model)
    d.wasGeneratedBy(model, train, "2023-05-02T11:30:00+00:00")
    d.wasGeneratedBy("ex:report", evaluate, identifier="ex:gen-report", other_attributes={"ex:pages": 4})
    d.entity("ex:report")
    d.wasInformedBy(evaluate, train)
    d.wasStartedBy(train, data, None, "2023-05-02T10:00:00+00:00")
    d.wasEndedBy(train, None, evaluate, "2023-05-02T11:30:00.250000+00:00")
    d.wasInvalidatedBy(data, None, "2023-06-01T00:00:00+00:00")
    d.wasDerivedFrom(model, data, train, other_attributes={"ex:why": "fitted"})
    d.revision("ex:model-v2", model)
    d.entity("ex:model-v2")
    d.wasAttributedTo(model, ana)
    d.wasAssociatedWith(train, script, plan)
    d.wasAssociatedWith(evaluate, ana)
    d.actedOnBehalfOf(script, ana, train)
    d.wasInfluencedBy(evaluate, ana)
    d.specializationOf("ex:model-v2", model)
    d.alternateOf("ex:model-v2", "ex:model-copy")
    d.entity("ex:model-copy")
    d.hadMember(data, "ex:image-1")
    d.entity("ex:image-1")
    b = d.bundle("ex:run-bundle")
    b.entity("ex:checkpoint", {"ex:epoch": 2, "prov:label": "checkpoint of epoch 2"})
    b.activity("ex:epoch-2")
    b.wasGeneratedBy("ex:checkpoint", "ex:epoch-2", "2023-05-02T11:00:00+00:00")
    with open(path, "w") as f:
        f.write(d.serialize(format="json", indent=1))
    print(f"wrote {path}: {len(list(d.get_records()))} records and a bundle")


def main():
    mode = sys.argv[1]
    if mode == "same":
        json_doc = read(sys.argv[2])
        trig_doc = lift_prov_o_shortcuts(read(sys.argv[3], rdf=True))
        compare("PROV-JSON", json_doc, "TriG", trig_doc, int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    elif mode == "write":
        write(sys.argv[2])
    elif mode == "round-trip":
        compare("original", read(sys.argv[2]), "after import and export", read(sys.argv[3]), 10)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
