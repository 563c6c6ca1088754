// Times V8 on one module: node [--liftoff --no-wasm-tier-up | --no-liftoff] --no-wasm-lazy-compilation v8bench.cjs FILE.wasm EXPORT ARGS... RUNS
// Prints one JSON line: compile_ms (best of 3 synchronous compilations of the module), best run_ms over RUNS calls, result.
// node 20's V8 compiles lazily by default (`new WebAssembly.Module` then only decodes and validates, every function is
// compiled on its first call), so the benchmark passes --no-wasm-lazy-compilation: the timed compile is then the whole
// module's, as the other engines' is. V8 keeps compiled modules in a cache keyed by their bytes, so every compilation
// gets a copy with a distinct (ignored) custom section at the end; else the second compile would be a cache hit.
'use strict';
const fs = require('fs');
const [file, exportName, ...rest] = process.argv.slice(2);
const runs = parseInt(rest.pop(), 10);
const args = rest.map(a => Number(a));
const bytes = fs.readFileSync(file);
let compiled, compileMs = Infinity;
for (let i = 0; i < 3; i++) {
  const name = Buffer.from('v8bench' + i);
  const copy = Buffer.concat([bytes, Buffer.from([0, name.length + 1, name.length]), name]);
  const t0 = process.hrtime.bigint();
  compiled = new WebAssembly.Module(copy);
  const t1 = process.hrtime.bigint();
  compileMs = Math.min(compileMs, Number(t1 - t0) / 1e6);
}
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
console.log(JSON.stringify({ compile_ms: compileMs, run_ms: best, result: String(result) }));
