# gw: one GNU Makefile for the four programs, their library and tests.
#
#   make                 build bin/gwctl (and every program that exists)
#   make check           C unit tests, then bats tests of the real binaries
#   make SANITIZE=1 ...  build with ASan and UBSan (objects in obj-san/)
#   make WERROR=1 ...    warnings are errors (CI does this)
#   make lint            mandoc -Tlint on man/, cppcheck on the sources
#   make deps            apt-get install what is missing (Debian 12)
#   make install PREFIX=/usr/local DESTDIR=

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
CC	?= cc

PKGS	 = sqlite3 jansson yaml-0.1 libsodium libevent libevent_pthreads \
	   libcurl
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Wpedantic -Wshadow -Wpointer-arith -Wcast-qual \
	   -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	   -Wformat=2 -Wformat-truncation=2 -Wwrite-strings -Wvla \
	   -Wimplicit-fallthrough -Wundef -Wnull-dereference \
	   -Wold-style-definition -Wredundant-decls
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
	   -Icommon $(PKG_CFLAGS) -MMD -MP
LDLIBS	+= $(PKG_LIBS) -lhttp_parser -lpthread -lm

ifeq ($(WERROR),1)
CFLAGS	+= -Werror
endif
ifeq ($(SANITIZE),1)
OBJ	 = obj-san
BIN	 = bin-san
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
else
OBJ	 = obj
BIN	 = bin
endif

COMMON_SRC	:= $(wildcard common/*.c)
COMMON_OBJ	:= $(COMMON_SRC:%.c=$(OBJ)/%.o)
LIBGW		:= $(OBJ)/libgw.a

# A program is built when its directory has a main.c.
PROGS		:= $(patsubst %/main.c,%,$(wildcard gw*/main.c))
PROG_BINS	:= $(PROGS:%=$(BIN)/%)

UNIT_SRC	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(UNIT_SRC:tests/unit/%.c=$(BIN)/tests/%)

MAN8	:= $(wildcard man/*.8)
MAN5	:= $(wildcard man/*.5)
MAN7	:= $(wildcard man/*.7)

.PHONY: all check unit bats lint deps install clean demo fuzz
# Keep objects make would see as intermediate (unit test objects).
.SECONDARY:
all: $(PROG_BINS) $(BIN)/gwbackend

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBGW): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

define prog_rule
$(BIN)/$(1): $$(patsubst %.c,$$(OBJ)/%.o,$$(wildcard $(1)/*.c)) $$(LIBGW)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

# gwbackend: the test and demo backend (tests/backend), not installed.
BACKEND_OBJ	:= $(patsubst %.c,$(OBJ)/%.o,$(wildcard tests/backend/*.c))
$(BIN)/gwbackend: $(OBJ)/tests/backend/backend.o $(BACKEND_OBJ) $(LIBGW)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter-out $(LIBGW),$(sort $^)) $(LIBGW) \
	    $(LDLIBS)

$(BIN)/tests/%: $(OBJ)/tests/unit/%.o $(LIBGW)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter-out $(LIBGW),$^) $(LIBGW) $(LDLIBS)
$(BIN)/tests/test_yamlio: $(OBJ)/gwctl/yamlio.o
$(BIN)/tests/test_route: $(OBJ)/gwproxy/route.o
$(BIN)/tests/test_lb: $(OBJ)/gwproxy/lb.o
$(BIN)/tests/test_stats: $(OBJ)/gwproxy/stats.o $(OBJ)/gwproxy/reply.o \
    $(OBJ)/gwproxy/route.o $(OBJ)/gwproxy/outlier.o $(OBJ)/gwproxy/breaker.o
$(BIN)/tests/test_outlier: $(OBJ)/gwproxy/outlier.o
$(BIN)/tests/test_hstate: $(OBJ)/gwhealth/hstate.o
$(BIN)/tests/test_hsched: $(OBJ)/gwhealth/sched.o
$(BIN)/tests/test_hresp: $(OBJ)/gwhealth/hresp.o
$(BIN)/tests/test_hpa: $(OBJ)/gwscale/hpa.o
$(BIN)/tests/test_sim: $(OBJ)/gwscale/sim.o $(OBJ)/gwscale/svg.o \
    $(OBJ)/gwscale/step.o $(OBJ)/gwscale/hpa.o
$(BIN)/tests/test_step: $(OBJ)/gwscale/step.o $(OBJ)/gwscale/hpa.o \
    $(OBJ)/gwscale/metrics.o $(OBJ)/gwscale/store.o
$(BIN)/tests/test_kubeconfig: $(OBJ)/gwscale/kubeconfig.o $(OBJ)/gwscale/kube.o

unit: $(UNIT_BINS)
	@GW_SKIP_BATS=1 tests/run $(UNIT_BINS)

check: all $(UNIT_BINS)
	@GW_BIN=$(CURDIR)/$(BIN) tests/run $(UNIT_BINS)

# make fuzz [FUZZ_SECONDS=60]: the libFuzzer target of common/http1.c
# (tests/fuzz), built with clang and ASan/UBSan, run for FUZZ_SECONDS on
# a copy of tests/fuzz/corpus (the copy in $(FUZZ_WORK) grows, the
# corpus in git does not) plus tests/fuzz/regress.  A crashing input is
# written to tests/fuzz/regress/, which `make check` replays
# (test_http1_regress); fix the bug and commit the input with the fix.
FUZZ_SECONDS	?= 60
FUZZ_CC		?= clang
FUZZ_WORK	 = obj/fuzz-corpus
FUZZ_CFLAGS	 = -g -O1 -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
		   -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icommon
fuzz:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	    echo "make fuzz: $(FUZZ_CC) not found;" \
	        "install it with: apt-get install clang" >&2; exit 1; }
	@mkdir -p bin $(FUZZ_WORK) tests/fuzz/regress
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o bin/fuzz_http1 tests/fuzz/fuzz_http1.c \
	    common/http1.c -lhttp_parser
	cp tests/fuzz/corpus/* $(FUZZ_WORK)/
	bin/fuzz_http1 -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -dict=tests/fuzz/http1.dict \
	    -artifact_prefix=tests/fuzz/regress/ \
	    $(FUZZ_WORK) tests/fuzz/regress

# Run inside man/ so mandoc finds our pages' references to each other;
# its notice that the system's mandoc.db predates a package says nothing
# about our pages.
lint:
	@out=$$(cd man && mandoc -Tlint -Wstyle $(notdir $(MAN8) $(MAN5) \
	    $(MAN7)) 2>&1 | grep -v -e 'outdated mandoc.db'); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --std=c11 -D__GNUC__ -Icommon \
	    -D'json_array_foreach(a,i,v)=for(i=0;(v=json_array_get(a,i));i++)' \
	    -D'json_object_foreach(o,k,v)=for(k=0;(v=json_object_get(o,k));)' \
	    --suppress=missingIncludeSystem common gwctl $(wildcard gwproxy/*.c gwhealth/*.c gwscale/*.c)

deps:
	@.ci/deps

# make demo [GW_DEMO_PORT=8080 GW_DEMO_ADMIN=9901]: installs what is
# missing, builds, then runs deploy/demo.sh: gwproxy on 127.0.0.1:8080 in
# front of gwbackend processes, with a throw-away database, until Ctrl-C.
# The build is a second make, so that it sees the pkg-config flags of
# packages .ci/deps has just installed.
demo:
	@.ci/deps build
	@$(MAKE) --no-print-directory all
	@GW_BIN=$(CURDIR)/$(BIN) deploy/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(PROG_BINS) $(DESTDIR)$(BINDIR)
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7

clean:
	rm -rf obj obj-san bin bin-san

-include $(shell find obj obj-san -name '*.d' 2>/dev/null)
