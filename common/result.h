/*
 * result: the result record of one check (target x family x probe run) or
 * one passive-capture interval, and its JSON codec -- the one wire contract
 * between v6probe and v6collector. JSON spellings live in one table each,
 * indexed by the enums below.
 */
#ifndef V6W_RESULT_H
#define V6W_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "json.h"

enum family { FAMILY_IPV6, FAMILY_IPV4, FAMILY__N };

enum outcome {
	OUTCOME_OK,
	OUTCOME_NO_ADDRESS,
	OUTCOME_DNS_ERROR,
	OUTCOME_TIMEOUT,
	OUTCOME_REFUSED,
	OUTCOME_UNREACHABLE,
	OUTCOME_TLS_ERROR,
	OUTCOME_CERT_EXPIRED,
	OUTCOME_CERT_NAME_MISMATCH,
	OUTCOME_CERT_UNTRUSTED,
	OUTCOME_HTTP_ERROR,
	OUTCOME_STALL,
	OUTCOME_ERROR,
	OUTCOME__N
};

enum warning {
	WARN_CERT_EXPIRING,
	WARN_SLOW,
	WARN_CONTENT_MISMATCH,
	WARN_PARTIAL_REACHABILITY,
	WARN_NS_NO_IPV6,
	WARN_PROBE_OFFLINE,
	WARN_HTTP_NO_IPV6, /* port 80 answers over IPv4, not over IPv6 */
	WARN__N
};
#define WARN_BIT(w) (1u << (w))

enum result_kind { RESULT_CHECK, RESULT_TRAFFIC };

/* Bounds of every string field, NUL included; decoding rejects longer. */
#define RESULT_NAME_MAX	  129 /* probe, target, group names */
#define RESULT_URL_MAX	  2049
#define RESULT_ERROR_MAX  512
#define RESULT_ISSUER_MAX 256
#define RESULT_IP_MAX	  46 /* INET6_ADDRSTRLEN */
#define RESULT_REMOTE_MAX 56
#define RESULT_ADDR_MAX	  16  /* addresses[] entries */
#define RESULT_TITLE_MAX  257 /* title: UTF-8, at most 256 bytes */

struct result_addr {
	char	     ip[RESULT_IP_MAX];
	enum outcome outcome;
	double	     connect_ms; /* < 0: no answer */
};

/* Phase timings in milliseconds; a phase not reached is < 0. */
enum phase {
	PHASE_DNS,
	PHASE_CONNECT,
	PHASE_TLS,
	PHASE_TTFB,
	PHASE_TOTAL,
	PHASE__N
};

struct result_traffic {
	char	 iface[RESULT_NAME_MAX];
	double	 interval_s;
	uint64_t packets[3]; /* ipv6, ipv4, other */
	uint64_t bytes[3];
	uint64_t ptb;	  /* ICMPv6 Packet Too Big */
	uint64_t unreach; /* ICMPv6 Destination Unreachable */
	uint64_t drops;	  /* kernel drops (pcap_stats) */
};

struct result {
	enum result_kind kind;
	char		 probe[RESULT_NAME_MAX];
	char		 target[RESULT_NAME_MAX]; /* check only */
	char		 title[RESULT_TITLE_MAX]; /* optional, "" none */
	char		 group[RESULT_NAME_MAX];  /* optional */
	char		 url[RESULT_URL_MAX];
	enum family	 family;
	double		 ts;  /* wall clock, seconds */
	uint64_t	 seq; /* 0: not yet assigned */
	enum outcome	 outcome;
	uint32_t	 warnings; /* WARN_BIT() set */

	struct result_addr addrs[RESULT_ADDR_MAX];
	size_t		   naddrs;
	char		   remote[RESULT_REMOTE_MAX];

	double ms[PHASE__N];

	int	 has_http;
	int	 http_status;
	uint64_t http_bytes;
	char	 sha256[65];
	char	 effective_url[RESULT_URL_MAX];

	int  has_tls;
	char tls_version[16];
	int  cert_days_left; /* valid when has_cert */
	int  has_cert;
	char issuer[RESULT_ISSUER_MAX];

	/* Port 80 beside an https:// target, per family (target-level,
	 * copied per record): ok when every address the main check
	 * connected to answered http://HOST/, else the first failure. */
	int	     has_http80[FAMILY__N];
	enum outcome http80[FAMILY__N];

	int ready; /* target-level, copied per record */
	int score; /* 0-100, -1 unknown */

	char error[RESULT_ERROR_MAX];

	struct result_traffic traffic; /* RESULT_TRAFFIC only */
};

/* Accepted ranges. */
#define RESULT_TS_MIN 946684800.0  /* 2000-01-01 */
#define RESULT_TS_MAX 4102444800.0 /* 2100-01-01 */
/* Largest integer (seq, counters): cJSON prints 15 significant digits. */
#define RESULT_INT_MAX 999999999999999ULL
#define RESULT_MS_MAX  86400000.0

const char *family_name(enum family);
const char *outcome_name(enum outcome);
const char *warning_name(enum warning);
const char *phase_name(enum phase);
/* Lookup by JSON name; -1 when unknown. */
int family_from_name(const char *);
int outcome_from_name(const char *);
int warning_from_name(const char *);

/*
 * What is wrong with s as a target's title (the record's "title", a
 * title in probe.conf or in the collector's list): longer than 256 bytes,
 * not UTF-8 (overlong forms, surrogates and code points past U+10FFFF
 * included), or holding a control character (C0, DEL or C1). NULL when
 * it is a title.
 */
const char *result_check_title(const char *s);

/* A record with every optional field marked absent. */
void result_init(struct result *);

/* Encode into a new cJSON object (caller frees with cJSON_Delete). */
cJSON *result_to_json(const struct result *);
/*
 * Decode and validate one record. On error returns -1 and writes a message
 * naming the field at fault into err; r is then unspecified.
 */
int result_from_json(const cJSON *, struct result *, char *err, size_t errlen);

#endif
