#!/usr/bin/env node
// routeyard CLI. `make build` (run by `make test` and `make demo`) compiles src/ into dist/.
// In a checkout, `npx routeyard` runs on the Node 24 that the `node` devDependency pins.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`routeyard needs Node 24 or later; this is Node ${process.versions.node}. Run it with \`npx routeyard\` in the checkout, or use Node 24.\n`);
  process.exit(1);
}
await import('../dist/run/main.js');
