# Generic (non-dl:) university data, LUBM-like: about 1.34 M triples as N-Triples.
# usage: /usr/bin/python3 generate.py OUT.nt   (the same file every time: seeded)
import random, sys
random.seed(3)
U = "http://example.org/univ#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
out = open(sys.argv[1], "w")
def t(s, p, o): out.write(f"<{s}> <{p}> {o} .\n")
def iri(x): return f"<{x}>"
def lit(x): return '"' + x + '"'
def num(x): return f'"{x}"^^<{XSD}integer>'
first = ["Ana","Ben","Chen","Dara","Eli","Fay","Gus","Hana","Ivo","Jia","Kofi","Lena","Mo","Nia","Oto","Pia"]
last = ["Smith","Ng","Garcia","Okafor","Muller","Rossi","Kim","Silva","Novak","Ivanova"]
for u in range(25):
    univ = f"http://ex.org/u{u}"
    t(univ, RDF, iri(U+"University")); t(univ, U+"name", lit(f"University {u}"))
    for d in range(14):
        dept = f"{univ}/d{d}"
        t(dept, RDF, iri(U+"Department")); t(dept, U+"subOrganizationOf", iri(univ)); t(dept, U+"name", lit(f"Dept {u}.{d}"))
        courses = [f"{dept}/c{c}" for c in range(60)]
        for c in courses: t(c, RDF, iri(U+"Course")); t(c, U+"name", lit("Course " + c.rsplit('/',1)[1]))
        faculty = [f"{dept}/f{f}" for f in range(40)]
        for i, f in enumerate(faculty):
            t(f, RDF, iri(U+("FullProfessor" if i < 10 else "AssociateProfessor" if i < 25 else "Lecturer")))
            t(f, U+"name", lit(random.choice(first) + " " + random.choice(last)))
            t(f, U+"email", lit(f"f{i}@d{d}.u{u}.example.org")); t(f, U+"age", num(random.randint(28, 70)))
            t(f, U+"memberOf", iri(dept)); t(f, U+"degreeFrom", iri(f"http://ex.org/u{random.randrange(25)}"))
            for c in random.sample(courses, 2): t(f, U+"teacherOf", iri(c))
        for s in range(300):
            st = f"{dept}/s{s}"
            grad = s < 100
            t(st, RDF, iri(U+("GraduateStudent" if grad else "UndergraduateStudent")))
            t(st, U+"name", lit(random.choice(first) + " " + random.choice(last)))
            t(st, U+"email", lit(f"s{s}@d{d}.u{u}.example.org")); t(st, U+"age", num(random.randint(18, 35)))
            t(st, U+"memberOf", iri(dept))
            for c in random.sample(courses, 3): t(st, U+"takesCourse", iri(c))
            if grad:
                t(st, U+"advisor", iri(random.choice(faculty)))
                t(st, U+"undergraduateDegreeFrom", iri(f"http://ex.org/u{random.randrange(25)}"))
        for p in range(130):
            pub = f"{dept}/p{p}"
            t(pub, RDF, iri(U+"Publication")); t(pub, U+"title", lit(f"On topic {random.randrange(5000)}"))
            t(pub, U+"year", num(random.randint(1990, 2025)))
            for a in random.sample(faculty, 2) + [f"{dept}/s{random.randrange(100)}"]: t(pub, U+"author", iri(a))
out.close()
