// "Builds" the fixture server like Coop's `npm run build`: sources → transpiled/ (coop-facts 1).
import { cpSync, rmSync } from 'node:fs';

if (process.getuid() === 0) throw new Error('fixture release: refusing to run as root (the roles run release code unprivileged)');

rmSync('transpiled', { recursive: true, force: true });
cpSync('src', 'transpiled', { recursive: true });
console.log('fixture server built into transpiled/');
