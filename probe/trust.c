/*
 * trust: the store verifications trust (see trust.h). A PEM bundle is kept
 * as DER and each certificate decoded only when a verification asks for
 * its subject; without a file, the system store's hashed directory, read
 * the same way by OpenSSL's own lookup.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "log.h"
#include "tls.h"
#include "trust.h"
#include "util.h"

struct trust_cert {
	unsigned long  hash; /* X509_NAME_hash_ex() of the subject */
	unsigned char *der;
	size_t	       len;
	int	       tried; /* decoded (or found broken) already */
};

struct trust_bundle {
	char		  *path;
	struct trust_cert *c;
	size_t		   n, cap;
};

static void
bundle_free(struct trust_bundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		OPENSSL_free(b->c[i].der);
	free(b->c);
	free(b->path);
	free(b);
}

/* Step over one DER element at *p (*n bytes left). 0, or -1 if malformed. */
static int
der_skip(const unsigned char **p, size_t *n)
{
	size_t len, hl;

	if (*n < 2 || tls_der_len(*p + 1, *n - 1, &len, &hl) == -1 ||
	    len > *n - 1 - hl)
		return -1;
	*p += 1 + hl + len;
	*n -= 1 + hl + len;
	return 0;
}

/* Enter the SEQUENCE at *p: *p and *n then cover its contents. */
static int
der_enter(const unsigned char **p, size_t *n)
{
	size_t len, hl;

	if (*n < 2 || (*p)[0] != 0x30 ||
	    tls_der_len(*p + 1, *n - 1, &len, &hl) == -1 || len > *n - 1 - hl)
		return -1;
	*p += 1 + hl;
	*n = len;
	return 0;
}

/*
 * The subject of a DER certificate, read without decoding the rest (the
 * public key is what costs). Certificate { TBSCertificate { [0] version
 * OPTIONAL, serialNumber, signature, issuer, validity, subject, ... } }.
 */
static X509_NAME *
der_subject(const unsigned char *der, size_t len)
{
	const unsigned char *p = der, *q;
	size_t		     n = len, before;

	if (der_enter(&p, &n) == -1 || der_enter(&p, &n) == -1)
		return NULL;
	if (n > 0 && p[0] == 0xa0 && der_skip(&p, &n) == -1)
		return NULL;
	for (int i = 0; i < 4; i++) /* serial, signature, issuer, validity */
		if (der_skip(&p, &n) == -1)
			return NULL;
	if (n < 2 || p[0] != 0x30)
		return NULL;
	before = n;
	q = p;
	if (der_skip(&p, &n) == -1)
		return NULL;
	return d2i_X509_NAME(NULL, &q, (long)(before - n));
}

/*
 * Read path's certificates as DER. 0, or -1 when the file is not a plain
 * list of CERTIFICATE blocks this reader understands (then OpenSSL's own
 * loader takes it, and says what is wrong).
 */
static int
bundle_read(struct trust_bundle *b, const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	int  rc = -1;

	if (bio == NULL)
		return -1;
	for (;;) {
		char	      *name = NULL, *hdr = NULL;
		unsigned char *data = NULL;
		long	       len = 0;
		X509_NAME     *nm;
		int	       ok = 0;

		if (!PEM_read_bio(bio, &name, &hdr, &data, &len)) {
			unsigned long e = ERR_peek_last_error();

			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE &&
			    b->n > 0)
				rc = 0; /* the end */
			ERR_clear_error();
			break;
		}
		if (strcmp(name, PEM_STRING_X509) == 0 && len > 0 &&
		    b->n < TRUST_CERTS_MAX &&
		    (nm = der_subject(data, (size_t)len)) != NULL) {
			if (b->n == b->cap) {
				b->cap = b->cap ? 2 * b->cap : 64;
				b->c =
				    xreallocarray(b->c, b->cap, sizeof(*b->c));
			}
			b->c[b->n].hash =
			    X509_NAME_hash_ex(nm, NULL, NULL, &ok);
			b->c[b->n].der = data;
			b->c[b->n].len = (size_t)len;
			b->c[b->n].tried = 0;
			X509_NAME_free(nm);
			if (ok) {
				b->n++;
				data = NULL;
			}
		}
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		OPENSSL_free(data);
		if (!ok) {
			ERR_clear_error();
			break;
		}
	}
	BIO_free(bio);
	return rc;
}

/* OpenSSL asks for the certificates named name: decode them into the store. */
static int
bundle_get_by_subject_cb(X509_LOOKUP *lu, X509_LOOKUP_TYPE type,
    const X509_NAME *name, X509_OBJECT *ret)
{
	struct trust_bundle *b = X509_LOOKUP_get_method_data(lu);
	X509_STORE	    *st = X509_LOOKUP_get_store(lu);
	X509_OBJECT	    *obj;
	X509		    *x;
	unsigned long	     h;
	int		     ok = 0;

	if (type != X509_LU_X509 || b == NULL || st == NULL)
		return 0;
	h = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	if (!ok)
		return 0;
	for (size_t i = 0; i < b->n; i++) {
		struct trust_cert   *c = &b->c[i];
		const unsigned char *p = c->der;

		if (c->hash != h || c->tried)
			continue;
		c->tried = 1;
		if ((x = d2i_X509(NULL, &p, (long)c->len)) == NULL) {
			log_warnx("%s: certificate %zu does not parse; not trusted",
			    b->path, i + 1);
			ERR_clear_error();
			continue;
		}
		(void)X509_STORE_add_cert(st, x); /* takes its own reference */
		X509_free(x);
	}
	if (!X509_STORE_lock(st))
		return 0;
	obj = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(st), type,
	    name);
	x = obj != NULL ? X509_OBJECT_get0_X509(obj) : NULL;
	ok = x != NULL && X509_OBJECT_set1_X509(ret, x);
	X509_STORE_unlock(st);
	/* OpenSSL takes its own reference of what ret names (as with by_dir,
	 * ret borrows the store's): give back the one set1 took */
	if (ok)
		X509_free(x);
	return ok;
}

static void
bundle_lookup_free_cb(X509_LOOKUP *lu)
{
	bundle_free(X509_LOOKUP_get_method_data(lu));
}

static X509_LOOKUP_METHOD *
bundle_method(void)
{
	static X509_LOOKUP_METHOD *m; /* for the life of the process */

	if (m == NULL && (m = X509_LOOKUP_meth_new("v6probe bundle")) != NULL) {
		X509_LOOKUP_meth_set_get_by_subject(m,
		    bundle_get_by_subject_cb);
		X509_LOOKUP_meth_set_free(m, bundle_lookup_free_cb);
	}
	return m;
}

/* Add path as a lookup decoding on demand. 0, or -1 to load it eagerly. */
static int
bundle_add(X509_STORE *st, const char *path)
{
	struct trust_bundle *b = xcalloc(1, sizeof(*b));
	X509_LOOKUP_METHOD  *m = bundle_method();
	X509_LOOKUP	    *lu;

	b->path = xstrdup(path);
	if (m == NULL || bundle_read(b, path) == -1 ||
	    (lu = X509_STORE_add_lookup(st, m)) == NULL) {
		bundle_free(b);
		ERR_clear_error();
		return -1;
	}
	X509_LOOKUP_set_method_data(lu, b);
	return 0;
}

/* An OpenSSL hash link name: 8 hex digits, '.', a number ("9d6523ce.0"). */
static int
is_hash_name(const char *n)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)n[i]))
			return 0;
	if (n[8] != '.' || !isdigit((unsigned char)n[9]))
		return 0;
	for (i = 10; n[i] != '\0'; i++)
		if (!isdigit((unsigned char)n[i]))
			return 0;
	return 1;
}

/* Does dir hold at least one hash link (c_rehash, update-ca-certificates)? */
static int
dir_is_hashed(const char *dir)
{
	DIR	      *d = opendir(dir);
	struct dirent *e;
	int	       found = 0;

	if (d == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL)
		found = is_hash_name(e->d_name);
	closedir(d);
	return found;
}

X509_STORE *
trust_load(const char *cafile, char *err, size_t errlen)
{
	X509_STORE *st = X509_STORE_new();
	const char *dir = NULL;
	int	    ok;

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cafile == NULL &&
	    getenv(X509_get_default_cert_file_env()) == NULL) {
		dir = getenv(X509_get_default_cert_dir_env());
		if (dir == NULL)
			dir = X509_get_default_cert_dir();
		if (!dir_is_hashed(dir))
			dir = NULL;
	}
	if (cafile != NULL)
		ok = bundle_add(st, cafile) == 0 ||
		    X509_STORE_load_file(st, cafile);
	else if (dir != NULL)
		ok = X509_STORE_load_path(st, dir);
	else
		ok = X509_STORE_set_default_paths(st);
	if (!ok) {
		unsigned long e = ERR_get_error();

		snprintf(err, errlen, "%s: cannot load CA certificates: %s",
		    cafile != NULL ? cafile : "default trust store",
		    e != 0 ? ERR_reason_error_string(e) : "no certificates");
		ERR_clear_error();
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}
