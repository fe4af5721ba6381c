# veto - build, test, bench, demo, install.
#   make                  build/veto, build/vetod, build/libveto.a
#   make test             install missing packages, build, run every test
#   make unit | integ     only the unit or only the integration tests
#   make test SANITIZER=address|undefined|address,undefined
#   make fuzz             run every libFuzzer target for FUZZ_SECONDS each
#   make fuzz-replay      replay the committed corpora (what CI does)
#   make bench            benchmarks, figures printed (not asserted)
#   make soak             30 minutes of traffic and list swaps (not in CI)
#   make demo             the namespace demo with the bundled signed list
#   make install          PREFIX=/usr/local DESTDIR= (programs, man pages, conf)
#   make deb              the Debian package, in build/deb/
# V=1 shows the commands; WERROR=1 turns warnings into errors (CI).

PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
CC ?= cc
V ?= 0
WERROR ?= 0
SANITIZER ?=
FUZZ_SECONDS ?= 60

PKGS := libnetfilter_queue libmnl libcurl libcjson libcrypto libidn2 libpsl \
	libmicrohttpd libpcap libseccomp
# Read once, when make reads this file. Targets that install packages first
# (test, demo, ...) run `deps`, then a fresh $(MAKE), which reads them anew.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PKG_MISSING := $(shell pkg-config --exists $(PKGS) 2>/dev/null || echo yes)

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wwrite-strings -Wvla \
	-Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN += -Werror
endif

comma := ,
OPT ?= -O2 -g
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
BUILD := build
ifneq ($(SANITIZER),)
OPT := -O1 -g -fno-omit-frame-pointer
HARDEN :=
BUILD := build/san-$(subst $(comma),-,$(SANITIZER))
SANFLAGS := -fsanitize=$(SANITIZER) -fno-sanitize-recover=all
endif

CPPFLAGS += -Iinclude -D_GNU_SOURCE -DVETO_DATADIR='"$(PREFIX)/share/veto"'
CFLAGS += -std=c11 $(OPT) $(WARN) $(HARDEN) $(SANFLAGS) $(PKG_CFLAGS) -pthread
LDFLAGS += $(SANFLAGS) -pthread -pie -Wl,-z,relro,-z,now
LDLIBS += $(PKG_LIBS) -lcap

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS := $(filter-out daemon/vetod/main.c,$(wildcard daemon/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(wildcard tests/integ/*.c) $(wildcard tests/bench/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/%.c=$(BUILD)/tests/%)
LIB := $(BUILD)/libveto.a

all: build-deps $(BUILD)/veto $(BUILD)/vetod

# Plain `make` on a machine without the -dev packages: one line that says
# which command installs them, instead of a compiler error.
build-deps:
ifeq ($(PKG_MISSING),yes)
	@echo "veto: build packages missing: run 'tests/deps.sh build' as root (or: make deps)" >&2; exit 1
endif

$(BUILD)/daemon/serve/stoppage_builtin.o: conf/stoppage.html
$(BUILD)/%.o: %.c $(wildcard include/*/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/veto: $(TOOL_OBJS) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(LIB) $(LDLIBS)

$(BUILD)/vetod: $(BUILD)/daemon/vetod/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit -Idaemon $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

# test_fetch runs a local HTTPS server (OpenSSL's libssl)
$(BUILD)/tests/test_fetch: LDLIBS += -lssl

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

tests-build: all $(UNIT_BINS) $(HELPER_BINS)

deps:
	@tests/deps.sh

# Each target below installs what is missing first, then builds in a new
# $(MAKE) so the pkg-config flags are read after the install.
SUBMAKE = $(MAKE) --no-print-directory WERROR=$(WERROR) SANITIZER=$(SANITIZER)

unit: deps
	@$(SUBMAKE) tests-build
	@tests/run.sh --build $(BUILD) --unit

integ: deps
	@$(SUBMAKE) tests-build
	@tests/run.sh --build $(BUILD) --integ

test: deps
	@$(SUBMAKE) tests-build
	@tests/run.sh --build $(BUILD) --unit --integ

# libFuzzer targets: clang; each harness #includes the file under test (for
# its static functions) and links the rest from a clang-built archive.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB := build/fuzz/libveto.a
FUZZ_OBJS := $(LIB_SRCS:%.c=build/fuzz/%.o)
FUZZ_SAN := address,undefined
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -Iinclude -Idaemon -D_GNU_SOURCE \
	-DFUZZING -std=c11 -pthread $(PKG_CFLAGS)

build/fuzz/%.o: %.c $(wildcard include/*/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC(fuzz) $<")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@$(if $(Q),echo "  FUZZ    $<")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< $(FUZZ_LIB) $(PKG_LIBS) -lcap

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	@$(SUBMAKE) fuzz-build
	@tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-replay: deps
	@$(SUBMAKE) fuzz-build
	@tests/fuzz/run.sh --replay $(FUZZ_BINS)

bench: deps
	@$(SUBMAKE) all bench-build
	@tests/bench/run.sh --build $(BUILD)

bench-build: $(HELPER_BINS)

# 30 minutes of mixed traffic through vetod, a new list every 30 s (not in
# CI): SOAK_SECONDS, SOAK_SWAP, SOAK_ENTRIES
soak: deps
	@$(SUBMAKE) all bench-build
	@VETO_BUILD=$(BUILD) bash tests/bench/soak.sh

demo: deps
	@$(SUBMAKE) all
	@tests/integ/demo.sh --build $(BUILD)

# The unit names the installed programs: /usr in the file, PREFIX here.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
		$(DESTDIR)$(PREFIX)/share/veto $(DESTDIR)/etc/veto \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/veto $(DESTDIR)$(PREFIX)/bin/veto
	install -m 0755 $(BUILD)/vetod $(DESTDIR)$(PREFIX)/sbin/vetod
	install -m 0644 conf/stoppage.html conf/veto.nft \
		conf/veto.conf $(DESTDIR)$(PREFIX)/share/veto/
	install -m 0644 conf/prometheus/veto-rules.yml \
		conf/prometheus/veto-rules.test.yml conf/grafana/veto.json \
		$(DESTDIR)$(PREFIX)/share/veto/
	sed -e 's|/usr/sbin/vetod |$(PREFIX)/sbin/vetod |' \
		-e 's|/usr/bin/veto |$(PREFIX)/bin/veto |' conf/vetod.service \
		>$(DESTDIR)$(PREFIX)/share/veto/vetod.service
	install -m 0644 man/veto.conf.5 man/veto-list.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/veto.8 man/vetod.8 $(DESTDIR)$(MANDIR)/man8/
	test -e $(DESTDIR)/etc/veto/veto.conf || \
		install -m 0640 conf/veto.conf $(DESTDIR)/etc/veto/veto.conf
	test -e $(DESTDIR)/etc/veto/never-block.txt || \
		install -m 0644 conf/never-block.txt $(DESTDIR)/etc/veto/never-block.txt

# The Debian package (debian/), built by dpkg-buildpackage in a copy of
# this tree, which is then removed: the tree stays as it was, and the
# package's build (PREFIX=/usr) never mixes with build/. The .deb, and the
# .buildinfo and .changes, land in build/deb/.
deb:
	@tests/deps.sh deb
	$(Q)rm -rf build/deb && mkdir -p build/deb/src
	$(Q)tar -c --exclude=./build --exclude=./.git . | tar -x -C build/deb/src
	@echo "  DEB     build/deb (log: build/deb/build.log)"
	$(Q)cd build/deb/src && dpkg-buildpackage -b -uc -us -j2 \
		>../build.log 2>&1 || { tail -n 30 ../build.log; exit 1; }
	$(Q)rm -rf build/deb/src
	@ls build/deb/*.deb

clean:
	rm -rf build

.PHONY: all build-deps bench-build deps unit integ test tests-build fuzz fuzz-build fuzz-replay \
	bench demo install deb clean soak
.SECONDARY:
