#!/usr/bin/env bash
# Starts the test services on loopback: PostgreSQL 15 (cluster 15/main, port 5432) and Redis (6379).
# Creates the superuser the tests log in as (credentials in tests/services.env).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
. tests/services.env
if ! pg_lsclusters -h 2>/dev/null | awk '$1=="15" && $2=="main"' | grep -q .; then
  pg_createcluster 15 main >/dev/null
fi
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" /etc/postgresql/15/main/postgresql.conf
pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $4}' | grep -q online || pg_ctlcluster 15 main start
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p "$COOP_TEST_PG_PORT" && break; sleep 1; done
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -v user="$COOP_TEST_PG_USER" -v pw="$COOP_TEST_PG_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'user', :'pw') \gexec
SQL
if ! redis-cli -h 127.0.0.1 -p "$COOP_TEST_REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$COOP_TEST_REDIS_PORT" --daemonize yes \
    --dir /var/lib/redis --logfile /var/log/redis/redis-test.log >/dev/null
  for _ in $(seq 30); do redis-cli -p "$COOP_TEST_REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
echo "services: postgresql 127.0.0.1:$COOP_TEST_PG_PORT, redis 127.0.0.1:$COOP_TEST_REDIS_PORT"
