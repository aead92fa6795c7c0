#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
// PostgreSQL's own client library. Host builds use the system's (Debian: libpq-dev, which brings
// libssl-dev); the static image builds link one built from source without GSSAPI and LDAP
// (Dockerfile.multistage), found through the libpq.pc that build writes.
#include <libpq-fe.h>
// OpenSSL's version call: libpq does its TLS with OpenSSL, and the binary reports which release
// it linked (BuildInfo).
#include <openssl/crypto.h>
#endif
