#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for exfilguard, from a clone:
#
#   bash scripts/setup.sh           what `npm run demo` needs: Java, Maven, redis-server
#                                   (Debian packages), node_modules and the Kafka jars
#   bash scripts/setup.sh --tests   and what `npm test` needs too: prometheus (promtool),
#                                   nginx, docker-compose, crowdsec-custom-bouncer
#
# Run it as yourself: it uses sudo for apt-get only (or run it as root, as CI does).
# Node.js 20+ is checked, not installed: take it from nodesource or nvm (said below).
# `npm ci` runs only when node_modules is absent; after a pull, run `npm ci` yourself.
set -Eeuo pipefail
trap 'echo "setup: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

tests=false
for arg in "$@"; do
  case "$arg" in
    --tests) tests=true ;;
    -h | --help) sed -n '2,11p' "$0" | cut -c3-; exit 0 ;;
    *) echo "setup: unknown option $arg (--tests or nothing)" >&2; exit 2 ;;
  esac
done

# As root (CI, a container), apt-get runs directly; otherwise through sudo.
as_root() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }
# npm steps as the user who owns the clone, even under `sudo bash scripts/setup.sh`,
# so node_modules and ~/.cache/exfilguard are not root's.
as_user() {
  if ((EUID == 0)) && [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
    sudo -u "$SUDO_USER" -H env "PATH=$PATH" "$@"
  else
    "$@"
  fi
}

echo "== Node.js"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "setup: Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "  Debian/Ubuntu: curl -fsSL https://deb.nodesource.com/setup_20.x | sudo bash - && sudo apt-get install -y nodejs" >&2
  echo "  or, for your user only: https://github.com/nvm-sh/nvm, then: nvm install 20" >&2
  exit 1
fi
node --version

echo "== system packages"
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
if $tests; then
  command -v promtool >/dev/null || missing+=(prometheus)
  # The gateway in front of exfilguard enforce (test/integration/nginx-gateway.test.ts).
  command -v nginx >/dev/null || missing+=(nginx)
  # Validates docker-compose.yml without a Docker engine (test/unit/compose.test.ts).
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  # A real CrowdSec bouncer against enforce (test/integration/crowdsec-bouncer.test.ts).
  command -v crowdsec-custom-bouncer >/dev/null || missing+=(crowdsec-custom-bouncer)
fi
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts the prometheus service on install where systemd runs (listening on
  # every interface): the tests start their own on loopback, so stop it.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    as_root systemctl disable --now prometheus || true
  fi
  # crowdsec-custom-bouncer's postinst enables and starts its service (bin_path /usr/bin/true,
  # polling localhost:8080) where systemd runs and no policy-rc.d forbids it: the test
  # runs its own, so stop it.
  if command -v systemctl >/dev/null && systemctl is-enabled --quiet crowdsec-custom-bouncer 2>/dev/null; then
    as_root systemctl disable --now crowdsec-custom-bouncer || true
  fi
  # Likewise nginx, on port 80 of every interface; where policy-rc.d forbade the start
  # nothing runs. The tests start their own in the foreground, on loopback ports.
  if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
    as_root systemctl disable --now nginx || true
  elif [[ -s /run/nginx.pid ]]; then
    as_root nginx -s quit || true
  fi
  # redis-server's own service (port 6379) is left as Debian started it: the demo and
  # the tests run theirs on free ports and never touch it.
fi
java -version 2>&1 | sed -n 1p
# Maven prints colour codes even in batch mode (some on stderr): kept out of CI logs.
mvn -B --version 2>/dev/null | sed -n $'1s/\e\\[[0-9;]*m//gp'
redis-server --version
if $tests; then
  promtool --version | sed -n 1p
  nginx -v
  docker-compose version --short
  dpkg-query -W crowdsec-custom-bouncer
fi

echo "== node_modules"
if [[ -e node_modules ]]; then
  echo "present (run npm ci yourself after a pull)"
else
  as_user npm ci --no-audit --no-fund
fi

echo "== Kafka jars (Maven Central, cached in ~/.m2 and ~/.cache/exfilguard)"
as_user npm run --silent kafka:jars

echo "setup: done. Next: npm run demo$($tests && echo ', npm test')"
