'use strict';
// Fixture worker/job runner (NOT Coop's): `node bin/run-worker-or-job.js <Name>` (coop-facts 1, 10).
// No name crashes; ItemProcessingWorker runs until SIGTERM and then exits 1 like Coop's; jobs exit 0.
const WORKERS = ['ItemProcessingWorker'];
const JOBS = ['RunUserRulesJob', 'RefreshMRTDecisionsMaterializedViewJob', 'DetectRulePassRateAnomaliesJob',
  'RefreshUserScoresCacheJob', 'RetryFailedNcmecDecisionsJob'];
const name = process.argv[2];

if (!WORKERS.includes(name) && !JOBS.includes(name)) {
  throw new Error(`Cannot find worker or job named ${name}`);
}
for (const needed of ['DATABASE_HOST', 'REDIS_HOST', 'UI_URL']) {
  if (!process.env[needed]) throw new Error(`Missing env var ${needed}`);
}
if (JOBS.includes(name)) {
  console.log(`fixture job ${name} ran`);
} else {
  console.log(`fixture worker ${name} started`);
  const timer = setInterval(() => {}, 60000);
  process.on('SIGTERM', () => { clearInterval(timer); process.exit(1); });
}
