import { fileURLToPath } from 'node:url';

import { makePgConfig } from 'coop-fixture-migrator';

// src/scripts when run from source, build/scripts once built (the build copies them there).
export default makePgConfig({ scriptsDirectory: fileURLToPath(new URL('../scripts/api-server-pg', import.meta.url)) });
