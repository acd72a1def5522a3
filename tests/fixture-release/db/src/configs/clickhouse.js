export default {
  async create() { throw new Error('the fixture release has no ClickHouse support; use --db api-server-pg'); },
  async apply() { throw new Error('the fixture release has no ClickHouse support; use --db api-server-pg'); },
};
