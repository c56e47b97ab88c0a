#!/usr/bin/env bash
# Runs Switchboard's whole test suite: formatting and vet checks, then `go test -race ./...`.
# On a fresh machine it first installs what the end-to-end tests use (Debian packages; it needs
# root or sudo for that and says so otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || need+=(python3-boto3)
# The AWS CLI test runs Debian's CLI v2 at /usr/bin/aws (an `aws` earlier on PATH may be v1).
/usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2' || need+=(awscli)
# The ACME test (internal/edge) gets certificates from Debian's pebble ACME test server.
[ -x /usr/bin/pebble ] || need+=(pebble)
# The dashboard test (root package) drives Debian's headless Chromium.
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test.sh: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The function-handler tests run real Node.js workers, which need Node.js 20.6 or newer (Debian 12's
# own nodejs package is 18): say so now rather than failing them one by one.
node_bin="${SWITCHBOARD_NODE:-node}"
if ! "$node_bin" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 6) ? 0 : 1)'; then
  echo "test.sh: $node_bin is Node.js $("$node_bin" --version 2>/dev/null || echo '(not found)'); the function tests need 20.6 or newer."
  echo "         Install a newer Node.js (e.g. from NodeSource) or set SWITCHBOARD_NODE to one."
  exit 1
fi

# The template tests synthesize a CDK app offline (aws-cdk-lib, constructs) and check synth's output
# against the CloudFormation resource specification (@aws-cdk/aws-service-spec). The packages are
# installed once into a cache directory that the tests find (SWITCHBOARD_TEST_NPM, default
# ~/.cache/switchboard-test/npm).
npm_dir="${SWITCHBOARD_TEST_NPM:-${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-test/npm}"
npm_pkgs=(aws-cdk-lib@2.276.0 constructs@10.8.1 @aws-cdk/aws-service-spec@0.1.216)
if [ ! -f "$npm_dir/.installed-2.276.0" ]; then
  echo "test.sh: installing ${npm_pkgs[*]} into $npm_dir"
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"private": true}' > "$npm_dir/package.json"
  if ! (cd "$npm_dir" && timeout 600 npm install --no-audit --no-fund --loglevel=error "${npm_pkgs[@]}" >/dev/null); then
    echo "test.sh: npm install of ${npm_pkgs[*]} failed; the template tests need them"; exit 1
  fi
  touch "$npm_dir/.installed-2.276.0"
fi
export SWITCHBOARD_TEST_NPM="$npm_dir"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
# pebble and chromium are installed above: their tests must run, not skip.
export SWITCHBOARD_REQUIRE_PEBBLE=1
export SWITCHBOARD_REQUIRE_CHROMIUM=1
go test -race -count=1 -timeout 20m ./... "$@"
