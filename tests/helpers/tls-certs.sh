#!/bin/sh
# tls-certs.sh DIR: the certificates of the TLS tests, made with the
# openssl command ($SC_OPENSSL, default openssl) into DIR (created if
# needed).  All keys are P-256; nothing here touches the network.
#
#   ca.crt ca.key            a CA (CN "sockcat test CA")
#   cadir/                   ca.crt in a hashed directory (openssl rehash)
#   good.crt good.key        signed by ca: DNS localhost, IP 127.0.0.1, ::1
#   wrong.crt wrong.key      signed by ca: DNS wrong.example only
#   expired.crt expired.key  signed by ca, names as good, expired in 2001
#   inter.crt inter.key      an intermediate CA signed by ca
#   leaf.crt leaf.key        signed by inter, names as good;
#   chain.crt                leaf.crt then inter.crt (a server's chain)
#   client.crt client.key    signed by ca, for clientAuth (CN sockcat-client)
#   other-ca.crt other-ca.key  a second CA nobody trusts
#   other-client.crt other-client.key  a client cert signed by other-ca
#   encrypted.key            good.key under the passphrase "secret"
#   NAME.pin                 "sha256:HEX" of NAME.crt's public key (SPKI),
#                            for good, wrong, expired, leaf, client
set -eu

dir=${1:?usage: tls-certs.sh DIR}
ossl=${SC_OPENSSL:-openssl}
mkdir -p "$dir"
cd "$dir"

cat >ext.cnf <<'EOF'
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
[wrong]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[inter]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
EOF

# ca NAME CN: a self-signed CA.
ca() {
	"$ossl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -out "$1.crt" -days 3650 -subj "/CN=$2" \
	    -addext 'basicConstraints=critical,CA:TRUE' \
	    -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
}

# csr NAME CN: a key and a signing request.
csr() {
	"$ossl" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
}

# sign NAME ISSUER SECTION: NAME.csr signed by ISSUER for a year.
sign() {
	"$ossl" x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" \
	    -set_serial "0x$("$ossl" rand -hex 8)" -days 365 \
	    -extfile ext.cnf -extensions "$3" -out "$1.crt" 2>/dev/null
	rm -f "$1.csr"
}

# pin NAME: the SHA-256 of NAME.crt's SubjectPublicKeyInfo.
pin() {
	h=$("$ossl" x509 -in "$1.crt" -pubkey -noout |
	    "$ossl" pkey -pubin -outform der | "$ossl" dgst -sha256 -r)
	echo "sha256:${h%% *}" >"$1.pin"
}

ca ca "sockcat test CA"
ca other-ca "sockcat other CA"
csr good localhost && sign good ca server
csr wrong wrong.example && sign wrong ca wrong
csr client sockcat-client && sign client ca client
csr other-client sockcat-other-client && sign other-client other-ca client
csr inter "sockcat test intermediate" && sign inter ca inter
csr leaf localhost && sign leaf inter server
cat leaf.crt inter.crt >chain.crt

# An expired certificate needs dates in the past: 'openssl ca' sets them.
mkdir -p ca.db
: >ca.db/index.txt
cat >ca.db/ca.cnf <<EOF
[ca]
default_ca = sc
[sc]
database = ca.db/index.txt
new_certs_dir = ca.db
serial = ca.db/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF
"$ossl" rand -hex 8 >ca.db/serial
csr expired localhost
"$ossl" ca -batch -config ca.db/ca.cnf -cert ca.crt -keyfile ca.key \
    -in expired.csr -out expired.crt -notext \
    -startdate 20000101000000Z -enddate 20010101000000Z \
    -extfile ext.cnf -extensions server 2>/dev/null
rm -rf expired.csr ca.db

mkdir -p cadir
cp ca.crt cadir/
"$ossl" rehash cadir 2>/dev/null

for n in good wrong expired leaf client; do
	pin "$n"
done

# A key under a passphrase: sockcat must refuse it, never prompt.
"$ossl" pkey -in good.key -aes256 -passout pass:secret -out encrypted.key
