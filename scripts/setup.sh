#!/usr/bin/env bash
# Installs everything outbound needs on Debian 12 (build tools, libraries, the local test
# peers), creates the demo's keys, then configures and builds the project (Release, Ninja).
# Safe to run again: it installs only what is missing and rebuilds only what changed.
#
#   scripts/setup.sh               build with warnings as errors, as the tests and CI do
#   scripts/setup.sh --no-werror   build with warnings left as warnings (another compiler)
#
# The demo and the tests share one build folder with the same flags, so running one after the
# other rebuilds nothing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="${OUTBOUND_BUILD_DIR:-$root/build}"
peers_dir="$root/.peers"
keys_dir="$root/.local/keys"

werror=ON
for argument in "$@"; do
  case "$argument" in
    --no-werror) werror=OFF ;;
    *) echo "setup.sh: unknown argument '$argument'; the only option is --no-werror" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# Debian packages: the toolchain, the libraries of the build, the benchmark's comparison
# libraries, and the test peers (aiosmtpd, PyJWT, redis, OpenSSL's command line).
packages=(
  g++ cmake ninja-build pkg-config git
  libboost-dev libboost-filesystem-dev libpoco-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libjwt-dev libcpp-jwt-dev
  python3 python3-aiosmtpd python3-jwt redis-server openssl curl locales
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

# npm peers, pinned, into a folder of the project's (ignored by git). stripe-stateful-mock is
# the demo's and the tests' Stripe API, run on 127.0.0.1 by scripts/lib/stripe_mock.js.
# smtp-server is the second SMTP implementation of the mail interop tests, run on 127.0.0.1 by
# scripts/lib/smtp_node_server.js.
npm_packages=(jose@6.2.19 wiremock@3.13.2 stripe-stateful-mock@0.0.16 smtp-server@3.21.6)
npm_missing=()
for spec in "${npm_packages[@]}"; do
  name=${spec%@*}
  version=${spec##*@}
  manifest="$peers_dir/node_modules/$name/package.json"
  if [ ! -f "$manifest" ] || ! grep -q "\"version\": \"$version\"" "$manifest"; then
    npm_missing+=("$spec")
  fi
done
if [ ${#npm_missing[@]} -gt 0 ]; then
  echo "setup: installing npm packages ${npm_missing[*]} into $peers_dir"
  mkdir -p "$peers_dir"
  [ -f "$peers_dir/package.json" ] || echo '{"private": true}' > "$peers_dir/package.json"
  npm install --prefix "$peers_dir" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "${npm_missing[@]}"
fi

# The demo's keys, referenced from config/default.json through ${file:...}: a signing key, and
# a Stripe test API key and webhook secret for the local Stripe mock. Each is created only when
# missing, readable by its owner only.
mkdir -p "$keys_dir"
chmod 700 "$keys_dir"
if [ ! -s "$keys_dir/demo-es256.key.pem" ]; then
  echo "setup: creating the demo signing key in $keys_dir"
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$keys_dir/demo-es256.key.pem")
fi

# Prints COUNT random letters and digits, from OpenSSL's random generator.
random_alphanumerics() {
  local count=$1 text=""
  while [ ${#text} -lt "$count" ]; do
    text+=$(openssl rand -base64 48 | tr -dc 'A-Za-z0-9')
  done
  printf '%s' "${text:0:count}"
}

# The mock accepts any key that starts with sk_test_, the prefix of Stripe's test keys.
if [ ! -s "$keys_dir/stripe-api-key" ]; then
  echo "setup: creating the demo's Stripe test API key in $keys_dir"
  (umask 077 && echo "sk_test_$(random_alphanumerics 24)" > "$keys_dir/stripe-api-key")
fi
if [ ! -s "$keys_dir/stripe-webhook-secret" ]; then
  echo "setup: creating the demo's Stripe webhook secret in $keys_dir"
  (umask 077 && echo "whsec_$(random_alphanumerics 32)" > "$keys_dir/stripe-webhook-secret")
fi

# The demo mail server's password, which scripts/demo.sh gives the local SMTP server and
# config/default.json gives the smtp plugin.
if [ ! -s "$keys_dir/smtp-password" ]; then
  echo "setup: creating the demo's SMTP password in $keys_dir"
  (umask 077 && random_alphanumerics 24 > "$keys_dir/smtp-password")
fi

# The demo mail server's TLS material in .local/tls: a CA that config/default.json trusts as
# ca_file, and a server certificate for localhost and 127.0.0.1 that it signed. Private keys are
# readable by their owner only. The CA is made once, and the server certificate is made again
# when it is missing or expires within a day.
tls_dir="$root/.local/tls"
mkdir -p "$tls_dir"
if [ ! -s "$tls_dir/ca.pem" ] || [ ! -s "$tls_dir/ca.key" ] || [ ! -s "$tls_dir/server.pem" ] ||
   [ ! -s "$tls_dir/server.key" ] ||
   ! openssl x509 -checkend 86400 -noout -in "$tls_dir/server.pem" >/dev/null 2>&1; then
  echo "setup: creating the demo mail server's test CA and certificate in $tls_dir"
  tls_config=$(mktemp "${TMPDIR:-/tmp}/outbound-tls.XXXXXX")
  # Extensions of each certificate, so that the result does not depend on the system's
  # openssl.cnf.
  cat > "$tls_config" <<'OPENSSL_CONFIG'
[req]
distinguished_name = subject
prompt = no

[subject]

[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
OPENSSL_CONFIG
  if [ ! -s "$tls_dir/ca.pem" ] || [ ! -s "$tls_dir/ca.key" ]; then
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -config "$tls_config" -extensions ca -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.pem" \
      -days 3650 -subj "/CN=outbound demo CA" 2>/dev/null)
    chmod 644 "$tls_dir/ca.pem"
  fi
  (umask 077 &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -config "$tls_config" \
      -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" -subj "/CN=localhost" \
      2>/dev/null &&
    openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" \
      -CAcreateserial -CAserial "$tls_dir/ca.srl" -days 825 -extfile "$tls_config" \
      -extensions server -out "$tls_dir/server.pem" 2>/dev/null)
  chmod 644 "$tls_dir/server.pem"
  rm -f "$tls_dir/server.csr" "$tls_config"
fi

# A locale with a decimal comma for the tests, built into the project's folder so that the
# system's locale configuration is left alone; CTest passes it to the tests as LOCPATH.
locale_dir="$root/.local/locale"
if [ ! -d "$locale_dir/de_DE.UTF-8" ]; then
  mkdir -p "$locale_dir"
  # localedef exits non-zero on mere warnings; what matters is that the locale was written.
  localedef -i de_DE -f UTF-8 "$locale_dir/de_DE.UTF-8" || [ -d "$locale_dir/de_DE.UTF-8" ]
fi

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DOUTBOUND_WERROR="$werror" \
  >/dev/null
cmake --build "$build_dir"
echo "setup: built $build_dir/outbound"
