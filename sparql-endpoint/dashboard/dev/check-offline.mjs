#!/usr/bin/env node
// Fails when the built dashboard would load anything from another host at run time:
// CDN hosts anywhere in dist/, and any http(s) URL in <script src>, <link href>, CSS url()
// or @import.  (Namespace IRIs and documentation links inside the JS are fine.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const CDN = /(cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com|ajax\.googleapis\.com|code\.jquery\.com|stackpath\.bootstrapcdn\.com|use\.fontawesome\.com|maxcdn\.)/;
const REMOTE_REF = [
  /<script[^>]+src=["']?(?:https?:)?\/\//i,
  /<link[^>]+href=["']?(?:https?:)?\/\//i,
  /url\(\s*["']?(?:https?:)?\/\//i,
  /@import\s+(?:url\()?["']?(?:https?:)?\/\//i,
];
const problems = [];
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
if (!fs.existsSync(dist)) { console.error('dist/ does not exist: run the build first'); process.exit(1); }
const files = walk(dist);
for (const f of files) {
  if (!/\.(html|js|css|json|svg)$/.test(f)) continue;
  const text = fs.readFileSync(f, 'utf8');
  const cdn = CDN.exec(text);
  if (cdn) problems.push(`${path.relative(dist, f)}: CDN host ${cdn[1]}`);
  if (/\.(html|css)$/.test(f)) for (const re of REMOTE_REF) { const m = re.exec(text); if (m) problems.push(`${path.relative(dist, f)}: remote reference ${m[0]}`); }
}
if (!files.some((f) => f.endsWith('index.html'))) problems.push('dist/index.html is missing');
if (problems.length) {
  console.error(`check-offline: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-offline: ${files.length} files in dist/, no CDN or remote asset references`);
