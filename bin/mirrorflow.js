#!/usr/bin/env node
// The `mirrorflow` command. The CLI is TypeScript; tsx compiles it on the fly so that `npm install` is all
// a newcomer needs (the functions themselves are bundled with esbuild, see `mirrorflow build`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../infra/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
