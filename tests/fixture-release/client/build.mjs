// "Builds" the fixture client like Coop's Vite build: VITE_* values from the environment are baked
// into the static files at build time; nothing reads them at run time (coop-facts 1, 2c).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

if (process.getuid() === 0) throw new Error('fixture release: refusing to run as root (the roles run release code unprivileged)');

const release = JSON.parse(readFileSync('../package.json', 'utf8')).coopFixtureRelease;
const vite = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('VITE_')).sort());
rmSync('build', { recursive: true, force: true });
mkdirSync('build/assets', { recursive: true });
writeFileSync('build/assets/config.js', `window.COOP_FIXTURE_CONFIG = ${JSON.stringify(vite)};\n`);
writeFileSync('build/index.html', '<!doctype html>\n<html><head><title>Coop (fixture release)</title>'
  + '<script src="/assets/config.js"></script></head><body><div id="root">fixture client, release '
  + `${release}</div></body></html>\n`);
console.log(`fixture client built with ${Object.keys(vite).length} VITE_* values`);
