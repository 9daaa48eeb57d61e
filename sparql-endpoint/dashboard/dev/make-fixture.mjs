#!/usr/bin/env node
// Writes dev/fixture.trig: a small, synthetic but ontology-conformant provenance store
// with several runs (two experiments, SGD/Adam, a stopped run, a running run, person and
// trainer adaptations, a regression run with mse/r2) for developing the dashboard without
// a real training.  Each run lives in its named graph <run>/bundle, as torchprov writes it.
//   node dev/make-fixture.mjs > dev/fixture.trig
const B = 'https://w3id.org/torchprov/';
const out = [];
const iri = (s) => `<${s}>`;
const lit = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : `"${v}"^^xsd:double`) : JSON.stringify(v));
const dbl = (v) => `"${v}"^^xsd:double`;
const time = (ms) => `"${new Date(ms).toISOString()}"^^xsd:dateTime`;

function person(name) {
  const p = `${B}person/${encodeURIComponent(name)}`;
  return { iri: p, ttl: `${iri(p)} a prov:Agent , prov:Person ; dl:name ${lit(name)} ; rdfs:label ${lit(name)} .` };
}

// Deterministic pseudo-random numbers.
let seed = 7;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);

function run(o) {
  const run = `${B}run/${o.id}`;
  const t = [];
  const p = person(o.person);
  const exp = `${B}experiment/${o.experiment}`;
  const trainer = `${run}/trainer`;
  const start = Date.parse(o.start);
  t.push(`${iri(run + '/bundle')} a prov:Bundle , prov:Entity , dl:RunBundle ; dl:describesRun ${iri(run)} .`);
  t.push(`${iri(exp)} a prov:Activity , dl:Experiment ; dl:name ${lit(o.experiment)} .`);
  t.push(p.ttl);
  t.push(`${iri(trainer)} a prov:Agent , prov:SoftwareAgent , dl:Trainer ; dl:program ${lit(o.experiment)} ; rdfs:label ${lit(o.experiment)} ; prov:actedOnBehalfOf ${iri(p.iri)} .`);
  t.push(`${iri(run + '/optimizer')} a prov:Entity , dl:Optimizer ; dl:optimizerType ${lit(o.optimizer)} ; dl:numParamGroups 1 .`);
  const hp = [];
  const settings = { ...o.hp, optimizer: o.optimizer, epochs: o.planned };
  for (const [name, value] of Object.entries(settings)) {
    const group = ['learning_rate', 'weight_decay', 'momentum'].includes(name);
    const s = `${run}/hp/${name}${group ? '/0' : ''}`;
    hp.push(s);
    t.push(`${iri(s)} a prov:Entity , dl:HyperparameterSetting ; dl:name ${lit(name)} ; prov:value ${lit(value)} ;` +
      (group ? ` dl:paramGroup 0 ; dl:ofOptimizer ${iri(run + '/optimizer')} ;` : '') + ` rdfs:label ${lit(`${name} = ${value}`)} .`);
  }
  const ds = `${run}/dataset/${o.dataset}-train`;
  t.push(`${iri(ds)} a prov:Entity , dl:Dataset ; dl:name ${lit(o.dataset + '-train')} ; dl:split "train" ; dl:numExamples "1800"^^xsd:long .`);
  t.push(`${iri(run)} a prov:Activity , dl:TrainingRun ; dl:runId ${lit(o.id)} ; prov:startedAtTime ${time(start)} ;
  dl:partOfExperiment ${iri(exp)} ; prov:wasInformedBy ${iri(exp)} ;
  prov:wasAssociatedWith ${iri(trainer)} , ${iri(p.iri)} ; dl:epochsPlanned ${o.planned} ;
  prov:used ${iri(ds)} ; dl:trainedOn ${iri(ds)} ; prov:used ${iri(run + '/optimizer')} ;
  ${hp.map((h) => `prov:used ${iri(h)} ; dl:hasHyperparameter ${iri(h)}`).join(' ;\n  ')} .`);
  let now = start + 2000;
  let best = null;
  let bestCkpt = null;
  let k = 0;
  let lrNow = `${run}/hp/learning_rate/0`;
  for (let e = 1; e <= o.epochs; e++) {
    const ep = `${run}/epoch/${e}`;
    const dur = o.epochSeconds * (0.9 + 0.2 * rnd()) * 1000;
    t.push(`${iri(ep)} a prov:Activity , dl:Epoch ; dl:epochNumber ${e} ; prov:startedAtTime ${time(now)} ;` +
      ` prov:endedAtTime ${time(now + dur)} ; dl:partOfRun ${iri(run)} ; prov:wasInformedBy ${iri(run)} ;` +
      ` prov:wasAssociatedWith ${iri(trainer)}` + (e > 1 ? ` ; prov:wasInformedBy ${iri(`${run}/epoch/${e - 1}`)} ; dl:previousEpoch ${iri(`${run}/epoch/${e - 1}`)}` : '') + ' .');
    now += dur;
    const m = o.metrics(e, rnd);
    for (const [key, v] of Object.entries(m)) {
      const [split, name] = key.split('/');
      t.push(`${iri(`${ep}/metric/${split}/${name}`)} a prov:Entity , dl:MetricValue ; dl:name ${lit(name)} ; dl:split ${lit(split)} ;` +
        ` prov:value ${dbl(v)} ; dl:epoch ${e} ; prov:wasGeneratedBy ${iri(ep)} ; prov:generatedAtTime ${time(now)} .`);
    }
    const score = m['val/accuracy'] ?? m['val/r2'];
    if (best === null || score > best) {
      best = score;
      const c = `${run}/checkpoint/${e}`;
      t.push(`${iri(c)} a prov:Entity , dl:Checkpoint ; dl:epoch ${e} ; dl:path ${lit(`/tmp/${o.id}/best.pt`)} ;` +
        ` prov:wasGeneratedBy ${iri(ep)} ; prov:generatedAtTime ${time(now)} ; prov:wasDerivedFrom ${iri(ds)}` +
        (bestCkpt ? ` , ${iri(bestCkpt)}` : '') + ' .');
      bestCkpt = c;
    }
    for (const a of (o.adaptations || []).filter((a) => a.epoch === e + 1)) {
      k++;
      const ad = `${run}/adaptation/${k}`;
      const agent = a.person ? person(a.person) : null;
      if (agent) t.push(agent.ttl);
      const who = agent ? agent.iri : trainer;
      let extra = '';
      if (a.action === 'set') {
        const nw = `${run}/hp/learning_rate/0/revision/${k}`;
        t.push(`${iri(nw)} a prov:Entity , dl:HyperparameterSetting ; dl:name "learning_rate" ; dl:paramGroup 0 ; prov:value ${dbl(a.value)} ;` +
          ` dl:epoch ${a.epoch} ; prov:wasRevisionOf ${iri(lrNow)} ; prov:wasDerivedFrom ${iri(lrNow)} ; prov:wasGeneratedBy ${iri(ad)} ; prov:generatedAtTime ${time(now)} .`);
        extra = ` ; prov:used ${iri(lrNow)}`;
        lrNow = nw;
      }
      if (agent) {
        const rq = `${B}request/${o.id}-${k}`;
        t.push(`${iri(rq)} a prov:Entity , dl:AdaptationRequest ; dl:action ${lit(a.action)} ; dl:status "applied" ; dl:reason ${lit(a.reason)} ;` +
          ` dl:requestedFor ${iri(run)} ; prov:wasAttributedTo ${iri(who)} .`);
        extra += ` ; prov:used ${iri(rq)} ; dl:fulfils ${iri(rq)}`;
      }
      t.push(`${iri(ad)} a prov:Activity , dl:Adaptation ; dl:action ${lit(a.action)} ; dl:reason ${lit(a.reason)} ; dl:epoch ${a.epoch} ;` +
        ` prov:startedAtTime ${time(now)} ; prov:endedAtTime ${time(now)} ; dl:partOfRun ${iri(run)} ; prov:wasInformedBy ${iri(run)} ;` +
        ` prov:wasAssociatedWith ${iri(who)}${extra} .`);
    }
  }
  if (o.status) {
    t.push(`${iri(run)} prov:endedAtTime ${time(now + 500)} ; dl:status ${lit(o.status)} ; dl:bestCheckpoint ${iri(bestCkpt)} .`);
  }
  out.push(`${iri(run + '/bundle')} {\n${t.join('\n')}\n}\n`);
}

const classify = (lr, quality, stopAfter = 99) => (e, r) => {
  const x = Math.min(e, stopAfter);
  const acc = quality * (1 - Math.exp(-x / (2 + 30 * (0.01 - Math.min(lr, 0.01))))) + 0.02 * (r() - 0.5);
  const tacc = Math.min(0.99, acc + 0.01 * e);
  return {
    'train/loss': +(2.3 * Math.exp(-x / 3) + 0.25 + 0.05 * r()).toFixed(4),
    'train/accuracy': +tacc.toFixed(4),
    'val/loss': +(2.2 * Math.exp(-x / 3) + 0.35 + 0.004 * Math.max(0, e - 6) ** 2 + 0.05 * r()).toFixed(4),
    'val/accuracy': +acc.toFixed(4),
  };
};

run({ id: 'a1f0c2d4-0001-4c1e-9a51-000000000001', experiment: 'alexnet-fmnist', person: 'alice', start: '2026-11-26T09:00:00Z',
  optimizer: 'Adam', hp: { learning_rate: 0.001, weight_decay: 0.0001, batch_size: 64, dropout: 0.5 }, planned: 10, epochs: 10,
  epochSeconds: 41, dataset: 'fashion-mnist', status: 'completed', metrics: classify(0.001, 0.88) });
run({ id: 'b2e1d3c5-0002-4c1e-9a51-000000000002', experiment: 'alexnet-fmnist', person: 'bob', start: '2026-11-26T10:00:00Z',
  optimizer: 'SGD', hp: { learning_rate: 0.01, momentum: 0.9, weight_decay: 0.0005, batch_size: 128, dropout: 0.5 }, planned: 12, epochs: 12,
  epochSeconds: 35, dataset: 'fashion-mnist', status: 'completed', metrics: classify(0.01, 0.9),
  adaptations: [
    { epoch: 6, action: 'set', value: 0.001, person: 'bob', reason: 'val loss stopped falling for 2 epochs' },
    { epoch: 10, action: 'set', value: 0.0001, reason: 'changed by the training program (schedule)' },
  ] });
run({ id: 'c3d2e4f6-0003-4c1e-9a51-000000000003', experiment: 'alexnet-fmnist', person: 'Ana "Q" Müller', start: '2026-11-26T11:00:00Z',
  optimizer: 'SGD', hp: { learning_rate: 0.1, momentum: 0.9, weight_decay: 0.0005, batch_size: 128, dropout: 0.3 }, planned: 10, epochs: 4,
  epochSeconds: 36, dataset: 'fashion-mnist', status: 'stopped', metrics: classify(0.1, 0.62),
  adaptations: [{ epoch: 5, action: 'stop', person: 'Ana "Q" Müller', reason: 'diverging: val accuracy far below the other runs' }] });
run({ id: 'd4c3f5a7-0004-4c1e-9a51-000000000004', experiment: 'alexnet-fmnist', person: 'alice', start: '2026-11-26T12:00:00Z',
  optimizer: 'Adam', hp: { learning_rate: 0.0005, weight_decay: 0.0001, batch_size: 32, dropout: 0.5 }, planned: 10, epochs: 3,
  epochSeconds: 55, dataset: 'fashion-mnist', metrics: classify(0.0005, 0.9) });
run({ id: 'e5b4a6b8-0005-4c1e-9a51-000000000005', experiment: 'denseed-darcy', person: 'carol', start: '2026-11-26T13:00:00Z',
  optimizer: 'Adam', hp: { learning_rate: 0.002, weight_decay: 0, batch_size: 16 }, planned: 8, epochs: 8,
  epochSeconds: 20, dataset: 'darcy-flow', status: 'completed',
  metrics: (e, r) => ({
    'train/loss': +(0.5 * Math.exp(-e / 2.5) + 0.02 + 0.01 * r()).toFixed(4),
    'train/mse': +(0.5 * Math.exp(-e / 2.5) + 0.02 + 0.01 * r()).toFixed(4),
    'val/loss': +(0.55 * Math.exp(-e / 2.5) + 0.04 + 0.01 * r()).toFixed(4),
    'val/mse': +(0.55 * Math.exp(-e / 2.5) + 0.04 + 0.01 * r()).toFixed(4),
    'val/r2': +(0.95 - 0.9 * Math.exp(-e / 2) + 0.01 * r()).toFixed(4),
  }) });

process.stdout.write(`@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dl: <https://w3id.org/torchprov/dl#> .

${out.join('\n')}`);
