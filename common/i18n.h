/*
 * i18n: the language and time zone people read -- GNU gettext in the C
 * convention (_() translates, N_() only marks a string for xgettext,
 * ngettext() for plurals, C_() and NC_() with a context, as pgettext), the
 * catalogue of text domain "v6watch" found without any installed locale,
 * the time zone (TZ), and numbers, percentages, dates and time zones
 * written in the language's form. The language and the zone are the
 * process's (the environment and libintl): set once at start and on
 * reload, inherited by the publish children.
 *
 * Catalogues: V6WATCH_LOCALEDIR (the environment; a build tree's
 * build/locale for tests) or the compiled-in LOCALEDIR
 * ($(PREFIX)/share/locale), LANG/LC_MESSAGES/v6watch.mo. They are found
 * whatever locales the machine has: LC_MESSAGES is C.UTF-8 (built into
 * glibc 2.35 and later, and Debian's before) and the language comes from
 * the LANGUAGE environment variable, which glibc's gettext honours under
 * any locale but "C"; the catalogue is read as UTF-8.
 */
#ifndef V6W_I18N_H
#define V6W_I18N_H

#include <stddef.h>

#include <libintl.h>

#define I18N_DOMAIN "v6watch"

#define _(s)	  gettext(s)
#define N_(s)	  (s)
#define C_(c, s)  i18n_cgettext((c), (s))
#define NC_(c, s) (s)

/* The language when none is set; it needs no catalogue. */
#define I18N_DEFAULT_LANGUAGE "en"
/* The time zone when none is set. */
#define I18N_DEFAULT_TIMEZONE "UTC"

/*
 * s translated in context ctx (xgettext's msgctxt), or s. The NC_()
 * marker leaves both in a table for a C_(ctx, table[i]) later.
 */
const char *
i18n_cgettext(const char *ctx, const char *s) __attribute__((format_arg(2)));

/*
 * NULL when lang is a language code ("vi", "en", "pt_BR": 2 or 3 lower
 * case letters, optionally _ and 2 upper case letters), else what is
 * wrong with it.
 */
const char *i18n_language_check(const char *lang);
/* 1 when lang needs no catalogue (English, the msgids' language). */
int i18n_language_builtin(const char *lang);
/*
 * The catalogue of lang: its path into path; 0 when it is there, -1 when
 * not (or the path is too long).
 */
int i18n_catalogue(const char *lang, char *path, size_t size);
/* The folder catalogues are read from (see above). */
const char *i18n_localedir(void);
/*
 * Speak lang from now on. 0; -1 with err when its catalogue is missing:
 * then English is spoken.
 */
int i18n_set_language(const char *lang, char *err, size_t errlen);
/* The language spoken ("en" before i18n_set_language). */
const char *i18n_language(void);

/*
 * 0 when tz names a zone of the tz database (a TZif file under TZDIR,
 * default /usr/share/zoneinfo) or is "UTC"; -1 with err saying why not.
 */
int i18n_timezone_check(const char *tz, char *err, size_t errlen);
/* Set TZ to tz and tzset(): the process's local time, librrd's too. */
void i18n_set_timezone(const char *tz);
/* The zone set ("UTC" when TZ is not set). */
const char *i18n_timezone(void);
/* ts's offset from UTC in the zone, in seconds (+25200 for UTC+07:00). */
long i18n_utc_offset(double ts);

/*
 * "+07:00" (the offset at ts) into out; and the sentence of the pages'
 * footers: "Times are Asia/Ho_Chi_Minh (UTC+07:00)." -- the zone by the
 * name its language gives it ("Giờ Việt Nam (UTC+07:00).").
 */
const char *i18n_offset_text(double ts, char *out, size_t size);
const char *i18n_zone_sentence(double ts, char *out, size_t size);

/* v with decimals digits and the language's decimal separator. */
const char *i18n_fixed(double v, int decimals, char *out, size_t size);
/*
 * The decimals that show share (0..1) rounded without saying 100 % for
 * less than all or 0 % for more than none: 1, or more (at most 6).
 */
int i18n_pct_decimals(double share);
/* "55.6 %" ("55,6 %") for 5/9; an en dash when share < 0 or NaN. */
const char *i18n_pct(double share, char *out, size_t size);
/*
 * A wall time in the zone, as the language writes it: date and time
 * ("2026-12-06 14:05 +07", "06/12/2026 14:05"), the same with seconds (in
 * messages), and the date alone; "-" when ts <= 0.
 */
const char *i18n_time(double ts, char *out, size_t size);
const char *i18n_time_s(double ts, char *out, size_t size);
const char *i18n_date(double ts, char *out, size_t size);

#endif
