#!/usr/bin/env node
// routeyard CLI. `make build` (run by `make test` and `make demo`) compiles src/ into dist/.
import '../dist/run/main.js';
