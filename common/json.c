/*
 * json: the strict parser and the typed field readers (see json.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "util.h"

cJSON *
json_parse_strict(const char *buf, size_t len, char *err, size_t errlen)
{
	const char *end = NULL;
	int	    in_str = 0, esc = 0, depth = 0;
	cJSON	   *root;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			snprintf(err, errlen,
			    "control byte 0x%02x at offset %zu", c, i);
			return NULL;
		}
		if (esc) {
			esc = 0;
			if (c == 'u' && i + 4 < len &&
			    memcmp(buf + i + 1, "0000", 4) == 0) {
				snprintf(err, errlen,
				    "NUL character (\\u0000) in a string at offset %zu",
				    i - 1);
				return NULL;
			}
		} else if (in_str && c == '\\')
			esc = 1;
		else if (c == '"')
			in_str = !in_str;
		else if (!in_str && (c == '[' || c == '{')) {
			if (++depth > JSON_MAX_DEPTH) {
				snprintf(err, errlen,
				    "nesting deeper than %d levels at offset %zu",
				    JSON_MAX_DEPTH, i);
				return NULL;
			}
		} else if (!in_str && (c == ']' || c == '}'))
			depth--;
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		size_t off =
		    end != NULL && end >= buf ? (size_t)(end - buf) : 0;

		snprintf(err, errlen, "invalid JSON at offset %zu%s", off,
		    off >= len ? " (truncated)" : "");
		return NULL;
	}
	for (size_t off = (size_t)(end - buf); off < len; off++) {
		if (buf[off] != ' ' && buf[off] != '\t' && buf[off] != '\n' &&
		    buf[off] != '\r') {
			snprintf(err, errlen, "trailing data at offset %zu",
			    off);
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

const cJSON *
json_get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

enum json_fault
json_get_num(const cJSON *o, const char *key, double min, double max,
    int integer, double *out)
{
	const cJSON *it = json_get(o, key);
	double	     v;

	if (it == NULL)
		return JSON_MISSING;
	if (!cJSON_IsNumber(it))
		return JSON_WRONG_TYPE;
	v = it->valuedouble;
	if (!isfinite(v) || v < min || v > max || (integer && v != floor(v)))
		return JSON_RANGE;
	*out = v;
	return JSON_OK;
}

enum json_fault
json_get_str(const cJSON *o, const char *key, size_t size, const char **out)
{
	const cJSON *it = json_get(o, key);

	if (it == NULL)
		return JSON_MISSING;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return JSON_WRONG_TYPE;
	if (strlen(it->valuestring) >= size)
		return JSON_TOO_LONG;
	if (str_has_ctrl(it->valuestring))
		return JSON_CONTROL;
	*out = it->valuestring;
	return JSON_OK;
}

double
json_num(const cJSON *o, const char *key, double min, double max, int *ok)
{
	double v;

	if (json_get_num(o, key, min, max, 0, &v) != JSON_OK) {
		*ok = 0;
		return 0;
	}
	return v;
}

const char *
json_str(const cJSON *o, const char *key, size_t size, int *ok)
{
	const char *s;

	if (json_get_str(o, key, size, &s) != JSON_OK) {
		*ok = 0;
		return "";
	}
	return s;
}

char *
json_text(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	if (text == NULL)
		fatalx("out of memory printing JSON");
	return text;
}

void
json_add_fixed(cJSON *o, const char *key, double v, int prec)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", prec, v);
	cJSON_AddRawToObject(o, key, buf);
}

int
json_load_file(const char *path, size_t max, cJSON **root, char *err,
    size_t errlen)
{
	char  *text, perr[128];
	size_t len;

	*root = NULL;
	if (file_read(path, max, &text, &len) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	*root = json_parse_strict(text, len, perr, sizeof(perr));
	free(text);
	if (*root == NULL) {
		snprintf(err, errlen, "%s: %s", path, perr);
		errno = EBADMSG;
		return -1;
	}
	return 0;
}
