"""Shared by the Python package's tests: a small model, temporary output
files, and reading what the recorder wrote with rdflib."""
import os
import shutil
import tempfile
import unittest

import rdflib
import torch

PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DL = rdflib.Namespace("https://w3id.org/torchprov/dl#")
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")


def small_model():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(2 * 4 * 4, 3))


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="torchprov-py-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)


def read(path):
    g = rdflib.Graph()
    g.parse(path, format="trig" if path.endswith(".trig") else "turtle")
    return g


def value(g, subject, predicate):
    """The one object of (subject, predicate), as a Python value (None if absent)."""
    objects = list(g.objects(rdflib.URIRef(subject), predicate))
    if not objects:
        return None
    assert len(objects) == 1, f"{subject} {predicate}: {objects}"
    o = objects[0]
    return o.toPython() if isinstance(o, rdflib.Literal) else str(o)


def typed(g, cls):
    return {str(s) for s in g.subjects(rdflib.RDF.type, cls)}
