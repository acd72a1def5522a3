'use strict';
// One Redis round trip (AUTH when REDIS_PASSWORD is set, then PING) with the server's REDIS_*
// settings, over TLS when REDIS_TLS is true (the fixture has no npm dependencies).
const net = require('node:net');
const tls = require('node:tls');

function command(...args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

function ping() {
  const host = process.env.REDIS_HOST;
  const port = Number.parseInt(process.env.REDIS_PORT, 10) || 6379;
  const password = process.env.REDIS_PASSWORD || '';
  const useTls = /^(true|1)$/i.test(process.env.REDIS_TLS || '');
  return new Promise((resolve, reject) => {
    const socket = useTls ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    const expected = password ? 2 : 1;
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`Redis ${host}:${port}: timeout`)));
    socket.on('error', (err) => reject(new Error(`Redis ${host}:${port}: ${err.message}`)));
    socket.on(useTls ? 'secureConnect' : 'connect', () => {
      const auth = password ? command('AUTH', ...(process.env.REDIS_USER ? [process.env.REDIS_USER] : []), password) : '';
      socket.write(auth + command('PING'));
    });
    socket.on('data', (chunk) => {
      data += chunk;
      const lines = data.split('\r\n').filter(Boolean);
      if (lines.some((line) => line.startsWith('-'))) {
        socket.destroy();
        reject(new Error(`Redis ${host}:${port}: ${lines.find((line) => line.startsWith('-')).slice(1)}`));
      } else if (lines.length >= expected) {
        socket.end();
        resolve(lines[expected - 1]);
      }
    });
  });
}

module.exports = { ping };
