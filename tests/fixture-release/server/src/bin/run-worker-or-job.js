'use strict';
// Fixture worker/job runner (NOT Coop's): `node bin/run-worker-or-job.js <Name>` (coop-facts 1, 10, 11).
// No name crashes; ItemProcessingWorker needs Scylla like the API, runs until SIGTERM and then exits 1
// like Coop's; RefreshMRTDecisionsMaterializedViewJob fails without its bookkeeping row, as Coop's
// does after --env prod migrations; the other jobs exit 0. The worker first reaches PostgreSQL and
// Redis (exit 1 naming the one it cannot reach), as Coop's does.
const { requireEnv, requireScylla } = require('../lib/release.js');
const { query } = require('../lib/pg.js');
const { ping } = require('../lib/redis.js');

const WORKERS = ['ItemProcessingWorker'];
const JOBS = ['RunUserRulesJob', 'RefreshMRTDecisionsMaterializedViewJob', 'DetectRulePassRateAnomaliesJob',
  'RefreshUserScoresCacheJob', 'RetryFailedNcmecDecisionsJob'];
const name = process.argv[2];

if (!WORKERS.includes(name) && !JOBS.includes(name)) {
  throw new Error(`Cannot find worker or job named ${name}`);
}
requireEnv(['DATABASE_HOST', 'REDIS_HOST', 'UI_URL']);
if (name === 'RefreshMRTDecisionsMaterializedViewJob') {
  const rows = query("SELECT last_insert FROM public.view_maintenance_metadata "
    + "WHERE table_name = 'manual_review_tool.dim_mrt_decisions_materialized'");
  if (rows.length === 0) throw new Error('No last_insert timestamp found for the table');
  console.log(`fixture job ${name} ran (last_insert ${rows[0]})`);
} else if (JOBS.includes(name)) {
  console.log(`fixture job ${name} ran`);
} else {
  requireScylla();
  const timer = setInterval(() => {}, 60000);
  process.on('SIGTERM', () => { clearInterval(timer); process.exit(1); });
  ping().then(() => {
    query('SELECT 1');
    console.log(`fixture worker ${name} started`);
  }).catch((err) => {
    console.error(`fixture worker ${name}: ${err.message}`);
    process.exit(1);
  });
}
