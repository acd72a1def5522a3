// Like Coop's, this splits SCYLLA_HOSTS when imported: every migrator command dies without it.
const hosts = process.env.SCYLLA_HOSTS.split(',');

export default {
  hosts,
  async create() { throw new Error('the fixture release has no Scylla support; use --db api-server-pg'); },
  async apply() { throw new Error('the fixture release has no Scylla support; use --db api-server-pg'); },
};
