'use strict';
// What differs between the Coop releases this fixture plays (coop-facts 11): root package.json's
// "coopFixtureRelease" (variant.sh sets it). 1.0.x builds its Scylla client at start-up and has no
// ITEM_INVESTIGATION_AND_STRIKES_ENABLED; main skips Scylla when that flag is false/0/no.
const path = require('node:path');

const RELEASE = require(path.join(__dirname, '..', '..', '..', 'package.json')).coopFixtureRelease;
const SCYLLA = ['SCYLLA_HOSTS', 'SCYLLA_USERNAME', 'SCYLLA_PASSWORD', 'SCYLLA_LOCAL_DATACENTER'];

function requireEnv(names) {
  for (const name of names) {
    if (process.env[name] === undefined) throw new Error(`Missing env var ${name}`);
  }
}

// Throws like Coop's IoC container when the Scylla client cannot be built.
function requireScylla() {
  const flag = process.env.ITEM_INVESTIGATION_AND_STRIKES_ENABLED;
  if (!/^1\.0\./.test(RELEASE) && flag !== undefined && /^(false|0|no)$/i.test(flag.trim())) {
    console.log('scylla.disabled ITEM_INVESTIGATION_AND_STRIKES_ENABLED=false; using no-op Scylla');
    return;
  }
  requireEnv(SCYLLA);
}

module.exports = { RELEASE, requireEnv, requireScylla };
