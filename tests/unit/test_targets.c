/*
 * test_targets: the collector's central target list (collector/targets.c).
 * The CSV form: what spreadsheets write is read (a BOM, CRLF, quoted
 * commas, quotes and line breaks, blank lines, no final line break), and
 * every broken file fails with the FILE:LINE:COLUMN lines it must give,
 * up to CFG_MAX_ERRORS of them. The libconfig form. Ids: the rule for
 * given ones, ids derived from Vietnamese titles, collisions, and ids kept
 * from the list before when a title or a URL changes. The URL rules are
 * the probe's (checked against probe/url.c). A probe's view, the JSON
 * body and its ETag; collector.conf's targets_file; 1,805 generated
 * Vietnamese rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "cfg.h"
#include "collector/conf.h"
#include "collector/targets.h"
#include "probe/url.h"
#include "table.h"
#include "tmpdir.h"
#include "util.h"

/* tmpdir/name, written with text (len bytes; -1: strlen). */
static const char *
wr(const char *name, const char *text, ssize_t len)
{
	static char path[TMPDIR_MAX + 64];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	if (len < 0)
		len = (ssize_t)strlen(text);
	assert_int_equal(fwrite(text, 1, (size_t)len, f), (size_t)len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Load text as tmpdir/name; c is fresh (the caller closes it). */
static struct target_list *
load(const char *name, const char *text, const struct target_list *prev,
    struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	return targets_load(wr(name, text, -1), prev, c);
}

/* Error i of c without the tmpdir/ in front. */
static const char *
err(const struct cfg *c, size_t i)
{
	size_t n = strlen(tmpdir);

	assert_true(i < c->nerrs);
	assert_memory_equal(c->errs[i], tmpdir, n);
	assert_int_equal(c->errs[i][n], '/');
	return c->errs[i] + n + 1;
}

/* text (as name) fails with exactly the errors given (NULL-terminated),
 * each the start of its message. */
static void
fails(const char *name, const char *text, ...)
{
	struct target_list *tl;
	struct cfg	    c;
	va_list		    ap;
	const char	   *want;
	size_t		    i = 0;

	tl = load(name, text, NULL, &c);
	if (tl != NULL || c.nerrs == 0)
		fail_msg("%s loaded: %s", name, text);
	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= c.nerrs)
			fail_msg("missing error '%s'", want);
		if (strncmp(err(&c, i), want, strlen(want)) != 0)
			fail_msg("error %zu: got '%s', want '%s...'", i,
			    err(&c, i), want);
		i++;
	}
	va_end(ap);
	if (i != c.nerrs)
		fail_msg("%zu errors, want %zu; the next: %s", c.nerrs, i,
		    err(&c, i));
	cfg_close(&c);
}

/* Load text, which must load; *c closed. */
static struct target_list *
good(const char *name, const char *text, const struct target_list *prev)
{
	struct target_list *tl;
	struct cfg	    c;

	tl = load(name, text, prev, &c);
	for (size_t i = 0; i < c.nerrs; i++)
		print_message("%s\n", c.errs[i]);
	assert_non_null(tl);
	assert_int_equal(c.nerrs + c.dropped, 0);
	cfg_close(&c);
	return tl;
}

static const char *
derived(const char *title)
{
	static char out[TARGET_ID_MAX + 1];

	targets_derive_id(title, out, sizeof(out));
	return out;
}

/* ids */

static void
test_derive(void **state)
{
	char small[8];

	(void)state;
	assert_string_equal(derived("Cổng dịch vụ công – Sở Y tế"),
	    "cong-dich-vu-cong-so-y-te");
	/* decomposed (NFD) input: the combining marks are dropped */
	assert_string_equal(derived("Co\xcc\x82\xcc\x89ng di\xcc\xa3"
				    "ch vu\xcc\xa3 co\xcc\x82ng"),
	    "cong-dich-vu-cong");
	assert_string_equal(derived("ĐĂNG KÝ KINH DOANH — Sở Kế hoạch"),
	    "dang-ky-kinh-doanh-so-ke-hoach");
	assert_string_equal(derived("Sở Tư pháp; Đường dây nóng (24/7)"),
	    "so-tu-phap-duong-day-nong-24-7");
	assert_string_equal(derived("Ưu đãi ơ ư Ơ Ư đ Đ"),
	    "uu-dai-o-u-o-u-d-d");
	/* every Vietnamese vowel with every tone */
	assert_string_equal(derived("àáảãạ ăằắẳẵặ âầấẩẫậ èéẻẽẹ êềếểễệ"),
	    "aaaaa-aaaaaa-aaaaaa-eeeee-eeeeee");
	assert_string_equal(derived("ìíỉĩị òóỏõọ ôồốổỗộ ơờớởỡợ ùúủũụ"),
	    "iiiii-ooooo-oooooo-oooooo-uuuuu");
	assert_string_equal(derived("ưừứửữự ỳýỷỹỵ ÀẠỲỴ"), "uuuuuu-yyyyy-aayy");
	/* other Latin letters with diacritics, and those written with two */
	assert_string_equal(derived("Straße Ærø Œuvre Łódź ĳ ǆ þ"),
	    "strasse-aero-oeuvre-lodz-ij-dz-th");
	/* other scripts, punctuation, symbols: separators */
	assert_string_equal(derived("東京 Portal × 2 ÷ ©"), "portal-2");
	assert_string_equal(derived("  --Hello,,  World!!  "), "hello-world");
	assert_string_equal(derived("—"), "target");
	assert_string_equal(derived(""), "target");
	assert_string_equal(derived("东京"), "target");
	/* not UTF-8: separators too */
	assert_string_equal(derived("a\xff\xfe"
				    "b\xc3"),
	    "a-b");
	/* cut at a '-' to fit */
	assert_string_equal(
	    derived("Thủ tục cấp giấy chứng nhận quyền sử dụng đất quyền sở "
		    "hữu nhà ở và tài sản khác gắn liền với đất lần đầu"),
	    "thu-tuc-cap-giay-chung-nhan-quyen-su-dung-dat-quyen-so-huu-nha-o");
	assert_int_equal(strlen(derived("Thủ tục cấp giấy chứng nhận quyền "
					"sử dụng đất quyền sở hữu nhà ở và")),
	    64);
	/* ... unless the first word alone is longer */
	assert_string_equal(derived("abcdefghijklmnopqrstuvwxyzabcdefghijklmn"
				    "opqrstuvwxyzabcdefghijklmnopqrstuvwxyz x"),
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl");
	/* exactly 64, then a separator: no cut needed */
	assert_string_equal(derived("abcdefghijklmnopqrstuvwxyzabcdefghijkl "
				    "mnopqrstuvwxyzabcdefghij. more"),
	    "abcdefghijklmnopqrstuvwxyzabcdefghijkl-mnopqrstuvwxyzabcdefghij");
	/* a smaller buffer */
	targets_derive_id("Sở Y tế Hà Nội", small, sizeof(small));
	assert_string_equal(small, "so-y-te");
	targets_derive_id("Hà Nội", small, sizeof(small));
	assert_string_equal(small, "ha-noi");
}

static void
test_ids(void **state)
{
	struct target_list   *tl;
	const struct ctarget *t;

	(void)state;
	/* equal titles: -2, -3; a given id placed first, whatever its row */
	tl = good("ids.csv",
	    "title,url,group,id\n"
	    "Cấp giấy phép xây dựng,https://a.example/,Sở Xây dựng,\n"
	    "Cấp giấy phép xây dựng,https://b.example/,Sở Xây dựng,\n"
	    "Cấp giấy phép xây dựng,https://c.example/,Sở Xây dựng,\n"
	    "Other,https://d.example/,,cap-giay-phep-xay-dung-2\n"
	    "Portal,https://e.example/,,Portal.v2_x\n",
	    NULL);
	assert_int_equal(tl->n, 5);
	assert_string_equal(tl->v[0].id, "cap-giay-phep-xay-dung");
	assert_string_equal(tl->v[1].id, "cap-giay-phep-xay-dung-3");
	assert_string_equal(tl->v[2].id, "cap-giay-phep-xay-dung-4");
	assert_string_equal(tl->v[3].id, "cap-giay-phep-xay-dung-2");
	assert_int_equal(tl->v[3].id_given, 1);
	assert_int_equal(tl->v[0].id_given, 0);
	assert_string_equal(tl->v[4].id, "Portal.v2_x");
	t = targets_find(tl, "cap-giay-phep-xay-dung-3");
	assert_ptr_equal(t, &tl->v[1]);
	assert_string_equal(t->url, "https://b.example/");
	assert_null(targets_find(tl, "cap-giay-phep"));
	assert_null(targets_find(NULL, "x"));
	assert_int_equal(table_count(tl->by_id), 5);
	targets_free(tl);

	/* a suffix that does not fit: the base is cut at a '-' */
	tl = good("long.csv",
	    "url,title,group\n"
	    "https://a.example/,Thủ tục cấp giấy chứng nhận quyền sử dụng đất "
	    "quyền sở hữu nhà ở,g\n"
	    "https://b.example/,Thủ tục cấp giấy chứng nhận quyền sử dụng đất "
	    "quyền sở hữu nhà ở,g\n",
	    NULL);
	assert_string_equal(tl->v[0].id,
	    "thu-tuc-cap-giay-chung-nhan-quyen-su-dung-dat-quyen-so-huu-nha-o");
	assert_string_equal(tl->v[1].id,
	    "thu-tuc-cap-giay-chung-nhan-quyen-su-dung-dat-quyen-so-huu-nha-2");
	targets_free(tl);

	/* 1,000 rows of one title stay unique (and linear) */
	{
		size_t cap = 1000 * 48 + 64, len = 0;
		char  *text = xmalloc(cap);

		len += (size_t)snprintf(text, cap, "url,title,group\n");
		for (int i = 0; i < 1000; i++)
			len += (size_t)snprintf(text + len, cap - len,
			    "https://h%d.example/,Một cửa,\n", i);
		tl = good("same.csv", text, NULL);
		assert_int_equal(tl->n, 1000);
		assert_int_equal(table_count(tl->by_id), 1000);
		assert_string_equal(tl->v[0].id, "mot-cua");
		assert_string_equal(tl->v[999].id, "mot-cua-1000");
		targets_free(tl);
		free(text);
	}
}

/* Rows without an id keep what prev gave their URL, else their title. */
static void
test_prev(void **state)
{
	struct target_list *v1, *v2, *v3, *v4;

	(void)state;
	v1 = good("prev.csv",
	    "url,title,group\n"
	    "https://a.example/,Cổng thông tin,Sở Y tế\n"
	    "https://b.example/,Cổng thông tin,Sở Tư pháp\n"
	    "https://c.example/,Dịch vụ công,Sở Tư pháp\n"
	    "https://d.example/,Một cửa,Sở Tư pháp\n",
	    NULL);
	assert_string_equal(v1->v[0].id, "cong-thong-tin");
	assert_string_equal(v1->v[1].id, "cong-thong-tin-2");
	assert_string_equal(v1->v[2].id, "dich-vu-cong");
	assert_string_equal(v1->v[3].id, "mot-cua");

	/* the same file: the same ids, with or without prev */
	v2 = good("prev.csv",
	    "url,title,group\n"
	    "https://a.example/,Cổng thông tin,Sở Y tế\n"
	    "https://b.example/,Cổng thông tin,Sở Tư pháp\n"
	    "https://c.example/,Dịch vụ công,Sở Tư pháp\n"
	    "https://d.example/,Một cửa,Sở Tư pháp\n",
	    v1);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(v2->v[i].id, v1->v[i].id);
	targets_free(v2);

	/*
	 * b's title changes (its URL keeps its id), c's URL changes (its
	 * title keeps its id), a new row with a's title comes first (a
	 * fresh id, a's stays), d goes.
	 */
	v2 = good("prev.csv",
	    "url,title,group\n"
	    "https://new.example/,Cổng thông tin,Sở Mới\n"
	    "https://a.example/,Cổng thông tin,Sở Y tế\n"
	    "https://b.example/,Cổng thông tin điện tử,Sở Tư pháp\n"
	    "https://c2.example/,Dịch vụ công,Sở Tư pháp\n",
	    v1);
	assert_string_equal(v2->v[0].id, "cong-thong-tin-3");
	assert_string_equal(v2->v[1].id, "cong-thong-tin");
	assert_string_equal(v2->v[2].id, "cong-thong-tin-2");
	assert_string_equal(v2->v[3].id, "dich-vu-cong");
	/* without prev, they would be derived afresh */
	v3 = good("prev.csv",
	    "url,title,group\n"
	    "https://new.example/,Cổng thông tin,Sở Mới\n"
	    "https://a.example/,Cổng thông tin,Sở Y tế\n"
	    "https://b.example/,Cổng thông tin điện tử,Sở Tư pháp\n"
	    "https://c2.example/,Dịch vụ công,Sở Tư pháp\n",
	    NULL);
	assert_string_equal(v3->v[0].id, "cong-thong-tin");
	assert_string_equal(v3->v[2].id, "cong-thong-tin-dien-tu");
	targets_free(v3);

	/*
	 * A target of prev whose URL is still listed is never taken by
	 * title, even when its row now gives an id; an id prev gave is not
	 * kept when a given id has it now.
	 */
	v3 = good("prev.csv",
	    "url,title,group,id\n"
	    "https://a.example/,Cổng thông tin,Sở Y tế,portal\n"
	    "https://a2.example/,Cổng thông tin,Sở Y tế,\n"
	    "https://b.example/,Cổng thông tin điện tử,Sở Tư pháp,\n"
	    "https://c2.example/,Dịch vụ công,Sở Tư pháp,cong-thong-tin-2\n",
	    v2);
	assert_string_equal(v3->v[0].id, "portal");
	/* a2: a new URL; prev's "Cổng thông tin" targets are a (listed)
	 * and new.example (gone): it takes new.example's */
	assert_string_equal(v3->v[1].id, "cong-thong-tin-3");
	/* b: its URL's id is given to c2 now: derived */
	assert_string_equal(v3->v[2].id, "cong-thong-tin-dien-tu");
	assert_string_equal(v3->v[3].id, "cong-thong-tin-2");

	/* both title and URL change: a new id */
	v4 = good("prev.csv",
	    "url,title,group\n"
	    "https://z.example/,Hoàn toàn mới,\n",
	    v3);
	assert_string_equal(v4->v[0].id, "hoan-toan-moi");
	targets_free(v4);
	targets_free(v3);
	targets_free(v2);
	targets_free(v1);
}

/* the CSV form */

static void
test_csv_tolerated(void **state)
{
	struct target_list   *tl;
	const struct ctarget *t;
	struct cfg	      c;

	(void)state;
	/* a BOM, CRLF, headers in any case and order with spaces, quoted
	 * commas, quotes and line breaks, blank lines and blank rows, no
	 * final line break */
	tl = load("sheet.csv",
	    "\xef\xbb\xbf"
	    " Title , URL,Group,Probes,ID,Interval,Large_Path,Expect_Status\r\n"
	    "\r\n"
	    "\"Cổng \"\"một cửa\"\", Sở Y tế\",https://dvc.syt.example/,"
	    "Sở Y tế,\"p1\r\np2\",,300,/static/app.js,\"200, 301;302 \"\r\n"
	    ",,,,,,,\r\n"
	    "   \r\n"
	    "Dịch vụ công,  https://dvc.example/path?q=1  ,,,portal,,,\r\n"
	    "\"Quoted\"  ,\"https://x.example/\",\"\",\"\",\"\",\"\",\"\",\"\"",
	    NULL, &c);
	for (size_t i = 0; i < c.nerrs; i++)
		print_message("%s\n", c.errs[i]);
	assert_non_null(tl);
	cfg_close(&c);
	assert_int_equal(tl->n, 3);
	t = &tl->v[0];
	assert_string_equal(t->title, "Cổng \"một cửa\", Sở Y tế");
	assert_string_equal(t->url, "https://dvc.syt.example/");
	assert_string_equal(t->group, "Sở Y tế");
	assert_int_equal(t->nprobes, 2);
	assert_string_equal(t->probes[0], "p1");
	assert_string_equal(t->probes[1], "p2");
	assert_int_equal(t->interval_s, 300);
	assert_string_equal(t->large_path, "/static/app.js");
	assert_int_equal(t->nexpect_status, 3);
	assert_int_equal(t->expect_status[0], 200);
	assert_int_equal(t->expect_status[2], 302);
	assert_string_equal(t->id, "cong-mot-cua-so-y-te");
	assert_int_equal(t->line, 3);
	t = &tl->v[1];
	assert_string_equal(t->id, "portal");
	assert_string_equal(t->url, "https://dvc.example/path?q=1");
	assert_string_equal(t->group, "");
	assert_null(t->large_path);
	assert_int_equal(t->interval_s, 0);
	assert_int_equal(t->nexpect_status, 0);
	assert_int_equal(t->nprobes, 0);
	assert_int_equal(t->line, 7);
	assert_string_equal(tl->v[2].title, "Quoted");
	assert_int_equal(tl->v[2].line, 8);
	assert_int_equal(tl->col_probes, 4);
	targets_free(tl);

	/* blank rows before the header */
	tl = good("lead.csv",
	    ",,\n\n  ,  \nurl,title,group\nhttps://a.example/,A,G\n", NULL);
	assert_int_equal(tl->n, 1);
	assert_int_equal(tl->v[0].line, 5);
	targets_free(tl);

	/* the three required columns alone; a header and no rows */
	tl = good("min.csv", "url,title,group\nhttps://a.example/,A,G\n", NULL);
	assert_int_equal(tl->n, 1);
	assert_int_equal(tl->col_probes, 0);
	targets_free(tl);
	tl = good("empty-list.csv", "url,title,group\n", NULL);
	assert_int_equal(tl->n, 0);
	targets_free(tl);
	/* a ".CSV" is CSV too */
	tl = good("upper.CSV", "url,title,group\nhttps://a.example/,A,G\n",
	    NULL);
	targets_free(tl);
}

static void
test_csv_bad(void **state)
{
	char title[TARGET_TITLE_MAX + 2];

	(void)state;
	fails("utf8.csv",
	    "url,title,group\n"
	    "https://a.example/,ok,g\n"
	    "https://b.example/,bad \xc3\x28 title,g\n"
	    "https://c.example/,overlong \xc0\xaf,g\n"
	    "https://d.example/,surrogate \xed\xa0\x80,g\n"
	    "https://e.example/,t,Sở \xff\n",
	    "utf8.csv:3:2: title: not valid UTF-8",
	    "utf8.csv:4:2: title: not valid UTF-8",
	    "utf8.csv:5:2: title: not valid UTF-8",
	    "utf8.csv:6:3: group: not valid UTF-8", NULL);
	fails("ctrl.csv",
	    "url,title,group\n"
	    "https://a.example/,tab\there,g\n"
	    "https://b.example/,\"two\nlines\",g\n"
	    "https://c.example/,t,\"c1 \xc2\x85 ctrl\"\n"
	    "https://d.example/,t,del\x7f\n",
	    "ctrl.csv:2:2: title: holds a control character",
	    "ctrl.csv:3:2: title: holds a control character",
	    "ctrl.csv:5:3: group: holds a control character",
	    "ctrl.csv:6:3: group: holds a control character", NULL);
	fails("fields.csv",
	    "id,url,title,group\n"
	    "a,https://a.example/,A,G,extra\n"
	    "b,https://b.example/,B\n"
	    "c,https://c.example/,\"multi-line\n"
	    "field\",G,x\n",
	    "fields.csv:2:5: the row has 5 fields, the header 4",
	    "fields.csv:3:3: the row has 3 fields, the header 4",
	    "fields.csv:5:5: the row has 5 fields, the header 4", NULL);
	fails("empty.csv",
	    "url,title,group\n"
	    ",A,G\n"
	    "https://b.example/,,G\n"
	    "https://c.example/,\"\",G\n",
	    "empty.csv:2:1: url: empty; every target needs one",
	    "empty.csv:3:2: title: empty; every target needs one",
	    "empty.csv:4:2: title: empty", NULL);
	fails("url.csv",
	    "title,url,group\n"
	    "A,ftp://a.example/,G\n"
	    "B,https://user:pw@b.example/,G\n"
	    "C,https:///path,G\n"
	    "D,https://d.example/a b,G\n"
	    "E,portal.example,G\n"
	    "F,https://[fe80::1%25eth0]/,G\n"
	    "G,https://g..example/,G\n"
	    "H,https://-h.example/,G\n"
	    "I,http://i.example:0/,G\n"
	    "J,https://xn--a.example/,G\n"
	    "K,HTTPS://k.example/,G\n",
	    "url.csv:2:2: url: 'ftp://a.example/' must start with http:// or "
	    "https://",
	    "url.csv:3:2: url: 'https://user:pw@b.example/' must not carry a "
	    "user name or password",
	    "url.csv:4:2: url: 'https:///path' has no host name",
	    "url.csv:5:2: url: 'https://d.example/a b' must not contain spaces",
	    "url.csv:6:2: url: 'portal.example' must start with http://",
	    "url.csv:7:2: url: 'https://[fe80::1%25eth0]/' IPv6 zone ids are "
	    "not allowed",
	    "url.csv:8:2: url: 'https://g..example/' the host name has an "
	    "empty label",
	    "url.csv:9:2: url: 'https://-h.example/' a label of the host name "
	    "starts or ends with '-'",
	    "url.csv:10:2: url: 'http://i.example:0/' ",
	    "url.csv:11:2: url: 'https://xn--a.example/' the host name is not "
	    "a valid internationalised name",
	    "url.csv:12:2: url: 'HTTPS://k.example/' must start with http://",
	    NULL);
	memset(title, 'x', sizeof(title));
	title[TARGET_TITLE_MAX + 1] = '\0';
	{
		char text[1024];

		snprintf(text, sizeof(text),
		    "url,title,group\n"
		    "https://a.example/,%.*s,G\n"
		    "https://b.example/,%s,G\n",
		    TARGET_TITLE_MAX, title, title);
		fails("long.csv", text,
		    "long.csv:3:2: title: 257 bytes, longer than 256", NULL);
	}
	fails("id.csv",
	    "id,url,title,group\n"
	    "-x,https://a.example/,A,G\n"
	    "a b,https://b.example/,B,G\n"
	    "Sở,https://c.example/,C,G\n"
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm,"
	    "https://d.example/,D,G\n"
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl,"
	    "https://e.example/,E,G\n",
	    "id.csv:2:1: id: '-x' must start with a letter or digit",
	    "id.csv:3:1: id: 'a b' may contain only letters, digits",
	    "id.csv:4:1: id: 'Sở' may contain only letters, digits",
	    "id.csv:5:1: id: 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu"
	    "vwxyzabcdefgh...' longer than 64 characters",
	    NULL);
	fails("values.csv",
	    "url,title,group,interval,large_path,expect_status,probes\n"
	    "https://a.example/,A,G,9,,,\n"
	    "https://b.example/,B,G,86401,,,\n"
	    "https://c.example/,C,G,5m,app.js,,\n"
	    "https://d.example/,D,G,,/a b,99,\n"
	    "https://e.example/,E,G,,,200 600,\n"
	    "https://f.example/,F,G,,,200 201 202 203 204 205 206 207 208 209 "
	    "210 211 212 213 214 215 216,\n"
	    "https://g.example/,G,G,,,,p1 -p2\n"
	    "https://h.example/,H,G,,,200 201 202 203 204 205 206 207 208 209 "
	    "210 211 212 213 214 215,hn-vnpt-1;hcm.fpt_2\n",
	    "values.csv:2:4: interval: '9' is not a number of seconds 10..86400",
	    "values.csv:3:4: interval: '86401' is not a number of seconds",
	    "values.csv:4:4: interval: '5m' is not a number",
	    "values.csv:4:5: large_path: 'app.js' must start with '/'",
	    "values.csv:5:5: large_path: holds spaces",
	    "values.csv:5:6: expect_status: '99' is not an HTTP status code",
	    "values.csv:6:6: expect_status: '600' is not an HTTP status code",
	    "values.csv:7:6: expect_status: more than 16 status codes",
	    "values.csv:8:7: probes: '-p2' is not a probe's name", NULL);
	{
		static const char nul[] = "url,title,group\n"
					  "https://a.example/,A\0B,G\n";
		struct cfg	  c;

		memset(&c, 0, sizeof(c));
		assert_null(targets_load(wr("nul.csv", nul, sizeof(nul) - 1),
		    NULL, &c));
		assert_int_equal(c.nerrs, 1);
		assert_string_equal(err(&c, 0),
		    "nul.csv:2:2: title: holds a NUL byte (is the file text?)");
		cfg_close(&c);
	}
}

static void
test_csv_header(void **state)
{
	(void)state;
	fails("unknown.csv",
	    "url,title,group,owner,Sở\n"
	    "https://a.example/,A,G,x,y\n",
	    "unknown.csv:1:4: header: unknown column 'owner' (the columns: "
	    "url, title and group; optional: id, interval, large_path, "
	    "expect_status, probes)",
	    "unknown.csv:1:5: header: unknown column 'Sở'", NULL);
	fails("missing.csv",
	    "url,title\n"
	    "https://a.example/,A\n",
	    "missing.csv:1:1: header: no 'group' column", NULL);
	fails("twice.csv",
	    "url,title,group,URL\n"
	    "https://a.example/,A,G,x\n",
	    "twice.csv:1:4: header: column 'url' is also column 1", NULL);
	fails("noname.csv", "url,title,,group\n",
	    "noname.csv:1:3: header: column 3 has no name", NULL);
	fails("semicolon.csv", "url;title;group\nhttps://a.example/;A;G\n",
	    "semicolon.csv:1:1: header: unknown column 'url;title;group' (the "
	    "columns: url, title and group; optional: id, interval, "
	    "large_path, expect_status, probes); separate the columns with "
	    "','",
	    "semicolon.csv:1:1: header: no 'url' column",
	    "semicolon.csv:1:1: header: no 'title' column",
	    "semicolon.csv:1:1: header: no 'group' column", NULL);
	{
		char text[512] = "url,title,group";

		for (int i = 4; i <= 70; i++)
			strcat(text, ",x");
		struct cfg c;

		assert_null(load("wide.csv", text, NULL, &c));
		assert_int_equal(c.nerrs, 62);
		assert_string_equal(err(&c, 0),
		    "wide.csv:1:4: header: unknown column 'x' (the columns: "
		    "url, title and group; optional: id, interval, large_path, "
		    "expect_status, probes)");
		assert_string_equal(err(&c, 61),
		    "wide.csv:1:65: header: more than 64 columns (the columns: "
		    "url, title and group; optional: id, interval, large_path, "
		    "expect_status, probes)");
		cfg_close(&c);
	}
	fails("nothing.csv", "", "nothing.csv: no header", NULL);
	fails("blank.csv", "\r\n\n  \n", "blank.csv: no header", NULL);
	fails("utf16.csv", "\xff\xfeu\0r\0l\0",
	    "utf16.csv:1:1: the file is UTF-16; save it as UTF-8", NULL);
}

static void
test_csv_quotes(void **state)
{
	(void)state;
	/* the line where the unclosed field began */
	fails("open.csv",
	    "url,title,group\n"
	    "https://a.example/,A,G\n"
	    "https://b.example/,\"B,G\n"
	    "https://c.example/,C,G\n",
	    "open.csv:3:2: title: the quote that opens this field is never "
	    "closed",
	    NULL);
	fails("stray.csv",
	    "url,title,group\n"
	    "https://a.example/,say \"hi\",G\n",
	    "stray.csv:2:2: title: a field holding a quote must be quoted "
	    "whole",
	    NULL);
	fails("after.csv",
	    "url,title,group\n"
	    "https://a.example/,A,G\n"
	    "\n"
	    "https://b.example/,\"B\nb\" x,G\n",
	    "after.csv:4:2: title: a quote in a quoted field must be doubled",
	    NULL);
	fails("hdr.csv", "url,\"title,group\n",
	    "hdr.csv:1:2: header: the quote that opens this field is never "
	    "closed",
	    NULL);
	/* a field past TARGETS_FIELD_MAX: an unclosed quote, most likely */
	{
		size_t n = TARGETS_FIELD_MAX + 2 * 65536;
		char  *text = xmalloc(n + 64);
		int    k;

		k = snprintf(text, 64,
		    "url,title,group\nhttps://a.example/,\"");
		memset(text + k, 'x', n);
		text[k + (int)n] = '\0';
		fails("huge.csv", text,
		    "huge.csv:2:2: title: the field that starts here is longer "
		    "than 64 KiB",
		    NULL);
		free(text);
	}
}

static void
test_csv_duplicates(void **state)
{
	char   text[8192];
	size_t len = 0;

	(void)state;
	/* rows 2..41; "portal" on 12 and 40, the URL of 20 again on 30 */
	len = 0;
	len += (size_t)snprintf(text + len, sizeof(text) - len,
	    "id,title,url,group\n");
	for (int i = 2; i <= 41; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s,T%d,https://h%d.example/,G\n",
		    i == 12 || i == 40 ? "portal" : "", i, i == 30 ? 20 : i);
	fails("dup.csv", text,
	    "dup.csv:30:3: url 'https://h20.example/' is also on line 20",
	    "dup.csv:40:1: id 'portal' is also on line 12", NULL);
	/* the same URL written otherwise: a duplicate too */
	fails("dup2.csv",
	    "url,title,group\n"
	    "https://Portal.Example,A,G\n"
	    "https://portal.example:443/,B,G\n",
	    "dup2.csv:3:1: url 'https://portal.example:443/' is also on line 2",
	    NULL);
}

/* One bad row or a hundred: every problem, up to CFG_MAX_ERRORS. */
static void
test_csv_many_errors(void **state)
{
	struct target_list *tl;
	struct cfg	    c;
	char		   *text = xmalloc(200 * 32 + 64);
	size_t		    len = 0;

	(void)state;
	len += (size_t)sprintf(text, "url,title,group\n");
	for (int i = 0; i < 150; i++)
		len += (size_t)sprintf(text + len, "ftp://h%d/,T,G\n", i);
	tl = load("many.csv", text, NULL, &c);
	assert_null(tl);
	assert_int_equal(c.nerrs, CFG_MAX_ERRORS);
	assert_int_equal(c.dropped, 50);
	assert_string_equal(err(&c, 0),
	    "many.csv:2:1: url: 'ftp://h0/' must start with http:// or "
	    "https://");
	assert_string_equal(err(&c, 99),
	    "many.csv:101:1: url: 'ftp://h99/' must start with http:// or "
	    "https://");
	cfg_close(&c);
	free(text);
}

static void
test_csv_limits(void **state)
{
	struct target_list *tl;
	struct cfg	    c;
	const char	   *path;
	char		   *text;
	size_t		    len = 0, cap = (size_t)(TARGETS_MAX + 1) * 32 + 64;
	FILE		   *f;

	(void)state;
	/* more than TARGETS_FILE_MAX bytes (sparse) */
	path = wr("big.csv", "url,title,group\n", -1);
	assert_int_equal(truncate(path, TARGETS_FILE_MAX + 1), 0);
	memset(&c, 0, sizeof(c));
	assert_null(targets_load(path, NULL, &c));
	assert_int_equal(c.nerrs, 1);
	assert_string_equal(err(&c, 0), "big.csv: larger than 64 MiB");
	cfg_close(&c);

	/* TARGETS_MAX rows load, one more does not */
	text = xmalloc(cap);
	len += (size_t)snprintf(text, cap, "url,title,group\n");
	for (int i = 0; i < TARGETS_MAX; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "http://h%d.example/,T,\n", i);
	tl = good("max.csv", text, NULL);
	assert_int_equal(tl->n, TARGETS_MAX);
	assert_int_equal(table_count(tl->by_id), TARGETS_MAX);
	targets_free(tl);
	path = wr("over.csv", text, (ssize_t)len);
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "\nhttp://one-more.example/,T,\n");
	fclose(f);
	memset(&c, 0, sizeof(c));
	assert_null(targets_load(path, NULL, &c));
	assert_int_equal(c.nerrs, 1);
	assert_string_equal(err(&c, 0),
	    "over.csv:200003:1: more than 200000 targets; a list holds at most "
	    "200000");
	cfg_close(&c);
	free(text);
}

/* the libconfig form */

static void
test_conf_form(void **state)
{
	struct target_list   *tl;
	const struct ctarget *t;

	(void)state;
	tl = good("targets.conf",
	    "# the central list, libconfig form\n"
	    "targets = (\n"
	    "  { id = \"portal\"; title = \"Cổng dịch vụ công – Sở Y tế\";\n"
	    "    url = \"https://dvc.syt.example/\"; group = \"Sở Y tế\";\n"
	    "    interval = 300; large_path = \"/static/app.js\";\n"
	    "    expect_status = [ 200, 301 ]; probes = [ \"p1\", \"p2\" ]; },\n"
	    "  { title = \"Sở Tư pháp\"; url = \"https://stp.example/\"; }\n"
	    ");\n",
	    NULL);
	assert_int_equal(tl->n, 2);
	t = &tl->v[0];
	assert_string_equal(t->id, "portal");
	assert_int_equal(t->id_given, 1);
	assert_string_equal(t->group, "Sở Y tế");
	assert_int_equal(t->interval_s, 300);
	assert_int_equal(t->nexpect_status, 2);
	assert_int_equal(t->expect_status[1], 301);
	assert_int_equal(t->nprobes, 2);
	assert_int_equal(t->line, 3);
	t = &tl->v[1];
	assert_string_equal(t->id, "so-tu-phap");
	assert_string_equal(t->group, "");
	assert_int_equal(t->line, 7);
	targets_free(tl);

	fails("bad.conf",
	    "targets = (\n"
	    "  { title = \"A\"; url = \"ftp://a/\"; },\n"
	    "  { url = \"https://b.example/\"; owner = \"x\"; },\n"
	    "  { title = \"C\"; url = \"https://c.example/\"; interval = \"300\";\n"
	    "    expect_status = [ \"200\" ]; probes = [ \"a b\" ]; },\n"
	    "  { title = \"D\"; url = \"https://d.example/\"; id = \"x\";\n"
	    "    interval = 5; },\n"
	    "  { title = \"E\"; url = \"https://b.example\"; id = \"x\"; },\n"
	    "  \"not a group\"\n"
	    ");\n",
	    "bad.conf:2: targets[0].url: 'ftp://a/' must start with http://",
	    "bad.conf:3: targets[1]: unknown setting 'owner'",
	    "bad.conf:3: targets[1].title: missing (required)",
	    "bad.conf:4: targets[2].interval: must be an integer",
	    "bad.conf:5: targets[2].expect_status[0]: must be an HTTP status "
	    "code",
	    "bad.conf:5: targets[2].probes[0]: must be a probe's name",
	    "bad.conf:7: targets[3].interval: '5' is not a number of seconds",
	    /* libconfig places a scalar on the line after it */
	    "bad.conf:10: targets[5]: must be a group", NULL);
	fails("dup.conf",
	    "targets = (\n"
	    "  { title = \"D\"; url = \"https://d.example/\"; id = \"x\"; },\n"
	    "  { title = \"E\"; url = \"https://d.example\"; id = \"x\"; }\n"
	    ");\n",
	    "dup.conf:3: url 'https://d.example' is also on line 2",
	    "dup.conf:3: id 'x' is also on line 2", NULL);
	fails("syntax.conf", "targets = ( { title = \"A\" }\n",
	    "syntax.conf:2: syntax error", NULL);
	fails("noroot.conf", "other = 1;\n",
	    "noroot.conf:1: unknown setting 'other'",
	    "noroot.conf: targets: "
	    "missing",
	    NULL);
}

/*
 * The URL rules are the probe's: cfg_check_http_url(), url_target() (its
 * host name rules) and url_parse().
 */
static void
test_url_rules(void **state)
{
	static const char *const urls[] = {"https://portal.example/",
	    "http://portal.example:8080/a?b=c#d", "https://[2001:db8::1]/",
	    "https://[2001:db8::1]:8443/x", "http://198.51.100.7/",
	    "https://dịchvụcông.example/", "https://xn--dchvcng-yya.example/",
	    "https://a_b.example/", "https://portal.example./",
	    "ftp://portal.example/", "https://user@portal.example/",
	    "https://:pw@portal.example/", "https:///x", "https://",
	    "https://[fe80::1%25eth0]/", "https://a..example/",
	    "https://-a.example/", "https://a-.example/",
	    "http://portal.example:0/", "http://portal.example:65536/",
	    "http://portal.example:99999999999/", "https://xn--a.example/",
	    "https://a.example/ b", "https://a\x01.example/",
	    "https://a%20b.example/", "https://[2001:db8::1/",
	    "https://abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz012345"
	    "67890.example/",
	    "https://\xe2\x98\x83.example/", "https://exa$mple.example/",
	    "http://portal.example:/"};
	char			 text[1024];

	(void)state;
	for (size_t i = 0; i < NELEM(urls); i++) {
		struct target_list *tl;
		struct cfg	    c;
		char		    why[256], out[2100], shown[2100];
		int		    probe_ok;

		probe_ok = cfg_check_http_url(urls[i]) == NULL &&
		    url_target(urls[i], out, sizeof(out), shown, sizeof(shown),
			why, sizeof(why)) == 0;
		snprintf(text, sizeof(text), "url,title,group\n\"%s\",T,G\n",
		    urls[i]);
		tl = load("rules.csv", text, NULL, &c);
		if ((tl != NULL) != probe_ok)
			fail_msg("%s: the probe says %s, the list %s", urls[i],
			    probe_ok ? "good" : why,
			    tl != NULL ? "good" : c.errs[0]);
		targets_free(tl);
		cfg_close(&c);
	}
}

/* a probe's view */

static void
test_json(void **state)
{
	struct target_list *tl, *tl2;
	char  *body, *body2, etag[TARGETS_ETAG_SIZE], etag2[TARGETS_ETAG_SIZE];
	size_t len, len2;
	cJSON *doc, *arr, *t;
	const char *csv =
	    "id,title,url,group,interval,large_path,expect_status,probes\n"
	    "portal,Cổng dịch vụ công – Sở Y tế,https://dvc.syt.example/,"
	    "Sở Y tế,300,/static/app.js,200 301,\n"
	    ",Chỉ p2,https://p2.example/,,,,,p2\n"
	    ",\"Cả \"\"hai\"\"\",https://both.example/,,,,,p1 p2\n";

	(void)state;
	tl = good("json.csv", csv, NULL);
	assert_true(targets_for_probe(&tl->v[0], "p1"));
	assert_true(targets_for_probe(&tl->v[0], "anyone"));
	assert_false(targets_for_probe(&tl->v[1], "p1"));
	assert_true(targets_for_probe(&tl->v[1], "p2"));
	assert_true(targets_for_probe(&tl->v[2], "p1"));
	assert_false(targets_for_probe(&tl->v[2], "p3"));

	assert_int_equal(targets_json(tl, "p1", &body, &len, etag,
			     sizeof(etag)),
	    0);
	assert_int_equal(len, strlen(body));
	assert_string_equal(body,
	    "{\"version\":1,\"probe\":\"p1\",\"targets\":["
	    "{\"id\":\"portal\",\"title\":\"Cổng dịch vụ công – Sở Y tế\","
	    "\"url\":\"https://dvc.syt.example/\",\"group\":\"Sở Y tế\","
	    "\"interval\":300,\"large_path\":\"/static/app.js\","
	    "\"expect_status\":[200,301]},"
	    "{\"id\":\"ca-hai\",\"title\":\"Cả \\\"hai\\\"\","
	    "\"url\":\"https://both.example/\"}]}");
	/* ETag: a quoted hash of 32 hex digits */
	assert_int_equal(strlen(etag), 34);
	assert_int_equal(etag[0], '"');
	assert_int_equal(etag[33], '"');
	assert_int_equal(strspn(etag + 1, "0123456789abcdef"), 32);

	/* p2: its own targets, in the file's order */
	assert_int_equal(targets_json(tl, "p2", &body2, &len2, etag2,
			     sizeof(etag2)),
	    0);
	doc = cJSON_Parse(body2);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(doc, "probe")->valuestring,
	    "p2");
	arr = cJSON_GetObjectItem(doc, "targets");
	assert_int_equal(cJSON_GetArraySize(arr), 3);
	t = cJSON_GetArrayItem(arr, 1);
	assert_string_equal(cJSON_GetObjectItem(t, "id")->valuestring,
	    "chi-p2");
	assert_null(cJSON_GetObjectItem(t, "group"));
	assert_null(cJSON_GetObjectItem(t, "interval"));
	assert_null(cJSON_GetObjectItem(t, "probes"));
	cJSON_Delete(doc);
	assert_string_not_equal(etag, etag2);
	free(body2);

	/* stable: built again, or from the same file loaded again */
	assert_int_equal(targets_json(tl, "p1", &body2, &len2, etag2,
			     sizeof(etag2)),
	    0);
	assert_string_equal(etag, etag2);
	free(body2);
	tl2 = good("json.csv", csv, tl);
	assert_int_equal(targets_json(tl2, "p1", &body2, &len2, etag2,
			     sizeof(etag2)),
	    0);
	assert_string_equal(body, body2);
	assert_string_equal(etag, etag2);
	free(body2);
	targets_free(tl2);
	/* ... and changes with the body */
	tl2 = good("json.csv",
	    "id,title,url,group,interval,large_path,expect_status,probes\n"
	    "portal,Cổng dịch vụ công – Sở Y Tế,https://dvc.syt.example/,"
	    "Sở Y tế,300,/static/app.js,200 301,\n",
	    tl);
	assert_int_equal(targets_json(tl2, "p1", &body2, &len2, etag2,
			     sizeof(etag2)),
	    0);
	assert_string_not_equal(etag, etag2);
	free(body2);
	targets_free(tl2);
	free(body);

	/* no list: no targets */
	assert_int_equal(targets_json(NULL, "p1", &body, &len, etag,
			     sizeof(etag)),
	    0);
	assert_string_equal(body,
	    "{\"version\":1,\"probe\":\"p1\",\"targets\":[]}");
	free(body);
	/* too small for the ETag */
	assert_int_equal(targets_json(tl, "p1", &body, &len, etag, 34), -1);
	assert_null(body);
	targets_free(tl);
}

/* collector.conf */

static void
test_collector_conf(void **state)
{
	struct collector_conf *cc;
	struct cfg	       c;
	char		       conf[1024];

	(void)state;
	assert_int_equal(chmod(wr("p1.token", "token-one\n", -1), 0600), 0);
	assert_int_equal(chmod(wr("p2.token", "token-two\n", -1), 0600), 0);
	snprintf(conf, sizeof(conf),
	    "collector = { name = \"t\"; data_dir = \"%s\"; user = \"nobody\";"
	    " targets_file = \"cc.csv\"; };\n"
	    "probes = ( { name = \"p1\"; token_file = \"p1.token\"; },\n"
	    "           { name = \"p2\"; token_file = \"p2.token\"; } );\n",
	    tmpdir);
	wr("cc.conf", conf, -1);

	wr("cc.csv",
	    "url,title,group,probes\n"
	    "https://a.example/,A,G,p1\n"
	    "https://b.example/,B,G,p9 p1\n",
	    -1);
	memset(&c, 0, sizeof(c));
	snprintf(conf, sizeof(conf), "%s/cc.conf", tmpdir);
	cc = collector_conf_load(conf, NULL, &c);
	assert_non_null(cc);
	assert_non_null(cc->targets);
	assert_int_equal(cc->targets->n, 2);
	/* resolved against the config's folder */
	assert_memory_equal(cc->targets_file, tmpdir, strlen(tmpdir));
	/* a probe collector.conf does not know: a warning */
	assert_int_equal(c.nwarns, 1);
	assert_non_null(strstr(c.warns[0],
	    "/cc.csv:3:4: probes: 'p9' is not a probe of the collector's "
	    "config"));
	cfg_close(&c);

	/* a reload keeps the ids of the list before (prev) */
	wr("cc.csv",
	    "url,title,group\n"
	    "https://a.example/,A renamed,G\n",
	    -1);
	{
		struct collector_conf *nc;

		memset(&c, 0, sizeof(c));
		nc = collector_conf_load(conf, cc->targets, &c);
		assert_non_null(nc);
		assert_string_equal(nc->targets->v[0].id, "a");
		collector_conf_free(nc);
		cfg_close(&c);
	}
	collector_conf_free(cc);

	/* every problem of the CSV is the config's */
	wr("cc.csv",
	    "url,title,group\n"
	    "https://a.example/,A,G\n"
	    "https://a.example/,B,G\n"
	    "ftp://c/,C,G\n",
	    -1);
	memset(&c, 0, sizeof(c));
	cc = collector_conf_load(conf, NULL, &c);
	assert_null(cc);
	assert_int_equal(c.nerrs, 2);
	assert_string_equal(err(&c, 0),
	    "cc.csv:4:1: url: 'ftp://c/' must start with http:// or https://");
	assert_string_equal(err(&c, 1),
	    "cc.csv:3:1: url 'https://a.example/' is also on line 2");
	cfg_close(&c);

	/* no targets_file: no list */
	snprintf(conf, sizeof(conf),
	    "collector = { name = \"t\"; data_dir = \"%s\"; user = \"nobody\";"
	    " };\nprobes = ( );\n",
	    tmpdir);
	wr("none.conf", conf, -1);
	snprintf(conf, sizeof(conf), "%s/none.conf", tmpdir);
	memset(&c, 0, sizeof(c));
	cc = collector_conf_load(conf, NULL, &c);
	assert_non_null(cc);
	assert_null(cc->targets);
	collector_conf_free(cc);
	cfg_close(&c);
}

/*
 * A province's list: 1,805 services of 30 departments (Vietnamese titles,
 * many the same in several departments) load with unique ids.
 */
static void
test_province(void **state)
{
	static const char *const depts[] = {"Sở Y tế", "Sở Tư pháp",
	    "Sở Giáo dục và Đào tạo", "Sở Xây dựng", "Sở Tài chính",
	    "Sở Kế hoạch và Đầu tư", "Sở Tài nguyên và Môi trường",
	    "Sở Giao thông vận tải", "Sở Công Thương",
	    "Sở Nông nghiệp và Phát triển nông thôn",
	    "Sở Lao động – Thương binh và Xã hội",
	    "Sở Văn hóa, Thể thao và Du lịch", "Sở Thông tin và Truyền thông",
	    "Sở Khoa học và Công nghệ", "Sở Nội vụ", "Sở Ngoại vụ",
	    "Thanh tra tỉnh", "Ban Dân tộc", "UBND huyện Đông Anh",
	    "UBND huyện Sóc Sơn", "UBND quận Ba Đình", "UBND quận Hoàn Kiếm",
	    "UBND thị xã Sơn Tây", "Công an tỉnh", "Bảo hiểm xã hội tỉnh",
	    "Cục Thuế tỉnh", "Kho bạc Nhà nước tỉnh", "Đài Phát thanh",
	    "Văn phòng UBND tỉnh", "Trung tâm Phục vụ hành chính công"};
	static const char *const services[] =
	    {"Cấp giấy phép xây dựng nhà ở riêng lẻ", "Đăng ký khai sinh",
		"Cấp phiếu lý lịch tư pháp", "Đăng ký thành lập doanh nghiệp",
		"Cấp chứng chỉ hành nghề y", "Cổng dịch vụ công",
		"Tra cứu hồ sơ", "Thanh toán trực tuyến",
		"Cấp giấy chứng nhận quyền sử dụng đất", "Đăng ký kết hôn",
		"Chứng thực bản sao từ bản chính", "Cấp đổi giấy phép lái xe",
		"Công bố sản phẩm", "Cổng thông tin điện tử",
		"Hệ thống một cửa điện tử", "Thủ tục hành chính – Hướng dẫn",
		"Phản ánh kiến nghị", "Đặt lịch hẹn trực tuyến",
		"Cấp mã số thuế cá nhân", "Thư điện tử công vụ"};
	size_t		    cap = 1805 * 200 + 128, len = 0;
	char		   *text = xmalloc(cap);
	struct target_list *tl;
	char		    url[128];

	(void)state;
	len += (size_t)snprintf(text, cap, "title,url,group,probes\r\n");
	for (int i = 0; i < 1805; i++) {
		const char *d = depts[i % NELEM(depts)];
		const char *s = services[(i / NELEM(depts)) % NELEM(services)];

		snprintf(url, sizeof(url),
		    "https://dv%d.s%02zu.tinh.example/%s", i, i % NELEM(depts),
		    i % 7 == 0 ? "dich-vu?ma=1" : "");
		len += (size_t)snprintf(text + len, cap - len,
		    "\"%s\",%s,\"%s\",%s\r\n", s, url, d,
		    i % 10 == 0 ? "p1" : "");
	}
	tl = good("province.csv", text, NULL);
	assert_int_equal(tl->n, 1805);
	assert_int_equal(table_count(tl->by_id), 1805);
	for (size_t i = 0; i < tl->n; i++) {
		assert_null(cfg_check_name(tl->v[i].id));
		assert_ptr_equal(targets_find(tl, tl->v[i].id), &tl->v[i]);
	}
	assert_string_equal(tl->v[0].id,
	    "cap-giay-phep-xay-dung-nha-o-rieng-le");
	assert_string_equal(tl->v[1].id,
	    "cap-giay-phep-xay-dung-nha-o-rieng-le-2");
	assert_string_equal(tl->v[0].group, "Sở Y tế");
	targets_free(tl);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_derive),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_prev),
	    cmocka_unit_test(test_csv_tolerated),
	    cmocka_unit_test(test_csv_bad),
	    cmocka_unit_test(test_csv_header),
	    cmocka_unit_test(test_csv_quotes),
	    cmocka_unit_test(test_csv_duplicates),
	    cmocka_unit_test(test_csv_many_errors),
	    cmocka_unit_test(test_csv_limits),
	    cmocka_unit_test(test_conf_form),
	    cmocka_unit_test(test_url_rules),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_collector_conf),
	    cmocka_unit_test(test_province),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
