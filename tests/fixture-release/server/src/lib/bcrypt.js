'use strict';
// bcrypt for the fixture's login (NOT Coop's code; the fixture has no npm dependencies). Checks the
// "$2a$"/"$2b$" hashes Coop's bcryptjs writes (coop-facts 4). Blowfish's initial P-array and S-boxes
// are the hex digits of pi's fraction, computed here once with BigInt (Machin's formula).
const crypto = require('node:crypto');

const WORDS = 18 + 4 * 256;
const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
let piWords = null;

function arctanInverse(x, one) {
  const xx = x * x;
  let power = one / x;
  let sum = power;
  for (let k = 1n; power !== 0n; k += 1n) {
    power /= xx;
    sum += (k % 2n ? -1n : 1n) * (power / (2n * k + 1n));
  }
  return sum;
}

function initialState() {
  if (!piWords) {
    const guard = 64n;
    const bits = BigInt(WORDS * 32) + guard;
    const one = 1n << bits;
    const pi = 16n * arctanInverse(5n, one) - 4n * arctanInverse(239n, one);
    const hex = ((pi - 3n * one) >> guard).toString(16).padStart(WORDS * 8, '0');
    piWords = Uint32Array.from({ length: WORDS }, (_, i) => Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16));
  }
  return { P: piWords.slice(0, 18), S: piWords.slice(18) };
}

function encipher(state, lr) {
  const { P, S } = state;
  const f = (x) => ((((S[x >>> 24] + S[256 + ((x >>> 16) & 255)]) >>> 0) ^ S[512 + ((x >>> 8) & 255)])
    + S[768 + (x & 255)]) >>> 0;
  let l = (lr[0] ^ P[0]) >>> 0;
  let r = lr[1];
  for (let i = 1; i <= 16; i += 2) {
    r = (r ^ f(l) ^ P[i]) >>> 0;
    l = (l ^ f(r) ^ P[i + 1]) >>> 0;
  }
  lr[0] = (r ^ P[17]) >>> 0;
  lr[1] = l;
}

function stream(bytes) {
  let at = 0;
  return () => {
    let word = 0;
    for (let i = 0; i < 4; i += 1) {
      word = ((word << 8) | bytes[at]) >>> 0;
      at = (at + 1) % bytes.length;
    }
    return word;
  };
}

// Blowfish's key schedule; with salt, bcrypt's "expensive" variant that mixes the salt in.
function expand(state, key, salt) {
  const keyWord = stream(key);
  const saltWord = salt ? stream(salt) : () => 0;
  for (let i = 0; i < 18; i += 1) state.P[i] = (state.P[i] ^ keyWord()) >>> 0;
  const lr = [0, 0];
  for (const box of [state.P, state.S]) {
    for (let i = 0; i < box.length; i += 2) {
      lr[0] = (lr[0] ^ saltWord()) >>> 0;
      lr[1] = (lr[1] ^ saltWord()) >>> 0;
      encipher(state, lr);
      box[i] = lr[0];
      box[i + 1] = lr[1];
    }
  }
}

const encode = (buf) => buf.toString('base64').replace(/=+$/, '').replace(/./g, (c) => ALPHABET[BASE64.indexOf(c)]);
const decode = (text) => Buffer.from(text.replace(/./g, (c) => BASE64[ALPHABET.indexOf(c)]), 'base64');

function hash(password, setting) {
  const match = /^\$2[ab]\$(\d\d)\$([./A-Za-z0-9]{22})/.exec(setting);
  if (!match) throw new Error('not a bcrypt hash');
  const salt = decode(match[2]).subarray(0, 16);
  const key = Buffer.concat([Buffer.from(password, 'utf8'), Buffer.from([0])]).subarray(0, 72);
  const state = initialState();
  expand(state, key, salt);
  for (let round = 0; round < 2 ** Number(match[1]); round += 1) {
    expand(state, key);
    expand(state, salt);
  }
  const text = Buffer.from('OrpheanBeholderScryDoubt');
  const words = Array.from({ length: 6 }, (_, i) => text.readUInt32BE(i * 4));
  for (let i = 0; i < 64; i += 1) {
    for (let j = 0; j < 6; j += 2) {
      const lr = [words[j], words[j + 1]];
      encipher(state, lr);
      [words[j], words[j + 1]] = lr;
    }
  }
  const out = Buffer.alloc(24);
  words.forEach((w, i) => out.writeUInt32BE(w, i * 4));
  return setting.slice(0, 29) + encode(out.subarray(0, 23));
}

function matches(password, stored) {
  let computed;
  try {
    computed = Buffer.from(hash(password, stored));
  } catch {
    return false;
  }
  const given = Buffer.from(stored);
  return computed.length === given.length && crypto.timingSafeEqual(computed, given);
}

module.exports = { hash, matches };
