#!/usr/bin/env bash
# Builds the fully static release binary on the host and shows what it is made of: the stripped
# size, and the bytes of code and data each module contributes (symbol sizes from `nm`, grouped by
# Swift module prefix). This is how the README's dependency costs were measured.
#
#   lab/measure-binary.sh            # build (in .build-static/) and report
#   SKIP_BUILD=1 lab/measure-binary.sh
#   TRAITS=PostgreSQL lab/measure-binary.sh   # the PostgreSQL build (in .build-static-PostgreSQL/);
#     it needs a libpq that links statically (Debian's does not): build one with
#     scripts/build-libpq.sh PREFIX (as the image does) and set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig
set -euo pipefail
cd "$(dirname "$0")/.."

traits=${TRAITS:-}
scratch=.build-static${traits:+-$traits}
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "building the static release binary (a few minutes on 2 cores)..." >&2
  swift build -c release --product demo-server --static-swift-stdlib -Xswiftc -static-executable \
    -Xlinker "--section-ordering-file=$PWD/lab/link-order.txt" \
    ${traits:+--traits "$traits"} --scratch-path "$scratch" >&2
fi
binary="$scratch/release/demo-server"
[[ -x "$binary" ]] || { echo "no binary at $binary" >&2; exit 1; }

stripped=$(mktemp)
strip -o "$stripped" "$binary"

echo "binary: $(file -b "$binary" | cut -d, -f1-2,4)"
echo "stripped size: $(stat -c %s "$stripped") bytes"
report=$(mktemp)
trap 'rm -f "$stripped" "$report"' EXIT
cat > "$report" <<'PY'
import collections, re, sys
groups = [
    ("swift-log", r"^\$s7Logging"),
    ("FoundationEssentials", r"^\$s(20FoundationEssentials|10Foundation|12_FoundationC|18_FoundationUnicode)"),
    ("HTTP1 (ours)", r"^\$s5HTTP1"),
    ("HTTPServer (ours)", r"^\$s10HTTPServer"),
    ("DemoApp (ours)", r"^\$s7DemoApp"),
    ("demo-server (ours)", r"^\$s11demo_server"),
    ("SQLite", r"^sqlite3"),
    # Only in the PostgreSQL build (TRAITS=PostgreSQL); the default build has none of these, and
    # the OpenSSL pattern would claim glibc's own rand, des and conf functions there.
] + ([] if sys.argv[1:2] != ["PostgreSQL"] else [
    ("libpq (with libpgcommon, libpgport)", r"^(PQ|pq|pg_|lo_|pgtls_|pgthreadlock|conninfo_|libpq_)"),
    ("OpenSSL (libssl, libcrypto)", r"^_*(SSL|ssl|tls1?_|TLS|EVP|evp|OPENSSL|ossl|OSSL|X509|x509|BIO|bio|CRYPTO|ERR|ASN1|asn1|BN_|bn_|RSA|rsa|EC_|ec_|ecp_|ECDSA|ECDH|DH_|dh_|DSA|dsa|SHA|sha|MD5|md5|AES|aes|CMS|PKCS|pkcs|OBJ_|PEM|pem|HMAC|RAND|rand|DES|des|ChaCha|chacha|Poly1305|CONF|conf|UI_|OCSP|CT_|SCT|gcm|bsaes|vpaes|x25519|x448|ed25519|ed448|COMP|ENGINE|engine|DSO|KDF|kdf|OSSL_)"),
]) + [
    ("Swift runtime and stdlib", r"^\$s|^swift_|^_swift"),
]
sizes = collections.Counter()
for line in sys.stdin:
    fields = line.split()
    if len(fields) < 4:
        continue
    size, name = int(fields[1], 16), fields[3]
    group = next((label for label, pattern in groups if re.search(pattern, name)), "C libraries (glibc, libstdc++, ...)")
    sizes[group] += size
print(f"{'module':36} {'KB':>9}")
for group, size in sizes.most_common():
    print(f"{group:36} {size / 1024:9.1f}")
print(f"{'total of sized symbols':36} {sum(sizes.values()) / 1024:9.1f}")
PY
nm --size-sort -S "$binary" | python3 "$report" "${TRAITS:-}"
# No build carries SwiftNIO (the PostgreSQL client is libpq, and behind a package trait).
echo "symbols naming NIO or BoringSSL: $(nm "$binary" | grep -c -E 'NIO|BoringSSL' || true)"
