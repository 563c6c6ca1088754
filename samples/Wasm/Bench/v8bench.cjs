// Times V8 on one module: node [--liftoff --no-wasm-tier-up | --no-liftoff] v8bench.cjs FILE.wasm EXPORT ARGS... RUNS
// Prints one JSON line: compile_ms (synchronous compilation of the module), best run_ms over RUNS calls, result.
'use strict';
const fs = require('fs');
const [file, exportName, ...rest] = process.argv.slice(2);
const runs = parseInt(rest.pop(), 10);
const args = rest.map(a => Number(a));
const bytes = fs.readFileSync(file);
const t0 = process.hrtime.bigint();
const compiled = new WebAssembly.Module(bytes);
const t1 = process.hrtime.bigint();
const instance = new WebAssembly.Instance(compiled, {});
const f = instance.exports[exportName];
let best = Infinity, result;
if (runs > 0) {
  for (let i = 0; i < runs; i++) {
    const s = process.hrtime.bigint();
    result = f(...args);
    const e = process.hrtime.bigint();
    best = Math.min(best, Number(e - s) / 1e6);
  }
} else best = 0;
console.log(JSON.stringify({ compile_ms: Number(t1 - t0) / 1e6, run_ms: best, result: String(result) }));
