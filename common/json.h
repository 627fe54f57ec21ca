/*
 * json: strict parsing of JSON text and typed reads of an object's fields,
 * for everything that comes from outside -- records on the wire and the
 * collector's own files read back -- so that bounds are checked one way.
 */
#ifndef V6W_JSON_H
#define V6W_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define JSON_MAX_DEPTH 32

/*
 * Parse a JSON text of len bytes (not necessarily NUL-terminated): rejects
 * control bytes, \u0000 escapes, nesting deeper than JSON_MAX_DEPTH and
 * trailing garbage, and names the byte
 * offset of a syntax error. Caller frees with cJSON_Delete.
 */
cJSON *json_parse_strict(const char *buf, size_t len, char *err, size_t errlen);
/*
 * Read the file at path (at most max bytes) and parse it strictly: 0 with
 * the document in *root, or with *root NULL when there is no such file;
 * -1 with err naming the file, errno EBADMSG when it does not parse (the
 * caller sets it aside) or the read's own.
 */
int json_load_file(const char *path, size_t max, cJSON **root, char *err,
    size_t errlen);

/* What is wrong with a field read by json_get_num() / json_get_str(). */
enum json_fault {
	JSON_OK,
	JSON_MISSING,	 /* no such key (o NULL or not an object too) */
	JSON_WRONG_TYPE, /* not a number / not a string */
	JSON_RANGE,	 /* not finite, outside [min, max] or not integral */
	JSON_TOO_LONG,	 /* a string of size bytes or more */
	JSON_CONTROL,	 /* a string with a byte < 0x20 or 0x7f */
};

/* The member key of o (case-sensitive); NULL when absent or o is NULL. */
const cJSON *json_get(const cJSON *o, const char *key);

/* Number at key within [min, max], integral when integer, into *out. */
enum json_fault json_get_num(const cJSON *o, const char *key, double min,
    double max, int integer, double *out);
/*
 * String at key, shorter than size bytes, without control characters;
 * *out borrows it from o.
 */
enum json_fault
json_get_str(const cJSON *o, const char *key, size_t size, const char **out);

/*
 * The same for readers that refuse a whole document at the first fault:
 * on any fault *ok is cleared and 0 (json_num) or "" (json_str) returned.
 */
double
json_num(const cJSON *o, const char *key, double min, double max, int *ok);
const char *json_str(const cJSON *o, const char *key, size_t size, int *ok);

/*
 * Print o without layout and delete it (takes ownership of o); the caller
 * frees the text with cJSON_free(). Out of memory is fatal.
 */
char *json_text(cJSON *o);

/*
 * Add v under key as its text with prec decimals ("%.*f"), not cJSON's
 * %.17g: times to the millisecond stay short and read as written.
 */
void json_add_fixed(cJSON *o, const char *key, double v, int prec);

#endif
