// "Builds" the fixture server like Coop's `npm run build`: sources → transpiled/ (coop-facts 1).
import { cpSync, rmSync } from 'node:fs';

rmSync('transpiled', { recursive: true, force: true });
cpSync('src', 'transpiled', { recursive: true });
console.log('fixture server built into transpiled/');
