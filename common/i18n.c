/*
 * i18n: gettext set up without installed locales, the time zone, and
 * numbers, percentages and dates in the language's form.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif
#define I18N_TZDIR "/usr/share/zoneinfo"

/* glibc's count of catalogue changes: gettext's cache is keyed on it, and
 * a new LANGUAGE is read only once it moves (the gettext manual's way). */
extern int _nl_msg_cat_cntr;

const char *
i18n_cgettext(const char *ctx, const char *s)
{
	char	    key[1024];
	const char *t;
	int	    n = snprintf(key, sizeof(key), "%s\004%s", ctx, s);

	if (n < 0 || (size_t)n >= sizeof(key))
		return s;
	t = gettext(key);
	return t == key ? s : t;
}

const char *
i18n_language_check(const char *lang)
{
	size_t n = 0;

	while (lang[n] >= 'a' && lang[n] <= 'z')
		n++;
	if ((n == 2 || n == 3) &&
	    (lang[n] == '\0' ||
		(lang[n] == '_' && lang[n + 1] >= 'A' && lang[n + 1] <= 'Z' &&
		    lang[n + 2] >= 'A' && lang[n + 2] <= 'Z' &&
		    lang[n + 3] == '\0')))
		return NULL;
	return "must be a language code such as \"vi\" or \"en\" (ISO 639, optionally _ and a country: \"pt_BR\")";
}

int
i18n_language_builtin(const char *lang)
{
	return strncmp(lang, "en", 2) == 0 &&
	    (lang[2] == '\0' || lang[2] == '_');
}

const char *
i18n_localedir(void)
{
	const char *d = getenv("V6WATCH_LOCALEDIR");

	return d != NULL && d[0] != '\0' ? d : LOCALEDIR;
}

int
i18n_catalogue(const char *lang, char *path, size_t size)
{
	struct stat sb;
	int	    n = snprintf(path, size, "%s/%s/LC_MESSAGES/%s.mo",
		    i18n_localedir(), lang, I18N_DOMAIN);

	if (n < 0 || (size_t)n >= size)
		return -1;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? 0 : -1;
}

int
i18n_set_language(const char *lang, char *err, size_t errlen)
{
	char path[4096];
	int  rc = 0;

	/* Any locale but "C" lets LANGUAGE choose; messages only: numbers
	 * and times stay as C writes them for files and librrd. */
	if (setlocale(LC_MESSAGES, "C.UTF-8") == NULL)
		(void)setlocale(LC_MESSAGES, "C.utf8");
	bindtextdomain(I18N_DOMAIN, i18n_localedir());
	bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
	textdomain(I18N_DOMAIN);
	if (i18n_language_check(lang) != NULL) {
		snprintf(err, errlen, "language \"%s\": %s", lang,
		    i18n_language_check(lang));
		lang = I18N_DEFAULT_LANGUAGE;
		rc = -1;
	} else if (!i18n_language_builtin(lang) &&
	    i18n_catalogue(lang, path, sizeof(path)) == -1) {
		snprintf(err, errlen,
		    "language \"%s\": no catalogue %s (install it, or set V6WATCH_LOCALEDIR to the folder that holds %s/LC_MESSAGES/%s.mo); the pages stay in English",
		    lang, path, lang, I18N_DOMAIN);
		lang = I18N_DEFAULT_LANGUAGE;
		rc = -1;
	}
	setenv("LANGUAGE", lang, 1);
	++_nl_msg_cat_cntr;
	return rc;
}

const char *
i18n_language(void)
{
	const char *l = getenv("LANGUAGE");

	return l != NULL && i18n_language_check(l) == NULL ?
	    l :
	    I18N_DEFAULT_LANGUAGE;
}

int
i18n_timezone_check(const char *tz, char *err, size_t errlen)
{
	const char *dir = getenv("TZDIR");
	char	    path[4096], magic[4];
	struct stat sb;
	int	    fd;
	ssize_t	    n;
	size_t	    len = strlen(tz);

	if (strcmp(tz, "UTC") == 0)
		return 0;
	if (len == 0 || len > 255 || tz[0] == '/' || strstr(tz, "..") != NULL ||
	    strspn(tz,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789/_+-") != len) {
		snprintf(err, errlen,
		    "\"%s\" must be a time zone of the tz database, such as \"Asia/Ho_Chi_Minh\" or \"UTC\"",
		    tz);
		return -1;
	}
	if (dir == NULL || dir[0] == '\0')
		dir = I18N_TZDIR;
	if (snprintf(path, sizeof(path), "%s/%s", dir, tz) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "\"%s\": the path is too long", tz);
		return -1;
	}
	errno = 0;
	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen,
		    "\"%s\" is not a time zone of the tz database (%s: %s); write one such as \"Asia/Ho_Chi_Minh\" or \"UTC\" (the zones are in Debian's tzdata package)",
		    tz, path, errno != 0 ? strerror(errno) : "not a file");
		return -1;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "TZif", 4) != 0) {
		snprintf(err, errlen,
		    "\"%s\" is not a time zone of the tz database (%s is not a TZif file); write one such as \"Asia/Ho_Chi_Minh\" or \"UTC\"",
		    tz, path);
		return -1;
	}
	return 0;
}

void
i18n_set_timezone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

const char *
i18n_timezone(void)
{
	const char *tz = getenv("TZ");

	return tz != NULL && tz[0] != '\0' ? tz : I18N_DEFAULT_TIMEZONE;
}

long
i18n_utc_offset(double ts)
{
	time_t	  t = (time_t)ts;
	struct tm tm;

	return localtime_r(&t, &tm) != NULL ? tm.tm_gmtoff : 0;
}

const char *
i18n_offset_text(double ts, char *out, size_t size)
{
	long off = i18n_utc_offset(ts), a = off < 0 ? -off : off;

	snprintf(out, size, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600,
	    a % 3600 / 60);
	return out;
}

const char *
i18n_zone_sentence(double ts, char *out, size_t size)
{
	/* Names people give the zones they live in; the catalogue says
	 * them in its language ("Việt Nam"). */
	static const char *const zones[] = {NC_("time zone", "UTC"),
	    NC_("time zone", "Asia/Ho_Chi_Minh"),
	    NC_("time zone", "Asia/Saigon")};
	const char		*tz = i18n_timezone(), *name = tz;
	char			 off[16];

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcmp(tz, zones[i]) == 0)
			name = C_("time zone", zones[i]);
	i18n_offset_text(ts, off, sizeof(off));
	if ((strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0) &&
	    i18n_utc_offset(ts) == 0)
		snprintf(out, size, "%s", _("Times are UTC."));
	else
		/* TRANSLATORS: the zone's name, then its offset ("+07:00"). */
		snprintf(out, size, _("Times are %s (UTC%s)."), name, off);
	return out;
}

const char *
i18n_fixed(double v, int decimals, char *out, size_t size)
{
	/* TRANSLATORS: the character between the units and the decimals
	 * of a number: "." in English, "," in Vietnamese. */
	const char *sep = C_("decimal separator", ".");
	char	    num[64];
	size_t	    n = 0;

	if (isnan(v) || isinf(v)) {
		snprintf(out, size, "\xe2\x80\x93");
		return out;
	}
	snprintf(num, sizeof(num), "%.*f", decimals, v);
	if (strspn(num, "-0.") == strlen(num) && num[0] == '-')
		memmove(num, num + 1, strlen(num)); /* no "-0.0" */
	if (size == 0)
		return out;
	for (const char *p = num; *p != '\0'; p++) {
		const char *s = *p == '.' ? sep : p;
		size_t	    k = *p == '.' ? strlen(sep) : 1;

		if (n + k >= size)
			break;
		memcpy(out + n, s, k);
		n += k;
	}
	out[n] = '\0';
	return out;
}

int
i18n_pct_decimals(double share)
{
	double p = share * 100;
	char   buf[64];

	for (int d = 1; d < 6; d++) {
		double r;

		snprintf(buf, sizeof(buf), "%.*f", d, p);
		r = strtod(buf, NULL);
		if ((p < 100 && r >= 100) || (p > 0 && r <= 0))
			continue;
		return d;
	}
	return 6;
}

const char *
i18n_pct(double share, char *out, size_t size)
{
	char num[64];

	if (share < 0 || isnan(share)) {
		snprintf(out, size, "\xe2\x80\x93"); /* en dash */
		return out;
	}
	i18n_fixed(share * 100, i18n_pct_decimals(share), num, sizeof(num));
	/* TRANSLATORS: a percentage; %s is the number. */
	snprintf(out, size, _("%s %%"), num);
	return out;
}

/*
 * ts in the zone, written with fmt: a format from the catalogue (the
 * language's order of day, month and year), which no compiler can see.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static const char *
i18n_strftime(double ts, const char *fmt, char *out, size_t size)
{
	struct tm tm;
	time_t	  t = (time_t)ts;

	if (ts <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(out, size, fmt, &tm) == 0)
		snprintf(out, size, "-");
	return out;
}
#pragma GCC diagnostic pop

const char *
i18n_time(double ts, char *out, size_t size)
{
	/* TRANSLATORS: strftime(3) format of a date and time in the pages;
	 * numbers only (the month's and day's names would stay English);
	 * %Z is the zone's abbreviation. */
	return i18n_strftime(ts,
	    C_("date and time, strftime", "%Y-%m-%d %H:%M %Z"), out, size);
}

const char *
i18n_time_s(double ts, char *out, size_t size)
{
	/* TRANSLATORS: strftime(3) format of a date and time to the second
	 * in webhook messages, which people read without the site's
	 * footer: keep the zone (%Z). */
	return i18n_strftime(ts,
	    C_("date and time to the second, strftime", "%Y-%m-%d %H:%M:%S %Z"),
	    out, size);
}

const char *
i18n_date(double ts, char *out, size_t size)
{
	/* TRANSLATORS: strftime(3) format of a date. */
	return i18n_strftime(ts, C_("date, strftime", "%Y-%m-%d"), out, size);
}
