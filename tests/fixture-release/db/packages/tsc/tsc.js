// "Compiles" src/**/*.js into build/ like tsc would (a devDependency, pruned after the build).
import { cpSync, rmSync } from 'node:fs';

if (process.getuid() === 0) throw new Error('fixture release: refusing to run as root (the roles build unprivileged)');

rmSync('build', { recursive: true, force: true });
cpSync('src', 'build', { recursive: true, filter: (from) => !from.includes('/scripts') });
console.log('fixture-tsc: src -> build');
