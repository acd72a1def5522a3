// Fixture migrator entry point (NOT Coop's): one config per --db name, like Coop's db/src/index.ts.
import { makeCli } from 'coop-fixture-migrator';

import apiServerPg from './configs/api-server-pg.js';
import clickhouse from './configs/clickhouse.js';
import scylla from './configs/scylla.js';

await makeCli({ 'api-server-pg': apiServerPg, clickhouse, scylla });
