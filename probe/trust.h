/*
 * trust: the certificate store TLS verifications trust. A PEM bundle (the
 * probe's cacert, the system's ca-certificates.crt) is read as DER and each
 * certificate decoded only when a verification asks for its subject:
 * OpenSSL 3.0 spends over a million instructions and several KB on each
 * certificate it decodes, and a probe needs a handful of the 145 roots.
 * Without a file, the system store: its hashed directory when there is one
 * (read the same way by OpenSSL), else OpenSSL's default file and paths.
 */
#ifndef V6W_TRUST_H
#define V6W_TRUST_H

#include <stddef.h>

#include <openssl/x509.h>

#define TRUST_CERTS_MAX 65536 /* certificates read lazily from one file */

/*
 * Load cafile (NULL: the system store; SSL_CERT_FILE and SSL_CERT_DIR are
 * honoured). A file this reader does not take (other PEM blocks than
 * CERTIFICATE, a certificate whose subject cannot be read) is loaded by
 * OpenSSL whole. On error NULL, with a message naming the file in err.
 */
X509_STORE *trust_load(const char *cafile, char *err, size_t errlen);

#endif
