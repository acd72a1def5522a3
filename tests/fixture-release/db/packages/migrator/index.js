// Fixture stand-in for Coop's migrator package (NOT Coop's code), honouring the interface of
// `node build/index.js create|apply [remaining|next] --db X --env Y` (coop-facts 1, 6, 9, 11):
// --env is required (staging|prod); --db defaults to MIGRATOR_DB_NAME or every database; apply
// stops at the first failing script; an error prints the usage, then its own line, exit code 1.
import { makePgConfig } from './pg.js';

export { makePgConfig };

const USAGE = 'Usage: node build/index.js <create|apply [remaining|next]> --db <db...> --env <staging|prod>';

function parse(argv, dbNames) {
  const out = { positional: [], db: [], env: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--db' || arg === '--database') {
      while (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out.db.push(argv[++i]);
    } else if (arg === '--env' || arg === '--environment') {
      out.env = argv[++i];
    } else if (arg.startsWith('--')) {
      throw new Error(`Unknown argument: ${arg.slice(2)}`);
    } else {
      out.positional.push(arg);
    }
  }
  const [command, target = 'remaining'] = out.positional;
  if (!command) throw new Error('Must invoke a command (e.g., "clean" or "migrate")');
  if (!['create', 'apply', 'apply-scripts'].includes(command)) throw new Error(`Unknown argument: ${command}`);
  if (!['remaining', 'next'].includes(target)) throw new Error(`Invalid values: Argument: target, Given: "${target}"`);
  if (out.env === undefined) throw new Error('Missing required argument: env');
  if (!['staging', 'prod'].includes(out.env)) {
    throw new Error(`Invalid values: Argument: env, Given: "${out.env}", Choices: "staging", "prod"`);
  }
  if (out.db.length === 0) out.db = process.env.MIGRATOR_DB_NAME?.split(',').map((it) => it.trim()) ?? dbNames;
  for (const db of out.db) {
    if (!dbNames.includes(db)) throw new Error(`Invalid values: Argument: db, Given: "${db}", Choices: ${dbNames.map((n) => `"${n}"`).join(', ')}`);
  }
  return { command: command === 'apply-scripts' ? 'apply' : command, target, db: out.db, env: out.env };
}

export async function makeCli(dbs) {
  try {
    if (process.getuid() === 0) throw new Error('fixture release: refusing to run as root (the roles run release code unprivileged)');
    const args = parse(process.argv.slice(2), Object.keys(dbs));
    for (const name of args.db) {
      if (args.command === 'create') await dbs[name].create();
      else await dbs[name].apply(args.env, args.target);
    }
  } catch (error) {
    console.error(`${USAGE}\n\n${error.message}`);
    process.exit(1);
  }
}
