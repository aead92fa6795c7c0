#!/usr/bin/env bash
# Builds libpq, PostgreSQL's C client library, as static archives for the PostgreSQL variant of
# the fully static image (Dockerfile.multistage, --build-arg TRAITS=PostgreSQL). Runs as root in
# the Debian 12 builder stage.
#
# Usage: build-libpq.sh PREFIX
#
# Why from source: Debian's libpq.a is built with GSSAPI and LDAP, whose libraries Debian ships
# only as shared objects, so it cannot go into a static binary. Built here without them (and
# without ICU, readline and zlib, which libpq does not need), with TLS from OpenSSL: Debian's
# libssl-dev, whose libssl.a/libcrypto.a are linked in statically (Debian's security updates
# apply to them, and the SBOM names the package and version).
#
# The source: the Debian source package postgresql-15 from the archive the image's apt already
# uses (a deb-src twin of the first entry of /etc/apt/sources.list.d/debian.sources). apt-get
# checks every file it downloads against the checksums of the signed Sources index, so the
# tarball is authenticated the same way the image's binary packages are. Only the upstream
# tarball (.orig) is built; Debian's patches concern the server and packaging paths.
#
# Writes PREFIX/lib/{libpq,libpgcommon_shlib,libpgport_shlib}.a, PREFIX/include (the client's
# headers), PREFIX/lib/pkgconfig/libpq.pc (with the archives and OpenSSL, in link order, so that
# SwiftPM's `pkgConfig: "libpq"` links it statically) and PREFIX/lib/SOURCE (what was built, for
# scripts/generate-sbom.sh). Builds in a fixed directory, so two builds give the same archives.
set -euo pipefail

prefix=${1:?usage: build-libpq.sh PREFIX}
source_package=postgresql-15
work=/tmp/libpq-build

awk '/^$/ { exit } { sub(/^Types: deb$/, "Types: deb-src"); print }' \
  /etc/apt/sources.list.d/debian.sources >/etc/apt/sources.list.d/debian-src.sources
apt-get update -q
apt-get install -y -q --no-install-recommends libssl-dev bzip2 make ca-certificates
rm -rf "$work" && mkdir -p "$work/source"
# apt downloads as its own user where it can write (otherwise it warns and downloads as root).
chown _apt "$work"
cd "$work"
apt-get source -q --download-only "$source_package"
dsc=$(ls "$work"/"$source_package"_*.dsc)
tarball=$(ls "$work"/"$source_package"_*.orig.tar.bz2)
debian_version=$(sed -n 's/^Version: //p' "$dsc")
tar -xjf "$tarball" -C source --strip-components=1
upstream_version=$(sed -n "s/^PACKAGE_VERSION='\(.*\)'$/\1/p" source/configure)

cd source
./configure --quiet --without-gssapi --without-ldap --without-icu --without-readline --without-zlib \
  --with-ssl=openssl CFLAGS="-O2 -ffile-prefix-map=$work=/libpq"
jobs=$(nproc)
make -s -j"$jobs" -C src/interfaces/libpq all-static-lib
make -s -j"$jobs" -C src/common all
make -s -j"$jobs" -C src/port all

install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0644 src/interfaces/libpq/libpq.a src/common/libpgcommon_shlib.a src/port/libpgport_shlib.a "$prefix/lib/"
install -m 0644 src/interfaces/libpq/libpq-fe.h src/include/postgres_ext.h src/include/pg_config_ext.h "$prefix/include/"
cat >"$prefix/lib/pkgconfig/libpq.pc" <<EOF
prefix=$prefix
Name: libpq
Description: PostgreSQL's C client, static, without GSSAPI and LDAP (scripts/build-libpq.sh)
Version: $upstream_version
Cflags: -I\${prefix}/include
Libs: -L\${prefix}/lib -lpq -lpgcommon_shlib -lpgport_shlib -lssl -lcrypto
EOF
cat >"$prefix/lib/SOURCE" <<EOF
name=postgresql
version=$upstream_version
debian-source=$source_package $debian_version
sha256=$(sha256sum "$tarball" | cut -d' ' -f1)
description=libpq built statically from the Debian source package $source_package $debian_version (upstream tarball, without GSSAPI and LDAP)
cpe=cpe:2.3:a:postgresql:postgresql:$upstream_version:*:*:*:*:*:*:*
EOF
cd /
rm -rf "$work" /var/lib/apt/lists/*
echo "libpq $upstream_version ($source_package $debian_version) installed in $prefix"
