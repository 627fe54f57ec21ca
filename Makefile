# v6watch: one non-recursive GNU Makefile.
#
#   make                 build probe/v6probe and collector/v6collector
#   make test            install missing packages, build, run every test
#   make check           unit tests only
#   make SANITIZE=1 ...  the same with AddressSanitizer + UBSan (build/san/)
#   make memcheck        unit tests under valgrind
#   make lint            clang-format --dry-run, cppcheck, mandoc -Tlint
#   make deb             Debian packages into build/deb/ (dpkg-buildpackage)
#   make pot             po/v6watch.pot from the sources (xgettext)
#   make demo | bench | fuzz | install | clean
#
# `make test` calls $(MAKE) once after installing packages, so that
# pkg-config sees them; nothing else recurses.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
# install's folders; the Debian packages set UNITDIR and DOCDIR (debian/rules)
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/v6watch
UNITDIR   ?= $(PREFIX)/lib/systemd/system
# The catalogues (po/LANG.po -> LOCALEDIR/LANG/LC_MESSAGES/v6watch.mo); the
# binaries read them there unless V6WATCH_LOCALEDIR says otherwise
LOCALEDIR ?= $(PREFIX)/share/locale
SANITIZE  ?= 0
CC        ?= cc

PKGS      := libcurl libcares libpcap librrd libcjson libmicrohttpd libconfig \
             openssl libidn2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
PKG_MISSING := $(shell for p in $(PKGS); do pkg-config --exists $$p 2>/dev/null || \
                 printf '%s ' $$p; done)
# http_parser and libcsv have no pkg-config file: look for their headers
PKG_MISSING += $(shell echo '\#include <http_parser.h>' | $(CC) -E -x c - >/dev/null 2>&1 || \
                 echo libhttp-parser-dev)
PKG_MISSING += $(shell echo '\#include <csv.h>' | $(CC) -E -x c - >/dev/null 2>&1 || \
                 echo libcsv-dev)
# msgfmt and xgettext: the catalogues (gettext)
PKG_MISSING += $(shell command -v msgfmt >/dev/null 2>&1 || echo gettext)

WARN      := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wvla -Wimplicit-fallthrough
HARDEN    := -fstack-protector-strong -fPIE
OPT       ?= -O2 -g

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

ifeq ($(SANITIZE),1)
B         := build/san
OPT       := -O1 -g -fno-omit-frame-pointer
SANFLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all
BIN_PROBE := $(B)/bin/v6probe
BIN_COLL  := $(B)/bin/v6collector
else
B         := build
HARDEN    += -D_FORTIFY_SOURCE=2
SANFLAGS  :=
BIN_PROBE := probe/v6probe
BIN_COLL  := collector/v6collector
endif

ALL_CFLAGS := -std=c17 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(SANFLAGS) \
              -MMD -MP -I. -Icommon $(PKG_CFLAGS) \
              -DV6WATCH_VERSION='"$(VERSION)"' $(CFLAGS)
# capture.c loads libpcap by its SONAME when a capture starts
PCAP_SONAME := $(shell objdump -p "$$(pkg-config --variable=libdir libpcap 2>/dev/null)/libpcap.so" \
                 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }')
ifneq ($(PCAP_SONAME),)
$(B)/probe/capture.o: ALL_CFLAGS += -DPCAP_SONAME='"$(PCAP_SONAME)"'
# collector/publish/ (the published site) includes the collector's headers
$(B)/collector/%.o $(B)/tests/%.o: ALL_CFLAGS += -Icollector
endif
# where the catalogues are installed (common/i18n.c)
$(B)/common/i18n.o: ALL_CFLAGS += -DLOCALEDIR='"$(LOCALEDIR)"'
ALL_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SANFLAGS) $(LDFLAGS)
# http_parser (libhttp-parser-dev) ships no pkg-config file
LIBS      := $(PKG_LIBS) -lhttp_parser -lm
# libcsv (libcsv-dev, no pkg-config file either): the collector's target
# list (collector/targets.c), so the collector and the unit tests
COLL_LIBS := -lcsv

COMMON_SRC    := $(sort $(wildcard common/*.c))
PROBE_SRC     := $(filter-out probe/v6probe.c,$(sort $(wildcard probe/*.c)))
COLLECTOR_SRC := $(filter-out collector/v6collector.c,$(sort $(wildcard collector/*.c collector/publish/*.c)))
TEST_SRC      := $(sort $(wildcard tests/unit/test_*.c))
# What every unit test program links besides its own file (tmpdir.c).
TEST_LIB_SRC  := $(filter-out $(TEST_SRC),$(sort $(wildcard tests/unit/*.c)))

obj = $(patsubst %.c,$(B)/%.o,$(1))
LIB_COMMON    := $(B)/libcommon.a
LIB_PROBE     := $(B)/libprobe.a
LIB_COLLECTOR := $(B)/libcollector.a
TEST_BINS     := $(patsubst tests/unit/%.c,$(B)/unit/%,$(TEST_SRC))
# Helpers the integration tests build (servers that misbehave on purpose).
TOOL_SRC      := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS     := $(patsubst tests/tools/%.c,$(B)/tools/%,$(TOOL_SRC))

# Translations: po/LANG.po, one catalogue each, always in build/locale
# (SANITIZE=1 too); the sources' strings in po/v6watch.pot.
PO_LANGS := $(patsubst po/%.po,%,$(wildcard po/*.po))
MO_FILES := $(foreach l,$(PO_LANGS),build/locale/$(l)/LC_MESSAGES/v6watch.mo)

.PHONY: all test check memcheck lint demo bench fuzz install clean deps rootcheck \
        tools integration pkgcheck deb pot po-check
.DEFAULT_GOAL := all
.SECONDARY:

all: $(BIN_PROBE) $(BIN_COLL) $(MO_FILES)

build/locale/%/LC_MESSAGES/v6watch.mo: po/%.po | pkgcheck
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MSGFMT  $<")
	$(Q)msgfmt --check -o $@ $<

# The template, regenerated from the sources (then msgmerge each .po).
pot:
	po/xgettext.sh po/v6watch.pot

# Every string of the sources has a translation in every po/LANG.po: none
# missing, untranslated or fuzzy (tests/po-check.sh).
po-check: $(MO_FILES)
	@tests/po-check.sh

$(B)/%.o: %.c | pkgcheck
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_COMMON): $(call obj,$(COMMON_SRC))
	@rm -f $@
	$(Q)ar rcs $@ $^
$(LIB_PROBE): $(call obj,$(PROBE_SRC))
	@rm -f $@
	$(Q)ar rcs $@ $^
$(LIB_COLLECTOR): $(call obj,$(COLLECTOR_SRC))
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BIN_PROBE): $(call obj,probe/v6probe.c) $(LIB_PROBE) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
$(BIN_COLL): $(call obj,collector/v6collector.c) $(LIB_COLLECTOR) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COLL_LIBS) $(LIBS)

$(B)/unit/%: $(B)/tests/unit/%.o $(call obj,$(TEST_LIB_SRC)) $(LIB_PROBE) \
    $(LIB_COLLECTOR) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COLL_LIBS) $(LIBS) $(CMOCKA_LIBS)

$(B)/tools/%: $(B)/tests/tools/%.o $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

tools: $(TOOL_BINS)

# Say which libraries are missing instead of failing on a header.
pkgcheck:
ifneq ($(strip $(PKG_MISSING)),)
	@echo "make: pkg-config cannot find: $(strip $(PKG_MISSING))" >&2
	@echo "make: install the development packages with 'contrib/install-deps.sh'" \
	    "(as root), or run 'make test' or 'make demo', which do" >&2
	@exit 1
endif

# Packages: installed only when something is missing.
deps:
	@contrib/install-deps.sh --check >/dev/null 2>&1 || contrib/install-deps.sh

export V6PROBE    = $(abspath $(BIN_PROBE))
export V6COLLECTOR = $(abspath $(BIN_COLL))
export V6TOOLS    = $(abspath $(B)/tools)
export V6BUILD    = $(abspath $(B))
# the tree's catalogues, for the tests
export V6WATCH_LOCALEDIR = $(abspath build/locale)

check: $(TEST_BINS) all po-check
	@tests/run-tests.sh --unit $(TEST_BINS)

memcheck: $(TEST_BINS) $(MO_FILES)
	@tests/run-tests.sh --valgrind $(TEST_BINS)

integration: all tools
	@tests/run-tests.sh --integration

# The integration tests build network namespaces and start nginx, dnsmasq
# and the daemons as root: without root they could only be skipped, and a
# run that skips them must not look like a pass.
rootcheck:
	@if [ "$$(id -u)" -ne 0 ]; then \
	    echo "make test: needs root (the integration tests make network" \
	        "namespaces and start the daemons as root); run it as root," \
	        "or 'make check' for the unit tests alone" >&2; exit 1; fi

test: rootcheck deps
	@$(MAKE) --no-print-directory all tools $(TEST_BINS) po-check
	@tests/run-tests.sh --unit $(TEST_BINS) --integration

lint:
	clang-format --dry-run --Werror $(wildcard common/*.[ch] probe/*.[ch] collector/*.[ch] collector/publish/*.[ch] tests/unit/*.[ch] tests/tools/*.c tests/fuzz/*.c)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --suppress=missingIncludeSystem \
	    -I common -I collector -D V6WATCH_VERSION='"$(VERSION)"' common probe collector
	mandoc -Tlint -Wwarning $(wildcard man/*.[0-9])
	tests/include-cycles.py
	tests/man-keys.sh
	tests/po-check.sh

# The whole pipeline against a lab in network namespaces (root), ~2 min.
demo: deps
	@$(MAKE) --no-print-directory all tools
	@contrib/demo.sh

# Benchmarks (not in CI): every bench/bench-*.sh, results in bench/RESULTS.md.
bench: all tools
	@bench/run.sh

# Fuzzing for a bounded time: every tests/fuzz/fuzz_*.c (libFuzzer, clang).
fuzz:
	@tests/fuzz/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/v6watch/examples \
	    $(DESTDIR)$(PREFIX)/share/v6watch/contrib $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d \
	    $(DESTDIR)$(PREFIX)/lib/tmpfiles.d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BIN_PROBE) $(BIN_COLL) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 configs/*.conf configs/services.csv $(DESTDIR)$(PREFIX)/share/v6watch/examples/
	install -m 0644 README.md docs/DESIGN.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 contrib/webhook-* $(DESTDIR)$(PREFIX)/share/v6watch/contrib/
	install -m 0644 man/v6watch.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/v6probe.8 man/v6collector.8 $(DESTDIR)$(MANDIR)/man8/
	for u in v6probe v6collector; do \
	    sed 's|/usr/bin/v6|$(PREFIX)/bin/v6|g; s|/usr/share/doc/v6watch/|$(DOCDIR)/|' \
	        contrib/$$u.service >$(DESTDIR)$(UNITDIR)/$$u.service; done
	install -m 0644 contrib/v6watch.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/v6watch.conf
	install -m 0644 contrib/v6watch.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/v6watch.conf
	for l in $(PO_LANGS); do \
	    install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
	    install -m 0644 build/locale/$$l/LC_MESSAGES/v6watch.mo \
	        $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/; done

# Debian packages (v6watch-common, -probe, -collector) into DEB_DIR. They
# are built from a copy of the tree in DEB_DIR/src, because dpkg-buildpackage
# writes next to the source and its clean step would remove build/ itself
# (so DEB_DIR lies under build/ or outside the tree). The unit tests are not
# run again (make check does); DEB_BUILD_OPTIONS=parallel=2 runs them too.
DEB_DIR ?= build/deb
DEB_BUILD_OPTIONS ?= nocheck parallel=2
deb:
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || { \
	    echo "make deb: debian/changelog is at $$v, the Makefile's VERSION is" \
	        "$(VERSION): add a changelog entry (dch -v $(VERSION))" >&2; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src/v6watch-$(VERSION)
	tar -cf - --exclude=./build --exclude=./.git \
	    --exclude=./probe/v6probe --exclude=./collector/v6collector . | \
	    tar -xf - -C $(DEB_DIR)/src/v6watch-$(VERSION)
	cd $(DEB_DIR)/src/v6watch-$(VERSION) && \
	    DEB_BUILD_OPTIONS='$(DEB_BUILD_OPTIONS)' dpkg-buildpackage -us -uc -b
	find $(DEB_DIR)/src -maxdepth 1 -type f -exec mv {} $(DEB_DIR)/ \;
	rm -rf $(DEB_DIR)/src
	@ls $(DEB_DIR)/*.deb

clean:
	rm -rf build probe/v6probe collector/v6collector

-include $(shell find $(B) -name '*.d' 2>/dev/null)
