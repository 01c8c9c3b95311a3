#!/bin/sh
# mkca.sh DIR: the certificates of the fake Kubernetes API server
# (tests/k8s/fakeapi.py), made with openssl into DIR:
#
#   ca.crt ca.key		the test CA
#   server.crt server.key	the server, signed by the CA, for 127.0.0.1,
#				::1 and localhost (Go clients such as
#				kubectl ignore the CN and need the SAN)
#   client.crt client.key	a client, CN=gwscale-test O=gw, signed by
#				the CA: the API server's user "gwscale-test"
#				in group "gw" (x509 client authentication)
#   other-ca.crt other-ca.key	a second CA that signed nothing here, for the
#				"wrong CA" tests
#
# EC P-256 keys (fast), valid ten years.  Quiet; exits non-zero, with
# openssl's diagnostics on stderr, when anything fails.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: mkca.sh DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"
umask 077

err=.mkca.err
trap 'rm -f .mkca.*' EXIT
trap 'exit 1' HUP INT TERM

# run CMD...: runs an openssl command, its chatter kept for a failure.
run()
{
	if ! "$@" >"$err" 2>&1; then
		cat "$err" >&2
		echo "mkca.sh: failed: $*" >&2
		exit 1
	fi
}

key()
{
	run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1"
}

# ca NAME CN: a self-signed CA certificate NAME.crt with its key NAME.key.
ca()
{
	cat >.mkca.cnf <<-EOF
	[req]
	distinguished_name = dn
	prompt = no
	[dn]
	CN = $2
	[ext]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign, digitalSignature
	subjectKeyIdentifier = hash
	EOF
	key "$1.key"
	run openssl req -x509 -new -config .mkca.cnf -extensions ext \
	    -key "$1.key" -sha256 -days 3650 -out "$1.crt"
}

# leaf NAME SUBJECT EXTENSIONS: NAME.crt and NAME.key, signed by the CA.
leaf()
{
	printf '%s\n' "$3" >.mkca.ext
	key "$1.key"
	run openssl req -new -key "$1.key" -subj "$2" -out .mkca.csr
	run openssl x509 -req -in .mkca.csr -CA ca.crt -CAkey ca.key \
	    -set_serial "0x$(openssl rand -hex 16)" -sha256 -days 3650 \
	    -extfile .mkca.ext -out "$1.crt"
}

ca ca "gw test CA"
ca other-ca "gw other test CA"
leaf server /CN=fakeapi "basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
authorityKeyIdentifier = keyid"
leaf client /O=gw/CN=gwscale-test "basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid"
chmod 644 ./*.crt
