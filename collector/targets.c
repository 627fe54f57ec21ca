/*
 * targets: the central target list (see targets.h). The CSV form is read
 * with libcsv, the libconfig form with cfg.c; every row of either goes
 * through one validator (row_add). Then duplicates are found, ids kept
 * from the list loaded before or derived from titles, and each probe's
 * JSON body is built from the list on demand.
 *
 * Line numbers of the CSV form: libcsv says where a field or row ends, not
 * where it is in the input. With CSV_REPALL_NL it reports every line feed
 * outside a field (blank lines and the LF of a CRLF too), and a quoted
 * field hands over its line feeds: counting both, the line where the next
 * field starts is known at every callback, however large the chunks fed.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <csv.h>
#include <curl/curl.h>
#include <idn2.h>
#include <openssl/evp.h>

#include "log.h"
#include "table.h"
#include "targets.h"
#include "util.h"

/* The columns (CSV) and settings (libconfig) of a target. */
enum tcol {
	TCOL_ID,
	TCOL_TITLE,
	TCOL_URL,
	TCOL_GROUP,
	TCOL_INTERVAL,
	TCOL_LARGE_PATH,
	TCOL_EXPECT,
	TCOL_PROBES,
	TCOL__N
};

static const char *const tcol_names[TCOL__N] = {"id", "title", "url", "group",
    "interval", "large_path", "expect_status", "probes"};

#define TCOL_HINT \
	"url, title and group; optional: id, interval, large_path, expect_status, probes"

/* Bytes fed to libcsv at a time; between feeds, a field in progress is
 * held to TARGETS_FIELD_MAX. */
#define TARGETS_CHUNK (64 * 1024)
/* What separates the items of expect_status and probes: spaces, ';',
 * ',', and line breaks (one name a line in a spreadsheet's cell). */
#define TARGETS_LIST_SEP " \t\r\n;,"
/* Columns a header may name (8 are known; the rest are errors). */
#define TARGETS_HEADER_MAX 64
/* Lines naming unknown probes, one each; the rest are counted. */
#define TARGETS_PROBE_WARN_MAX 10

/* One value of a row: its text and where it was written. */
struct tval {
	const char *s; /* NUL-terminated, len bytes */
	size_t	    len;
	int	    line;
	int	    col; /* 0: the libconfig form */
	int	    set;
};

/* Where a target's id and url were written, for messages. */
struct tpos {
	const char *file;
	int	    id_line, id_col, url_line, url_col;
};

/* A field of the CSV row being read, in the row's buffer. */
struct tfield {
	size_t off, len;
	int    line;
};

/* One load. */
struct tload {
	struct cfg		 *c;
	const char		 *file;
	struct target_list	 *tl;
	const struct target_list *prev; /* ids to keep; NULL: none */
	size_t			  cap;
	struct tpos		 *pos; /* per target */
	char **keys; /* per target: its URL as libcurl writes it */
	size_t rows; /* rows read (not blank) */
	int    stop; /* an error past which nothing is read */

	/* CSV */
	int	      line;	/* where the next field starts */
	int	      row_line; /* where the current row started */
	int	      header_done;
	int	      header_bad;
	unsigned      seen; /* 1 << enum tcol: named in the header */
	int	      ncols;
	int	      kind[TCOL__N]; /* column i holds enum tcol kind[i] */
	int	      nf;	     /* fields of the current row so far */
	int	      row_text;	     /* one of them is not empty */
	struct tfield f[TARGETS_HEADER_MAX]; /* header: all; rows: 1 extra */
	char	     *rbuf;		     /* the current row's fields */
	size_t	      rlen, rcap;
};

/* UTF-8 */

/*
 * The code point at s (n bytes left) into *cp: its length, or 0 when the
 * bytes there are not UTF-8 (overlong forms, surrogates and values past
 * U+10FFFF included).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t	 k;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (k == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return k;
}

static int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t	     cp;
	size_t		     k;

	while (len > 0) {
		if (*p < 0x80) { /* the common case */
			p++;
			len--;
			continue;
		}
		if ((k = utf8_next(p, len, &cp)) == 0)
			return 0;
		p += k;
		len -= k;
	}
	return 1;
}

/* A C0 or C1 control character or DEL (s is valid UTF-8). */
static int
utf8_has_ctrl(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
			p[i + 1] <= 0x9f))
			return 1;
	return 0;
}

/*
 * A value for a message: at most 60 bytes (cut at a character), control
 * characters as '?', "..." when cut. Not valid UTF-8: "(not UTF-8)".
 */
static const char *
shown(const char *s, size_t len, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		     i = 0, o = 0, k;
	uint32_t	     cp;

	if (!utf8_valid(s, len)) {
		snprintf(buf, size, "(not UTF-8)");
		return buf;
	}
	while (i < len && o + 8 < size && i < 60) {
		k = utf8_next(p + i, len - i, &cp);
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			buf[o++] = '?';
			i += k;
			continue;
		}
		memcpy(buf + o, s + i, k);
		o += k;
		i += k;
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* ids derived from titles */

/*
 * Latin letters U+00C0..U+024F and U+1E00..U+1EFF, one character each:
 * the base letter (lower case) of a letter with diacritics, '-' for what
 * is not such a letter (x, the division sign, letters like schwa), and
 * for letters written with two: A ae, O oe, S ss, T th, I ij, D dz, L lj,
 * N nj. Made from the names and decompositions of UnicodeData (Unicode
 * 14): a decomposition to a base letter, or a name "LATIN ... LETTER X
 * WITH ...".
 */
static const char translit_latin[] = "aaaaaaAceeeeiiii" /* U+00C0 */
				     "dnooooo-ouuuuyTS" /* U+00D0 */
				     "aaaaaaAceeeeiiii" /* U+00E0 */
				     "dnooooo-ouuuuyTy" /* U+00F0 */
				     "aaaaaaccccccccdd" /* U+0100 */
				     "ddeeeeeeeeeegggg" /* U+0110 */
				     "gggghhhhiiiiiiii" /* U+0120 */
				     "iiIIjjkkklllllll" /* U+0130 */
				     "lllnnnnnn-nnoooo" /* U+0140 */
				     "ooOOrrrrrrssssss" /* U+0150 */
				     "ssttttttuuuuuuuu" /* U+0160 */
				     "uuuuwwyyyzzzzzzs" /* U+0170 */
				     "bbbb---cc-ddd---" /* U+0180 */
				     "-ffg---ikkl--nno" /* U+0190 */
				     "oo--pp-----ttttu" /* U+01A0 */
				     "u-vyyzz---------" /* U+01B0 */
				     "----DDDLLLNNNaai" /* U+01C0 */
				     "ioouuuuuuuuuu-aa" /* U+01D0 */
				     "aaAAggggkkoooo--" /* U+01E0 */
				     "jDDDgg--nnaaAAoo" /* U+01F0 */
				     "aaaaeeeeiiiioooo" /* U+0200 */
				     "rrrruuuusstt--hh" /* U+0210 */
				     "nd--zzaaeeoooooo" /* U+0220 */
				     "ooyylntj--acclts" /* U+0230 */
				     "z--b--eejj-qrryy" /* U+0240 */;
static const char translit_ext[] = "aabbbbbbccdddddd" /* U+1E00 */
				   "ddddeeeeeeeeeeff" /* U+1E10 */
				   "gghhhhhhhhhhiiii" /* U+1E20 */
				   "kkkkkkllllllllmm" /* U+1E30 */
				   "mmmmnnnnnnnnoooo" /* U+1E40 */
				   "oooopppprrrrrrrr" /* U+1E50 */
				   "sssssssssstttttt" /* U+1E60 */
				   "ttuuuuuuuuuuvvvv" /* U+1E70 */
				   "wwwwwwwwwwxxxxyy" /* U+1E80 */
				   "zzzzzzhtwyasssS-" /* U+1E90 */
				   "aaaaaaaaaaaaaaaa" /* U+1EA0 */
				   "aaaaaaaaeeeeeeee" /* U+1EB0 */
				   "eeeeeeeeiiiioooo" /* U+1EC0 */
				   "oooooooooooooooo" /* U+1ED0 */
				   "oooouuuuuuuuuuuu" /* U+1EE0 */
				   "uuyyyyyyyy----yy" /* U+1EF0 */;

_Static_assert(sizeof(translit_latin) == 0x250 - 0xc0 + 1,
    "one character per code point U+00C0..U+024F");
_Static_assert(sizeof(translit_ext) == 0x1f00 - 0x1e00 + 1,
    "one character per code point U+1E00..U+1EFF");

/*
 * What code point cp becomes in an id, into rep: its length (letters and
 * digits, in lower case), 0 for a combining mark (dropped: decomposed
 * input), -1 for a separator.
 */
static int
translit(uint32_t cp, char rep[3])
{
	static const char *const two[] = {"ae", "oe", "ss", "th", "ij", "dz",
	    "lj", "nj"};
	static const char	 codes[] = "AOSTIDLN";
	char			 ch;

	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if (!((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')))
			return -1;
		ch = (char)cp;
	} else if (cp >= 0x300 && cp <= 0x36f)
		return 0;
	else if (cp >= 0xc0 && cp <= 0x24f)
		ch = translit_latin[cp - 0xc0];
	else if (cp >= 0x1e00 && cp <= 0x1eff)
		ch = translit_ext[cp - 0x1e00];
	else
		return -1;
	if (ch == '-')
		return -1;
	if (ch >= 'A' && ch <= 'Z') {
		memcpy(rep, two[strchr(codes, ch) - codes], 3);
		return 2;
	}
	rep[0] = ch;
	rep[1] = '\0';
	return 1;
}

/*
 * targets_derive_id() with at most max bytes (max <= size - 1): words
 * joined by '-', cut after the last whole word that fits.
 */
static void
derive_id(const char *title, char *out, size_t size, size_t max)
{
	const unsigned char *p = (const unsigned char *)title;
	size_t		     len = strlen(title), n = 0, k;
	char		     b[2 * TARGET_ID_MAX + 8];
	int		     sep = 0;
	uint32_t	     cp;

	if (size == 0)
		return;
	if (max > size - 1)
		max = size - 1;
	if (max > TARGET_ID_MAX)
		max = TARGET_ID_MAX;
	/* Enough to tell where the cut goes: up to max + 1 bytes. */
	while (len > 0 && n <= max) {
		char rep[3];
		int  r;

		if ((k = utf8_next(p, len, &cp)) == 0) {
			k = 1; /* not UTF-8: a separator */
			r = -1;
		} else
			r = translit(cp, rep);
		p += k;
		len -= k;
		if (r == -1) {
			sep = n > 0;
			continue;
		}
		if (r == 0)
			continue;
		if (sep) {
			b[n++] = '-';
			sep = 0;
		}
		for (int i = 0; i < r && n <= max; i++)
			b[n++] = rep[i];
	}
	if (n > max) {
		/* b[max] is where the cut falls: at a '-' before it, unless
		 * the first word alone is longer */
		size_t cut = max;

		if (b[max] != '-') {
			while (cut > 0 && b[cut - 1] != '-')
				cut--;
			if (cut == 0)
				cut = max;
		}
		n = cut;
		while (n > 0 && b[n - 1] == '-')
			n--;
	}
	if (n == 0) {
		snprintf(out, size, "%.*s", (int)max, "target");
		return;
	}
	memcpy(out, b, n);
	out[n] = '\0';
}

void
targets_derive_id(const char *title, char *out, size_t size)
{
	derive_id(title, out, size, TARGET_ID_MAX);
}

/* URLs */

/*
 * An ASCII host name as DNS carries it (probe/url.c's host_ldh): labels
 * of letters, digits, '-' and '_', none empty nor starting or ending with
 * '-'; one trailing dot allowed.
 */
static const char *
url_host_ldh(const char *host)
{
	const char *label = host;

	for (const char *p = host;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t n = (size_t)(p - label);

			if (n == 0 && !(*p == '\0' && p > host))
				return "the host name has an empty label";
			if (n > 63)
				return "a label of the host name is longer than 63 characters";
			if (n > 0 && (label[0] == '-' || p[-1] == '-'))
				return "a label of the host name starts or ends with '-'";
			if (*p == '\0')
				return NULL;
			label = p + 1;
		} else if (!((*p >= 'a' && *p <= 'z') ||
			       (*p >= 'A' && *p <= 'Z') ||
			       (*p >= '0' && *p <= '9') || *p == '-' ||
			       *p == '_'))
			return "the host name holds a character DNS does not carry (letters, digits, '-', '.')";
	}
}

/* An internationalised host name: Unicode, or a label "xn--..." (an
 * A-label, which must decode). */
static int
host_idn(const char *host)
{
	for (const char *p = host; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return 1;
	for (const char *p = host; p != NULL; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (strncasecmp(p, "xn--", 4) == 0)
			return 1;
	}
	return 0;
}

/*
 * The rules the probe applies to a target's URL: cfg_check_http_url()
 * when it loads it, url_target() and url_parse() (probe/url.c) when it
 * checks it -- libcurl's URL parser, http or https, no user name or
 * password, no zone id, a host name as DNS carries it and within its
 * limits (an internationalised one valid under IDNA2008), a port
 * 1..65535. 0 with the URL as libcurl writes it (host
 * in lower case, no default port) into *key (caller frees), or -1 with
 * why.
 */
static int
url_check(const char *url, char **key, char *why, size_t whylen)
{
	CURLU	   *h = NULL;
	char	   *scheme = NULL, *host = NULL, *port = NULL, *zone = NULL;
	char	   *user = NULL, *s = NULL;
	uint8_t	   *alabel = NULL;
	const char *e;
	CURLUcode   rc;
	long long   v;
	int	    ret = -1, rcidn;

	*key = NULL;
	if ((e = cfg_check_http_url(url)) != NULL) {
		snprintf(why, whylen, "%s", e);
		return -1;
	}
	if (str_has_ctrl(url)) {
		snprintf(why, whylen, "holds a control character");
		return -1;
	}
	if ((h = curl_url()) == NULL)
		fatal("curl_url");
	rc = curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK) {
		snprintf(why, whylen, "malformed URL: %s",
		    curl_url_strerror(rc));
		goto done;
	}
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    scheme == NULL ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(why, whylen, "must start with http:// or https://");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK &&
	    user != NULL) {
		snprintf(why, whylen,
		    "must not carry a user name or password (it would show in every result)");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK &&
	    zone != NULL) {
		snprintf(why, whylen,
		    "IPv6 zone ids are not allowed: a zone id names a local interface, not a service");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host == NULL || host[0] == '\0') {
		snprintf(why, whylen, "has no host name");
		goto done;
	}
	if (host[0] != '[') {
		const char *ascii = host;

		if (host_idn(host)) {
			rcidn = idn2_lookup_u8((const uint8_t *)host, &alabel,
			    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
			if (rcidn != IDN2_OK) {
				snprintf(why, whylen,
				    "the host name is not a valid internationalised name (IDNA2008): %s",
				    idn2_strerror(rcidn));
				goto done;
			}
			ascii = (const char *)alabel;
		}
		if (strlen(ascii) > 253) {
			snprintf(why, whylen,
			    "the host name is longer than 253 characters");
			goto done;
		}
		if ((e = url_host_ldh(ascii)) != NULL) {
			snprintf(why, whylen, "%s", e);
			goto done;
		}
		if (ascii == host) {
			for (char *p = host; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p += 'a' - 'A';
			if (curl_url_set(h, CURLUPART_HOST, host, 0) !=
			    CURLUE_OK) {
				snprintf(why, whylen, "bad host name");
				goto done;
			}
		}
	}
	if (curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
		CURLUE_OK &&
	    port != NULL && parse_int(port, 1, 65535, &v) == -1) {
		snprintf(why, whylen, "port %.16s is not 1..65535", port);
		goto done;
	}
	if (curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) !=
		CURLUE_OK ||
	    s == NULL) {
		snprintf(why, whylen, "malformed URL");
		goto done;
	}
	*key = xstrdup(s);
	ret = 0;
done:
	idn2_free(alabel);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(zone);
	curl_free(user);
	curl_free(s);
	curl_url_cleanup(h);
	return ret;
}

/* rows */

/* An error at v's place, or at file:line (v NULL). */
static void __attribute__((format(printf, 5, 6))) tl_err(struct tload *ld,
    const char *file, int line, int col, const char *fmt, ...)
{
	char	msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_error_col(ld->c, file, line, col, "%s", msg);
}

/* The next item of a list "a b;c, d" at *p (advanced): its length, 0 at
 * the end. */
static size_t
list_next(const char **p, const char **item)
{
	const char *s = *p + strspn(*p, TARGETS_LIST_SEP);
	size_t	    n = strcspn(s, TARGETS_LIST_SEP);

	*item = s;
	*p = s + n;
	return n;
}

/* expect_status: HTTP codes 100..599; 0 or -1 (recorded). */
static int
row_expect(struct tload *ld, const char *file, const char *what,
    const struct tval *v, struct ctarget *t)
{
	const char *p = v->s, *item;
	char	    num[16], sh[128];
	long long   code;
	size_t	    n;

	while ((n = list_next(&p, &item)) > 0) {
		if (t->nexpect_status == TARGET_EXPECT_MAX) {
			tl_err(ld, file, v->line, v->col,
			    "%sexpect_status: more than %d status codes", what,
			    TARGET_EXPECT_MAX);
			return -1;
		}
		if (n >= sizeof(num) ||
		    (memcpy(num, item, n), num[n] = '\0',
			parse_int(num, 100, 599, &code) == -1)) {
			tl_err(ld, file, v->line, v->col,
			    "%sexpect_status: '%s' is not an HTTP status code 100..599 (write codes separated by spaces, ';' or ',')",
			    what, shown(item, n, sh, sizeof(sh)));
			return -1;
		}
		t->expect_status[t->nexpect_status++] = (int)code;
	}
	return 0;
}

/* probes: names as collector.conf's; 0 or -1 (recorded). */
static int
row_probes(struct tload *ld, const char *file, const char *what,
    const struct tval *v, struct ctarget *t)
{
	const char *p = v->s, *item, *why;
	char	    name[TARGET_ID_MAX + 2], sh[128];
	size_t	    n, cap = 0;

	while ((n = list_next(&p, &item)) > 0) {
		size_t i;

		if (n >= sizeof(name))
			why = "longer than 64 characters";
		else {
			memcpy(name, item, n);
			name[n] = '\0';
			why = cfg_check_name(name);
		}
		if (why != NULL) {
			tl_err(ld, file, v->line, v->col,
			    "%sprobes: '%s' is not a probe's name: %s", what,
			    shown(item, n, sh, sizeof(sh)), why);
			return -1;
		}
		for (i = 0; i < t->nprobes; i++)
			if (strcmp(t->probes[i], name) == 0)
				break;
		if (i < t->nprobes)
			continue;
		if (t->nprobes == TARGET_PROBES_MAX) {
			tl_err(ld, file, v->line, v->col,
			    "%sprobes: more than %d names", what,
			    TARGET_PROBES_MAX);
			return -1;
		}
		if (t->nprobes == cap) {
			cap = cap != 0 ? 2 * cap : 4;
			t->probes =
			    xreallocarray(t->probes, cap, sizeof(*t->probes));
		}
		t->probes[t->nprobes++] = xstrdup(name);
	}
	return 0;
}

static void
ctarget_clear(struct ctarget *t)
{
	free(t->id);
	free(t->title);
	free(t->url);
	free(t->group);
	free(t->large_path);
	for (size_t i = 0; i < t->nprobes; i++)
		free(t->probes[i]);
	free(t->probes);
	memset(t, 0, sizeof(*t));
}

/*
 * Check value x of column k into t (and the URL's key into *key). 0, or
 * -1 when it is wrong (recorded; what prefixes the column's name).
 */
static int
row_value(struct tload *ld, const char *file, const char *what, enum tcol k,
    const struct tval *x, struct ctarget *t, char **key)
{
	const char *name = tcol_names[k], *e;
	char	    why[512], sh[128];
	long long   n;

#define ROW_ERR(...)                                                           \
	do {                                                                   \
		char m_[600];                                                  \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                         \
		tl_err(ld, file, x->line, x->col, "%s%s: %s", what, name, m_); \
		return -1;                                                     \
	} while (0)

	if (memchr(x->s, '\0', x->len) != NULL)
		ROW_ERR("holds a NUL byte (is the file text?)");
	if (!utf8_valid(x->s, x->len))
		ROW_ERR(
		    "not valid UTF-8 (save the file as UTF-8: \"CSV UTF-8\" in spreadsheets)");
	switch (k) {
	case TCOL_TITLE:
		if (x->len == 0)
			ROW_ERR(
			    "empty; every target needs one (the name people read)");
		if (x->len > TARGET_TITLE_MAX)
			ROW_ERR("%zu bytes, longer than %d", x->len,
			    TARGET_TITLE_MAX);
		if (utf8_has_ctrl(x->s, x->len))
			ROW_ERR(
			    "holds a control character (a line break or a tab?); a title is one line");
		t->title = xstrdup(x->s);
		break;
	case TCOL_GROUP:
		if (x->len > TARGET_GROUP_MAX)
			ROW_ERR("%zu bytes, longer than %d", x->len,
			    TARGET_GROUP_MAX);
		if (utf8_has_ctrl(x->s, x->len))
			ROW_ERR(
			    "holds a control character (a line break or a tab?); a group is one line");
		t->group = xstrdup(x->s);
		break;
	case TCOL_URL:
		if (x->len == 0)
			ROW_ERR("empty; every target needs one");
		if (x->len > TARGET_URL_MAX)
			ROW_ERR("longer than %d bytes", TARGET_URL_MAX);
		if (url_check(x->s, key, why, sizeof(why)) == -1)
			ROW_ERR("'%s' %s", shown(x->s, x->len, sh, sizeof(sh)),
			    why);
		t->url = xstrdup(x->s);
		break;
	case TCOL_ID:
		if (x->len == 0)
			break;
		e = x->len > TARGET_ID_MAX ? "longer than 64 characters" :
					     cfg_check_name(x->s);
		if (e != NULL)
			ROW_ERR("'%s' %s", shown(x->s, x->len, sh, sizeof(sh)),
			    e);
		t->id = xstrdup(x->s);
		t->id_given = 1;
		break;
	case TCOL_INTERVAL:
		if (x->len == 0)
			break;
		if (parse_int(x->s, TARGET_INTERVAL_MIN, TARGET_INTERVAL_MAX,
			&n) == -1)
			ROW_ERR("'%s' is not a number of seconds %d..%d",
			    shown(x->s, x->len, sh, sizeof(sh)),
			    TARGET_INTERVAL_MIN, TARGET_INTERVAL_MAX);
		t->interval_s = (int)n;
		break;
	case TCOL_LARGE_PATH:
		if (x->len == 0)
			break;
		if (x->s[0] != '/')
			ROW_ERR("'%s' must start with '/' (a path on the target's server)",
			    shown(x->s, x->len, sh, sizeof(sh)));
		if (x->len > TARGET_LARGE_PATH_MAX)
			ROW_ERR("longer than %d bytes", TARGET_LARGE_PATH_MAX);
		if (utf8_has_ctrl(x->s, x->len) ||
		    memchr(x->s, ' ', x->len) != NULL)
			ROW_ERR(
			    "holds spaces or control characters (write a space as %%20)");
		t->large_path = xstrdup(x->s);
		break;
	case TCOL_EXPECT:
		return row_expect(ld, file, what, x, t);
	case TCOL_PROBES:
		return row_probes(ld, file, what, x, t);
	case TCOL__N:
		break;
	}
	return 0;
#undef ROW_ERR
}

/*
 * Check one row (v: its values by enum tcol, unset when the row has no
 * such column) and, when it is good, append it as a target. Problems are
 * recorded in the order of the columns; what prefixes the column's name
 * in messages ("", "targets[3].").
 */
static void
row_add(struct tload *ld, const char *file, int line, const char *what,
    struct tval *v)
{
	struct ctarget t;
	char	      *key = NULL;
	int	       order[TCOL__N] = {0}, n = 0, bad = 0;

	for (int k = 0; k < TCOL__N; k++) {
		int i = n++;

		/* by column; the libconfig form (col 0) by enum tcol */
		while (i > 0 && v[order[i - 1]].col > v[k].col) {
			order[i] = order[i - 1];
			i--;
		}
		order[i] = k;
	}
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < TCOL__N; i++)
		if (v[order[i]].set &&
		    row_value(ld, file, what, (enum tcol)order[i], &v[order[i]],
			&t, &key) == -1)
			bad = 1;
	if (bad || t.title == NULL || t.url == NULL) {
		ctarget_clear(&t);
		free(key);
		return;
	}
	if (t.group == NULL)
		t.group = xstrdup("");
	t.line = line;
	if (ld->tl->n == ld->cap) {
		ld->cap = ld->cap != 0 ? 2 * ld->cap : 64;
		ld->tl->v =
		    xreallocarray(ld->tl->v, ld->cap, sizeof(*ld->tl->v));
		ld->pos = xreallocarray(ld->pos, ld->cap, sizeof(*ld->pos));
		ld->keys = xreallocarray(ld->keys, ld->cap, sizeof(*ld->keys));
	}
	ld->pos[ld->tl->n] = (struct tpos){file, v[TCOL_ID].line,
	    v[TCOL_ID].col, v[TCOL_URL].line, v[TCOL_URL].col};
	ld->keys[ld->tl->n] = key;
	ld->tl->v[ld->tl->n++] = t;
}

/* the CSV form */

/* The name of column col (1-based) of the current row, for messages. */
static const char *
csv_colname(const struct tload *ld, int col, char *buf, size_t size)
{
	if (!ld->header_done)
		return "header";
	if (col >= 1 && col <= ld->ncols)
		return tcol_names[ld->kind[col - 1]];
	snprintf(buf, size, "field %d", col);
	return buf;
}

/* Field col (1-based) of the header row: which column it is. */
static void
csv_header_field(struct tload *ld, const char *s, size_t len, int line, int col)
{
	char	    sh[128];
	const char *name = s;
	int	    k;

	/* libcsv trims unquoted fields; a quoted name is trimmed here */
	while (len > 0 && (*name == ' ' || *name == '\t')) {
		name++;
		len--;
	}
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	for (k = 0; k < TCOL__N; k++)
		if (strlen(tcol_names[k]) == len &&
		    strncasecmp(tcol_names[k], name, len) == 0)
			break;
	if (len == 0) {
		tl_err(ld, ld->file, line, col,
		    "header: column %d has no name (the columns: " TCOL_HINT
		    ")",
		    col);
		ld->header_bad = 1;
	} else if (k == TCOL__N) {
		tl_err(ld, ld->file, line, col,
		    "header: unknown column '%s' (the columns: " TCOL_HINT
		    ")%s",
		    shown(name, len, sh, sizeof(sh)),
		    memchr(name, ';', len) != NULL ?
			"; separate the columns with ',', not ';'" :
			"");
		ld->header_bad = 1;
	} else if (ld->seen & (1u << k)) {
		for (int i = 0; i < col - 1 && i < TCOL__N; i++)
			if (ld->kind[i] == k)
				tl_err(ld, ld->file, line, col,
				    "header: column '%s' is also column %d",
				    tcol_names[k], i + 1);
		ld->header_bad = 1;
	} else {
		ld->seen |= 1u << k;
		if (col <= TCOL__N)
			ld->kind[col - 1] = k;
	}
}

/* The end of the header row (the first that is not blank). */
static void
csv_header_end(struct tload *ld)
{
	static const int required[] = {TCOL_URL, TCOL_TITLE, TCOL_GROUP};

	if (!ld->row_text)
		return; /* a blank row ",,," before it */
	for (int i = 0; i < ld->nf && i < TARGETS_HEADER_MAX; i++)
		csv_header_field(ld, ld->rbuf + ld->f[i].off, ld->f[i].len,
		    ld->f[i].line, i + 1);
	if (ld->nf > TARGETS_HEADER_MAX) {
		tl_err(ld, ld->file, ld->f[TARGETS_HEADER_MAX - 1].line,
		    TARGETS_HEADER_MAX + 1,
		    "header: more than %d columns (the columns: " TCOL_HINT ")",
		    TARGETS_HEADER_MAX);
		ld->header_bad = 1;
	}
	for (size_t i = 0; i < NELEM(required); i++) {
		int k = required[i];

		if (!(ld->seen & (1u << k))) {
			tl_err(ld, ld->file, ld->row_line, 1,
			    "header: no '%s' column (the columns: " TCOL_HINT
			    ")",
			    tcol_names[k]);
			ld->header_bad = 1;
		}
	}
	if (ld->header_bad) {
		ld->stop = 1; /* its rows cannot be read */
		return;
	}
	ld->ncols = ld->nf;
	ld->header_done = 1;
	for (int i = 0; i < ld->ncols; i++)
		if (ld->kind[i] == TCOL_PROBES)
			ld->tl->col_probes = i + 1;
}

/* The end of a row of targets. */
static void
csv_row_end(struct tload *ld)
{
	struct tval v[TCOL__N];
	int	    i;

	if (!ld->row_text)
		return; /* every field empty: a blank row ",,," */
	if (++ld->rows > TARGETS_MAX) {
		tl_err(ld, ld->file, ld->row_line, 1,
		    "more than %d targets; a list holds at most %d",
		    TARGETS_MAX, TARGETS_MAX);
		ld->stop = 1;
		return;
	}
	if (ld->nf != ld->ncols) {
		int col = ld->nf > ld->ncols ? ld->ncols + 1 : ld->nf;

		tl_err(ld, ld->file,
		    ld->nf > ld->ncols ? ld->f[ld->ncols].line :
					 ld->f[ld->nf - 1].line,
		    col,
		    "the row has %d fields, the header %d (a field holding ',' must be quoted: \"a, b\")",
		    ld->nf, ld->ncols);
		return;
	}
	memset(v, 0, sizeof(v));
	for (i = 0; i < ld->ncols; i++) {
		struct tval *x = &v[ld->kind[i]];

		x->s = ld->rbuf + ld->f[i].off;
		x->len = ld->f[i].len;
		x->line = ld->f[i].line;
		x->col = i + 1;
		x->set = 1;
	}
	row_add(ld, ld->file, ld->row_line, "", v);
}

/* libcsv: a field ends. */
static void
csv_field_cb(void *data, size_t len, void *arg)
{
	struct tload *ld = arg;
	const char   *s = data, *p = s, *end = s + len, *nl;
	int	      line = ld->line;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		ld->line++;
		p = nl + 1;
	}
	if (ld->stop)
		return;
	if (ld->nf == 0)
		ld->row_line = line;
	if (len > 0)
		ld->row_text = 1;
	if (ld->header_done ? ld->nf <= ld->ncols :
			      ld->nf < TARGETS_HEADER_MAX) {
		struct tfield *f = &ld->f[ld->nf];

		/* fields are at most TARGETS_FIELD_MAX + TARGETS_CHUNK
		 * bytes, and a row keeps TARGETS_HEADER_MAX of them */
		if (ld->rcap - ld->rlen < len + 1) {
			while (ld->rcap - ld->rlen < len + 1)
				ld->rcap = ld->rcap != 0 ? 2 * ld->rcap : 4096;
			ld->rbuf = realloc(ld->rbuf, ld->rcap);
			if (ld->rbuf == NULL)
				fatal("realloc");
		}
		memcpy(ld->rbuf + ld->rlen, s, len);
		ld->rbuf[ld->rlen + len] = '\0';
		f->off = ld->rlen;
		f->len = len;
		f->line = line;
		ld->rlen += len + 1;
	}
	if (ld->nf < INT_MAX)
		ld->nf++;
}

/* libcsv: a row ends, with c (CSV_REPALL_NL: every line feed outside a
 * field, blank lines too; -1 at the end of the input). */
static void
csv_row_cb(int c, void *arg)
{
	struct tload *ld = arg;

	if (ld->nf > 0 && !ld->stop) {
		if (ld->header_done)
			csv_row_end(ld);
		else
			csv_header_end(ld);
	}
	ld->nf = 0;
	ld->rlen = 0;
	ld->row_text = 0;
	if (c == '\n')
		ld->line++;
}

/* libcsv stopped on the input, or csv_fini() did. */
static void
csv_syntax(struct tload *ld, struct csv_parser *ps, int at_end)
{
	char buf[32];
	int  col = ld->nf < INT_MAX ? ld->nf + 1 : INT_MAX;
	int  err = csv_error(ps);

	if (err != CSV_EPARSE)
		tl_err(ld, ld->file, ld->line, col, "%s: %s",
		    csv_colname(ld, col, buf, sizeof(buf)), csv_strerror(err));
	else if (at_end)
		tl_err(ld, ld->file, ld->line, col,
		    "%s: the quote that opens this field is never closed",
		    csv_colname(ld, col, buf, sizeof(buf)));
	else if (ps->quoted)
		tl_err(ld, ld->file, ld->line, col,
		    "%s: a quote in a quoted field must be doubled (\"\"), and the closing quote followed by ',' or the end of the line",
		    csv_colname(ld, col, buf, sizeof(buf)));
	else
		tl_err(ld, ld->file, ld->line, col,
		    "%s: a field holding a quote must be quoted whole, its quotes doubled: \"say \"\"hi\"\"\"",
		    csv_colname(ld, col, buf, sizeof(buf)));
	ld->stop = 1;
}

static void
load_csv(struct tload *ld)
{
	struct csv_parser ps;
	char		 *buf, why[128], max[32], cn[32];
	const char	 *p;
	size_t		  len, off, n;

	if (file_read_regular(ld->file, TARGETS_FILE_MAX, &buf, &len, NULL, why,
		sizeof(why)) == -1) {
		tl_err(ld, ld->file, 0, 0, "%s", why);
		return;
	}
	p = buf;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) { /* a BOM */
		p += 3;
		len -= 3;
	}
	if (len >= 2 &&
	    (memcmp(p, "\xff\xfe", 2) == 0 || memcmp(p, "\xfe\xff", 2) == 0)) {
		tl_err(ld, ld->file, 1, 1,
		    "the file is UTF-16; save it as UTF-8 (\"CSV UTF-8\" in spreadsheets)");
		free(buf);
		return;
	}
	if (csv_init(&ps,
		CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL |
		    CSV_APPEND_NULL) != 0)
		fatalx("csv_init");
	csv_set_blk_size(&ps, 4096);
	ld->line = 1;
	for (off = 0; off < len && !ld->stop; off += n) {
		n = len - off < TARGETS_CHUNK ? len - off : TARGETS_CHUNK;
		if (csv_parse(&ps, p + off, n, csv_field_cb, csv_row_cb, ld) !=
		    n) {
			csv_syntax(ld, &ps, 0);
			break;
		}
		if (ps.entry_pos > TARGETS_FIELD_MAX) {
			int col = ld->nf < INT_MAX ? ld->nf + 1 : INT_MAX;

			size_text(max, sizeof(max), TARGETS_FIELD_MAX);
			tl_err(ld, ld->file, ld->line, col,
			    "%s: the field that starts here is longer than %s (a quote never closed?)",
			    csv_colname(ld, col, cn, sizeof(cn)), max);
			ld->stop = 1;
		}
	}
	if (!ld->stop && csv_fini(&ps, csv_field_cb, csv_row_cb, ld) != 0)
		csv_syntax(ld, &ps, 1);
	if (!ld->stop && !ld->header_done)
		tl_err(ld, ld->file, 0, 0,
		    "no header: the first line names the columns (" TCOL_HINT
		    "), e.g. url,title,group");
	csv_free(&ps);
	free(ld->rbuf);
	ld->rbuf = NULL;
	free(buf);
}

/* the libconfig form */

static const char *
conf_file(const config_setting_t *s, const char *path)
{
	const char *f = config_setting_source_file(s);

	return f != NULL ? f : path;
}

/*
 * expect_status = [ 200, 301 ] or probes = [ "a", "b" ] as the CSV writes
 * them, "200 301", into *buf (caller frees). 0 or -1 (recorded).
 */
static int
conf_list(struct tload *ld, const config_setting_t *m, int i, enum tcol k,
    char **buf)
{
	const char *path = ld->file;
	size_t	    len = 0, cap = 64;
	int	    n;

	if (!config_setting_is_array(m) && !config_setting_is_list(m)) {
		tl_err(ld, conf_file(m, path), config_setting_source_line(m), 0,
		    "targets[%d].%s: must be a list, as %s", i, tcol_names[k],
		    k == TCOL_EXPECT ? "[ 200, 301 ]" :
				       "[ \"hn-vnpt-1\", \"hcm-fpt-1\" ]");
		return -1;
	}
	n = config_setting_length(m);
	if (n == 0) {
		tl_err(ld, conf_file(m, path), config_setting_source_line(m), 0,
		    "targets[%d].%s: empty; leave it out for %s", i,
		    tcol_names[k],
		    k == TCOL_EXPECT ? "any status 200-399" : "every probe");
		return -1;
	}
	*buf = xmalloc(cap);
	(*buf)[0] = '\0';
	for (int j = 0; j < n; j++) {
		const config_setting_t *e = config_setting_get_elem(m, j);
		char			num[24];
		const char	       *item;
		size_t			il;

		if (k == TCOL_EXPECT) {
			if (config_setting_type(e) != CONFIG_TYPE_INT &&
			    config_setting_type(e) != CONFIG_TYPE_INT64) {
				tl_err(ld, conf_file(e, path),
				    config_setting_source_line(e), 0,
				    "targets[%d].expect_status[%d]: must be an HTTP status code, an integer 100..599",
				    i, j);
				return -1;
			}
			snprintf(num, sizeof(num), "%lld",
			    config_setting_get_int64(e));
			item = num;
		} else {
			item = config_setting_get_string(e);
			if (item == NULL || item[0] == '\0' ||
			    strpbrk(item, TARGETS_LIST_SEP) != NULL) {
				tl_err(ld, conf_file(e, path),
				    config_setting_source_line(e), 0,
				    "targets[%d].probes[%d]: must be a probe's name (a string without spaces, ';' or ',')",
				    i, j);
				return -1;
			}
		}
		il = strlen(item);
		while (cap - len < il + 2) {
			cap *= 2;
			*buf = realloc(*buf, cap);
			if (*buf == NULL)
				fatal("realloc");
		}
		memcpy(*buf + len, item, il);
		len += il;
		(*buf)[len++] = ' ';
		(*buf)[len] = '\0';
	}
	return 0;
}

/* targets[i]: its settings as a row. */
static void
conf_entry(struct tload *ld, const config_setting_t *e, int i)
{
	const char *path = ld->file, *file = conf_file(e, path);
	struct tval v[TCOL__N];
	char	    what[32], ibuf[24], *lists[TCOL__N];
	int	    line = config_setting_source_line(e);

	if (!config_setting_is_group(e)) {
		tl_err(ld, file, line, 0,
		    "targets[%d]: must be a group { url = \"...\"; title = \"...\"; }",
		    i);
		return;
	}
	memset(v, 0, sizeof(v));
	memset(lists, 0, sizeof(lists));
	snprintf(what, sizeof(what), "targets[%d].", i);
	for (int j = 0; j < config_setting_length(e); j++) {
		const config_setting_t *m = config_setting_get_elem(e, j);
		const char	       *name = config_setting_name(m);
		struct tval	       *x;
		int			k, t = config_setting_type(m);

		for (k = 0; k < TCOL__N; k++)
			if (strcmp(name, tcol_names[k]) == 0)
				break;
		if (k == TCOL__N) {
			tl_err(ld, conf_file(m, path),
			    config_setting_source_line(m), 0,
			    "targets[%d]: unknown setting '%s' (" TCOL_HINT ")",
			    i, name);
			continue;
		}
		x = &v[k];
		x->line = config_setting_source_line(m);
		if (k == TCOL_INTERVAL) {
			if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
				tl_err(ld, conf_file(m, path), x->line, 0,
				    "targets[%d].interval: must be an integer (seconds)",
				    i);
				continue;
			}
			snprintf(ibuf, sizeof(ibuf), "%lld",
			    config_setting_get_int64(m));
			x->s = ibuf;
		} else if (k == TCOL_EXPECT || k == TCOL_PROBES) {
			if (conf_list(ld, m, i, k, &lists[k]) == -1)
				continue;
			x->s = lists[k];
		} else if (t != CONFIG_TYPE_STRING) {
			tl_err(ld, conf_file(m, path), x->line, 0,
			    "targets[%d].%s: must be a string (in quotes)", i,
			    name);
			continue;
		} else
			x->s = config_setting_get_string(m);
		x->len = strlen(x->s);
		x->set = 1;
	}
	if (config_setting_get_member(e, "title") == NULL)
		tl_err(ld, file, line, 0,
		    "targets[%d].title: missing (required)", i);
	if (config_setting_get_member(e, "url") == NULL)
		tl_err(ld, file, line, 0, "targets[%d].url: missing (required)",
		    i);
	row_add(ld, file, line, what, v);
	for (int k = 0; k < TCOL__N; k++)
		free(lists[k]);
}

static void finish(struct tload *, int failed);

static void
load_conf(struct tload *ld, size_t errs0)
{
	static const char *const root[] = {"targets"};
	config_setting_t	*l;
	struct cfg		 tc;
	struct cfg		*c = ld->c;

	if (cfg_open(&tc, ld->file) == 0) {
		cfg_check_root(&tc, root, NELEM(root));
		l = config_setting_get_member(config_root_setting(&tc.lc),
		    "targets");
		if (l == NULL)
			cfg_error(&tc, NULL,
			    "targets: missing; write targets = ( { url = \"...\"; title = \"...\"; }, ... )");
		else if (!config_setting_is_list(l))
			cfg_error(&tc, l,
			    "targets: must be a list ( { url = \"...\"; title = \"...\"; }, ... )");
		else if (config_setting_length(l) > TARGETS_MAX)
			cfg_error(&tc, l, "targets: more than %d", TARGETS_MAX);
		else
			for (int i = 0; i < config_setting_length(l); i++)
				conf_entry(ld,
				    config_setting_get_elem(l, (unsigned)i), i);
		/* before cfg_close(): messages point at tc's file names */
		finish(ld,
		    c->nerrs + c->dropped > errs0 || tc.nerrs + tc.dropped > 0);
	}
	/* tc's errors, bounded as cfg.c bounds them */
	for (size_t i = 0; i < tc.nerrs; i++) {
		if (c->nerrs >= CFG_MAX_ERRORS) {
			free(tc.errs[i]);
			c->dropped++;
			continue;
		}
		c->errs =
		    xreallocarray(c->errs, c->nerrs + 1, sizeof(*c->errs));
		c->errs[c->nerrs++] = tc.errs[i];
	}
	c->dropped += tc.dropped;
	tc.nerrs = 0;
	cfg_close(&tc);
}

/* duplicates and ids */

/* "line 12", or "FILE:12" when b is in another file than a. */
static const char *
where(const struct tpos *a, const struct tpos *b, int line, char *buf,
    size_t size)
{
	if (strcmp(a->file, b->file) == 0)
		snprintf(buf, size, "line %d", line);
	else
		snprintf(buf, size, "%s:%d", b->file, line);
	return buf;
}

static void
take_id(struct target_list *tl, struct ctarget *t, const char *id)
{
	t->id = xstrdup(id);
	table_put(tl->by_id, t->id, strlen(t->id), t);
}

static int
id_taken(const struct target_list *tl, const char *id)
{
	return table_get(tl->by_id, id, strlen(id)) != NULL;
}

/* Rows without an id: the id prev gave the same URL. Every target of
 * prev whose URL is still listed is claimed (claimed[]), id or not. */
static void
ids_by_url(struct tload *ld, unsigned char *claimed)
{
	struct target_list	 *tl = ld->tl;
	const struct target_list *prev = ld->prev;

	for (size_t i = 0; i < tl->n; i++) {
		const struct ctarget *p;

		p = table_get(prev->by_url, ld->keys[i], strlen(ld->keys[i]));
		if (p == NULL)
			continue;
		claimed[p - prev->v] = 1;
		if (tl->v[i].id == NULL && !id_taken(tl, p->id))
			take_id(tl, &tl->v[i], p->id);
	}
}

/*
 * Rows still without one: the id prev gave the same title, taken from
 * prev's targets with that title in their order, skipping those claimed
 * (their URL is still listed) or whose id is taken. Each title's place
 * only moves on, so the walk is linear.
 */
static void
ids_by_title(struct tload *ld, unsigned char *claimed)
{
	struct target_list	 *tl = ld->tl;
	const struct target_list *prev = ld->prev;
	struct table		 *heads = table_new();
	size_t			 *next = xcalloc(prev->n, sizeof(*next));
	size_t			 *slots = xcalloc(prev->n, sizeof(*slots));
	size_t			  nslots = 0;

	/* heads: title -> a slot holding 1 + its first target (0: none);
	 * next[j]: 1 + the next target of the same title */
	for (size_t j = prev->n; j-- > 0;) {
		const char *title = prev->v[j].title;
		size_t	   *slot = table_get(heads, title, strlen(title));

		if (slot == NULL) {
			slot = &slots[nslots++];
			table_put(heads, title, strlen(title), slot);
		}
		next[j] = *slot;
		*slot = j + 1;
	}
	for (size_t i = 0; i < tl->n; i++) {
		struct ctarget *t = &tl->v[i];
		size_t	       *slot;

		if (t->id != NULL ||
		    (slot = table_get(heads, t->title, strlen(t->title))) ==
			NULL)
			continue;
		while (*slot != 0 &&
		    (claimed[*slot - 1] || id_taken(tl, prev->v[*slot - 1].id)))
			*slot = next[*slot - 1];
		if (*slot == 0)
			continue;
		claimed[*slot - 1] = 1;
		take_id(tl, t, prev->v[*slot - 1].id);
		*slot = next[*slot - 1];
	}
	table_free(heads);
	free(next);
	free(slots);
}

/* The rest: derived from the title, then -2, -3, ... (each base counts on
 * from where it stopped, so that many equal titles stay linear). */
static void
ids_derived(struct tload *ld)
{
	struct target_list *tl = ld->tl;
	struct table	   *bases = table_new();
	int		   *counts = xcalloc(tl->n + 1, sizeof(*counts));
	size_t		    ncounts = 0;
	char		    base[TARGET_ID_MAX + 1], id[TARGET_ID_MAX + 1];

	for (size_t i = 0; i < tl->n; i++) {
		struct ctarget *t = &tl->v[i];
		int	       *count;

		if (t->id != NULL)
			continue;
		derive_id(t->title, base, sizeof(base), TARGET_ID_MAX);
		if (!id_taken(tl, base)) {
			take_id(tl, t, base);
			continue;
		}
		count = table_get(bases, base, strlen(base));
		if (count == NULL) {
			count = &counts[ncounts++];
			*count = 2;
			table_put(bases, base, strlen(base), count);
		}
		for (;; (*count)++) {
			char   suffix[16];
			size_t n;

			n = (size_t)snprintf(suffix, sizeof(suffix), "-%d",
			    *count);
			derive_id(t->title, id, sizeof(id), TARGET_ID_MAX - n);
			memcpy(id + strlen(id), suffix, n + 1);
			if (!id_taken(tl, id))
				break;
		}
		(*count)++;
		take_id(tl, t, id);
	}
	table_free(bases);
	free(counts);
}

/*
 * After the rows: the same URL or id twice (both lines named); then, when
 * nothing failed, the ids of the rows without one. Given ids go first, so
 * that no other row takes one.
 */
static void
finish(struct tload *ld, int failed)
{
	struct target_list *tl = ld->tl;
	char		    sh[128], w[PATH_MAX + 32];
	size_t		    errs0 = ld->c->nerrs + ld->c->dropped;
	unsigned char	   *claimed;

	tl->by_url = table_new();
	tl->by_id = table_new();
	for (size_t i = 0; i < tl->n; i++) {
		const struct ctarget *o;
		const struct tpos    *a = &ld->pos[i], *b;

		o = table_get(tl->by_url, ld->keys[i], strlen(ld->keys[i]));
		if (o == NULL) {
			table_put(tl->by_url, ld->keys[i], strlen(ld->keys[i]),
			    &tl->v[i]);
			continue;
		}
		b = &ld->pos[o - tl->v];
		tl_err(ld, a->file, a->url_line, a->url_col,
		    "url '%s' is also on %s",
		    shown(tl->v[i].url, strlen(tl->v[i].url), sh, sizeof(sh)),
		    where(a, b, b->url_line, w, sizeof(w)));
	}
	for (size_t i = 0; i < tl->n; i++) {
		const struct ctarget *o;
		const struct tpos    *a = &ld->pos[i], *b;

		if (tl->v[i].id == NULL)
			continue;
		o = table_get(tl->by_id, tl->v[i].id, strlen(tl->v[i].id));
		if (o == NULL) {
			table_put(tl->by_id, tl->v[i].id, strlen(tl->v[i].id),
			    &tl->v[i]);
			continue;
		}
		b = &ld->pos[o - tl->v];
		tl_err(ld, a->file, a->id_line, a->id_col,
		    "id '%s' is also on %s", tl->v[i].id,
		    where(a, b, b->id_line, w, sizeof(w)));
	}
	if (failed || ld->c->nerrs + ld->c->dropped > errs0)
		return;
	if (ld->prev != NULL && ld->prev->n > 0 && ld->prev->by_url != NULL) {
		claimed = xcalloc(ld->prev->n, 1);
		ids_by_url(ld, claimed);
		ids_by_title(ld, claimed);
		free(claimed);
	}
	ids_derived(ld);
}

/* the list */

struct target_list *
targets_load(const char *path, const struct target_list *prev, struct cfg *c)
{
	struct tload ld;
	size_t	     errs0 = c->nerrs + c->dropped, len = strlen(path);

	memset(&ld, 0, sizeof(ld));
	ld.c = c;
	ld.prev = prev;
	ld.tl = xcalloc(1, sizeof(*ld.tl));
	ld.tl->path = xstrdup(path);
	ld.file = ld.tl->path;
	for (int k = 0; k < TCOL__N; k++)
		ld.kind[k] = -1;
	if (len >= 4 && strcasecmp(path + len - 4, ".csv") == 0) {
		load_csv(&ld);
		finish(&ld, c->nerrs + c->dropped > errs0);
	} else
		load_conf(&ld, errs0);
	for (size_t i = 0; i < ld.tl->n; i++)
		free(ld.keys[i]);
	free(ld.keys);
	free(ld.pos);
	if (c->nerrs + c->dropped > errs0) {
		targets_free(ld.tl);
		return NULL;
	}
	return ld.tl;
}

void
targets_free(struct target_list *tl)
{
	if (tl == NULL)
		return;
	if (tl->cache != NULL && tl->cache_free != NULL)
		tl->cache_free(tl->cache);
	for (size_t i = 0; i < tl->n; i++)
		ctarget_clear(&tl->v[i]);
	free(tl->v);
	table_free(tl->by_id);
	table_free(tl->by_url);
	free(tl->path);
	free(tl);
}

const struct ctarget *
targets_find(const struct target_list *tl, const char *id)
{
	if (tl == NULL || id == NULL || tl->by_id == NULL)
		return NULL;
	return table_get(tl->by_id, id, strlen(id));
}

int
targets_for_probe(const struct ctarget *t, const char *probe)
{
	if (t->nprobes == 0)
		return 1;
	for (size_t i = 0; i < t->nprobes; i++)
		if (strcmp(t->probes[i], probe) == 0)
			return 1;
	return 0;
}

void
targets_check_probes(const struct target_list *tl, const char *const *names,
    size_t n, struct cfg *c)
{
	struct table *known;
	size_t	      warned = 0, more = 0;

	if (tl == NULL)
		return;
	known = table_new();
	for (size_t i = 0; i < n; i++)
		table_put(known, names[i], strlen(names[i]), (void *)names[i]);
	for (size_t i = 0; i < tl->n; i++) {
		const struct ctarget *t = &tl->v[i];

		for (size_t j = 0; j < t->nprobes; j++) {
			if (table_get(known, t->probes[j],
				strlen(t->probes[j])) != NULL)
				continue;
			if (warned++ < TARGETS_PROBE_WARN_MAX)
				cfg_warn_col(c, tl->path, t->line,
				    tl->col_probes,
				    "probes: '%s' is not a probe of the collector's config: no probe of that name fetches target '%s'",
				    t->probes[j], t->id);
			else
				more++;
		}
	}
	if (more > 0)
		cfg_warn_col(c, tl->path, 0, 0,
		    "%zu more names in probes are not probes of the collector's config",
		    more);
	table_free(known);
}

/* o.key = the string s, not copied (the list outlives the document). */
static int
json_ref(cJSON *o, const char *key, const char *s)
{
	return cJSON_AddItemToObjectCS(o, key, cJSON_CreateStringReference(s));
}

int
targets_json(const struct target_list *tl, const char *probe, char **body,
    size_t *len, char *etag, size_t etagsize)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0;
	char	      hex[2 * EVP_MAX_MD_SIZE + 1], *s = NULL;
	cJSON	     *root, *arr, *o;
	size_t	      n;
	int	      ret = -1;

	*body = NULL;
	*len = 0;
	if (etagsize < TARGETS_ETAG_SIZE ||
	    (root = cJSON_CreateObject()) == NULL)
		return -1;
	if (cJSON_AddNumberToObject(root, "version", 1) == NULL ||
	    cJSON_AddStringToObject(root, "probe", probe) == NULL ||
	    (arr = cJSON_AddArrayToObject(root, "targets")) == NULL)
		goto done;
	for (size_t i = 0; tl != NULL && i < tl->n; i++) {
		const struct ctarget *t = &tl->v[i];

		if (!targets_for_probe(t, probe))
			continue;
		if (!cJSON_AddItemToArray(arr, o = cJSON_CreateObject()) ||
		    !json_ref(o, "id", t->id) ||
		    !json_ref(o, "title", t->title) ||
		    !json_ref(o, "url", t->url) ||
		    (t->group[0] != '\0' && !json_ref(o, "group", t->group)) ||
		    (t->interval_s > 0 &&
			cJSON_AddNumberToObject(o, "interval", t->interval_s) ==
			    NULL) ||
		    (t->large_path != NULL &&
			!json_ref(o, "large_path", t->large_path)) ||
		    (t->nexpect_status > 0 &&
			!cJSON_AddItemToObjectCS(o, "expect_status",
			    cJSON_CreateIntArray(t->expect_status,
				(int)t->nexpect_status))))
			goto done;
	}
	if ((s = cJSON_PrintUnformatted(root)) == NULL)
		goto done;
	n = strlen(s);
	if (EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 16)
		goto done;
	hex_encode(md, 16, hex);
	snprintf(etag, etagsize, "\"%s\"", hex);
	*body = s;
	*len = n;
	s = NULL;
	ret = 0;
done:
	cJSON_free(s);
	cJSON_Delete(root);
	return ret;
}

void
targets_index(struct target_list *tl)
{
	char why[256];

	table_free(tl->by_id);
	table_free(tl->by_url);
	tl->by_id = table_new();
	tl->by_url = table_new();
	for (size_t i = 0; i < tl->n; i++) {
		struct ctarget *t = &tl->v[i];
		char	       *key = NULL;

		if (table_get(tl->by_id, t->id, strlen(t->id)) == NULL)
			table_put(tl->by_id, t->id, strlen(t->id), t);
		if (url_check(t->url, &key, why, sizeof(why)) == 0 &&
		    table_get(tl->by_url, key, strlen(key)) == NULL)
			table_put(tl->by_url, key, strlen(key), t);
		free(key);
	}
}
