// Oxigraph's WebAssembly seeds its hash maps from the Web Crypto API, which
// Node.js 18 (Debian 12's) offers only as node:crypto's webcrypto, not as the
// global `crypto` of Node.js 19 and later: without it, a query that groups
// or aggregates panics with "Web Crypto API is unavailable".  Imported before
// oxigraph, so the global is there when its module loads.
import { webcrypto } from "node:crypto";

if (!globalThis.crypto) globalThis.crypto = webcrypto;
