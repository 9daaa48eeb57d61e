import oxigraph from 'oxigraph'; import fs from 'node:fs';
const s = new oxigraph.Store();
for (const f of process.argv.slice(3)) s.load(fs.readFileSync(f,'utf8'), {format: f.endsWith('.trig')?'application/trig':'text/turtle'});
for (const x of s.match(null,null,null,null)) if (x.graph.termType!=='DefaultGraph') s.add(oxigraph.quad(x.subject,x.predicate,x.object,oxigraph.defaultGraph()));
const r = JSON.parse(s.query(fs.readFileSync(process.argv[2],'utf8'), {results_format:'application/sparql-results+json'}));
console.log(r.head.vars.join('\t'));
for (const b of r.results.bindings.slice(0,12)) console.log(r.head.vars.map(v=>b[v]?b[v].value.replace('https://w3id.org/torchprov/','').slice(0,40):'').join('\t'));
console.log(r.results.bindings.length, 'rows');
