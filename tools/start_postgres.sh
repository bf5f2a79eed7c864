#!/usr/bin/env bash
# Start a local PostgreSQL server for the shared-study search tests and print its SQLAlchemy URL.
#
# Idempotent: installs Debian's `postgresql` if it is missing (root only), creates a cluster of its own
# (default name `mnist_ae`, port 54329, listening on 127.0.0.1 only) unless it exists, starts it unless it runs,
# and creates (or updates) a login role with a password and a database owned by it. Safe to run again, and when a
# previous session left the cluster running. The last line of its output is the URL, e.g.
#   postgresql+psycopg2://mnist_ae:ae_search_secret@127.0.0.1:54329/mnist_ae
# Settings (environment): MNIST_AE_PG_CLUSTER, MNIST_AE_PG_PORT, MNIST_AE_PG_USER, MNIST_AE_PG_PASSWORD, MNIST_AE_PG_DB.
# Exit status 3: PostgreSQL cannot be set up here at all (not root and no server running): callers may skip.
set -euo pipefail
CLUSTER=${MNIST_AE_PG_CLUSTER:-mnist_ae}
PORT=${MNIST_AE_PG_PORT:-54329}
PGUSER_=${MNIST_AE_PG_USER:-mnist_ae}
PGPASS_=${MNIST_AE_PG_PASSWORD:-ae_search_secret}
PGDB_=${MNIST_AE_PG_DB:-mnist_ae}
url() { echo "postgresql+psycopg2://$PGUSER_:$PGPASS_@127.0.0.1:$1/$PGDB_"; }
log() { echo "start_postgres: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  # Without root we can neither install nor manage a cluster: use a server that is already up, or give up.
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p "$PORT"; then url "$PORT"; exit 0; fi
  log "not root and no PostgreSQL server on 127.0.0.1:$PORT: cannot set one up"; exit 3
fi

if ! command -v pg_createcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2 || { log "apt-get install postgresql failed"; exit 3; }
fi
VER=$(ls /usr/lib/postgresql | sort -V | tail -1)
install -d -o postgres -g postgres -m 2775 /var/run/postgresql    # the socket folder (tmpfiles may not have made it)

# The cluster: create it once (its own port, 127.0.0.1 only, no SSL: it serves local tests), then reuse it.
if ! pg_lsclusters -h | awk -v v="$VER" -v c="$CLUSTER" '$1==v && $2==c {f=1} END {exit !f}'; then
  log "creating cluster $VER/$CLUSTER on port $PORT"
  pg_createcluster "$VER" "$CLUSTER" -p "$PORT" >&2 -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi
# Listen on 127.0.0.1 only, no SSL (it serves local tests): rewritten each time, cheap, and repairs an older setup.
printf "%s\n" "# written by mnist_autoencoders' tools/start_postgres.sh" "listen_addresses = '127.0.0.1'" "ssl = off" \
  > "/etc/postgresql/$VER/$CLUSTER/conf.d/mnist_ae.conf"
PORT=$(pg_lsclusters -h | awk -v v="$VER" -v c="$CLUSTER" '$1==v && $2==c {print $3}')
STATUS=$(pg_lsclusters -h | awk -v v="$VER" -v c="$CLUSTER" '$1==v && $2==c {print $4}')
if [ "$STATUS" != online ]; then
  log "starting cluster $VER/$CLUSTER"
  pg_ctlcluster "$VER" "$CLUSTER" start >&2 || { log "pg_ctlcluster start failed; see /var/log/postgresql/postgresql-$VER-$CLUSTER.log"; exit 1; }
fi
for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.2; done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "the server on 127.0.0.1:$PORT does not answer"; exit 1; }

# The role (with CREATEDB, so tests can make a fresh database of their own) and its database.
psql_() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }
psql_ -v u="$PGUSER_" -v p="$PGPASS_" <<'SQL' >&2
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'u', :'p') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'u', :'p') \gexec
SQL
if [ -z "$(psql_ -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGDB_'")" ]; then
  runuser -u postgres -- createdb -p "$PORT" -O "$PGUSER_" "$PGDB_"
fi
url "$PORT"
