# ipclab - see README.md.
#
#   make          build bin/ipclab (a static PIE; LINK=dynamic: against libc.so)
#   make demo     run every demo (builds first)
#   make test     build the tests with AddressSanitizer + UBSan and run them
#   make bench    the main job: demos, benchmarks and plots
#   make deps     install the Debian packages the project needs (as root)
#   make netlab   TCP and UDP across a lossy veth link between two namespaces (root)
#   make fuzz     run every libFuzzer target FUZZ_SECONDS (60) seconds each

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE
INCS    := -Isrc -Iinet -Ibench -Ififo
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c)) \
           pipe/pipe.c fifo/fifo.c unix_stream/unix_stream.c unix_dgram/unix_dgram.c \
           inet/inet_addr.c inet/tcp.c inet/udp.c $(wildcard bench/*.c) \
           socketpair/socketpair.c mqueue/mqueue.c shm/shm.c
TESTS   := $(basename $(notdir $(wildcard tests/test_*.c)))

# `make V=1` shows the full compiler command lines.
Q       := $(if $(V),,@)
REL     := build/release
ASAN    := build/asan

.PHONY: all demo test valgrind bench deps deps-test deps-bench clean FORCE
.PHONY: netlab
all: bin/ipclab

# One object tree per flavour, so a sanitized build never mixes with a plain one.
$(REL)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(WARN) $(INCS) $(CFLAGS) -MMD -MP -c $< -o $@
$(ASAN)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(WARN) $(INCS) -O1 -g $(SAN) -MMD -MP -c $< -o $@

# How bin/ipclab is linked.  static (the default): a static PIE, with no
# dynamic loader to run at every start, which takes about 0.2 ms off every
# `ipclab` command (a quarter of `true`'s whole fork+exec+exit, see
# docs/BENCHMARKS.md) while keeping address-space randomisation.
# dynamic: against libc.so, as most programs are.  `make valgrind` always
# uses a dynamic build: valgrind cannot follow malloc in a static one.
LINK    ?= static
ifeq ($(LINK),static)
LDLINK  := -static-pie -lm
else ifeq ($(LINK),dynamic)
LDLINK  := -Wl,-Bstatic -lm -Wl,-Bdynamic
else
$(error LINK=$(LINK): use LINK=static or LINK=dynamic)
endif
GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# envinfo.c records how bin/ipclab was built in every result file.  The
# stamp holds those flags: a change of CFLAGS, LINK or revision rebuilds it.
BUILD_INFO := CFLAGS=$(CFLAGS) LINK=$(LINK) REV=$(GIT_REV)
$(REL)/build-info: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = '$(BUILD_INFO)' ] || echo '$(BUILD_INFO)' >$@
$(REL)/bench/envinfo.o: $(REL)/build-info
$(REL)/bench/envinfo.o: INCS += -DIPCLAB_CFLAGS='"$(CFLAGS)"' \
	-DIPCLAB_LINK='"$(LINK)"' -DIPCLAB_GIT_REV='"$(GIT_REV)"'

REL_LIB  := $(LIB_SRC:%.c=$(REL)/%.o)
ASAN_LIB := $(LIB_SRC:%.c=$(ASAN)/%.o)

# Every release object depends on the flags it was built with, so that a
# change of CFLAGS rebuilds them all and the results record the flags the
# binary really has (not only envinfo.o's).
BUILD_FLAGS := CFLAGS=$(CFLAGS)
$(REL)/build-flags: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = '$(BUILD_FLAGS)' ] || echo '$(BUILD_FLAGS)' >$@
$(REL_LIB) $(REL)/src/main.o: $(REL)/build-flags

# A static link makes glibc print that getaddrinfo() "requires at run time
# the shared libraries from the glibc version used for linking".  That holds
# only for name services outside glibc: "files" and "dns", the ones
# /etc/nsswitch.conf names for hosts on Debian, are built into libc.a since
# glibc 2.34.  The recipe drops that one note and passes every other
# linker message through.
bin/ipclab: $(REL_LIB) $(REL)/src/main.o
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@ ($(LINK))")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLINK) 2>$(REL)/link.log; rc=$$?; \
	  grep -v -e "in function .inet_address_parse.:$$" \
	    -e "Using 'getaddrinfo' in statically linked" $(REL)/link.log >&2; \
	  exit $$rc

# The same objects linked against libc.so, for valgrind.
$(REL)/ipclab-dynamic: $(REL_LIB) $(REL)/src/main.o
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lm

$(ASAN)/bin/ipclab: $(ASAN_LIB) $(ASAN)/src/main.o
	@mkdir -p $(@D)
	$(CC) $(SAN) -o $@ $^ -lm

$(ASAN)/tests/%: $(ASAN)/tests/%.o $(ASAN)/tests/support.o $(ASAN_LIB)
	$(CC) $(SAN) -o $@ $^ $(TEST_LDFLAGS) -lcmocka -lm

# The suites that script system-call faults (tests/fault.h) are linked with
# these calls of the project's code wrapped by tests/fault.c; nothing else is.
FAULT_CALLS := read write send recv sendto recvmsg accept4 connect socket open \
	       poll select epoll_wait clock_gettime
FAULT_TESTS := test_faults test_io test_mux
$(foreach d,$(ASAN) $(REL),$(FAULT_TESTS:%=$(d)/tests/%)): TEST_LDFLAGS = \
	$(foreach f,$(FAULT_CALLS),-Wl,--wrap=$(f))
$(FAULT_TESTS:%=$(ASAN)/tests/%): $(ASAN)/tests/fault.o
$(FAULT_TESTS:%=$(REL)/tests/%): $(REL)/tests/fault.o
$(ASAN)/tests/support.o: tests/support.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(WARN) $(INCS) -Itests -O1 -g $(SAN) -MMD -MP -c $< -o $@
$(ASAN)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(WARN) $(INCS) -Itests -O1 -g $(SAN) -MMD -MP -c $< -o $@

demo: bin/ipclab
	./bin/ipclab demo

# The main job (bench/run.sh, docs/BENCHMARKS.md): the demos, the benchmarks
# and the plots, into results/<UTC time>/ (results/latest: the newest).
# QUICK=1 runs every step with few iterations, in under a minute (CI).
QUICK ?=
bench: bin/ipclab $(REL)/ipclab-dynamic deps-bench
	QUICK=$(QUICK) IPCLAB_DYNAMIC=$(CURDIR)/$(REL)/ipclab-dynamic bash bench/run.sh

# Two hosts in one machine (bench/netlab.sh, docs/NETLAB.md): TCP and UDP
# across a veth link, clean, then lossy, delayed, reordering, duplicating.
# As root; otherwise it says so and does nothing.  QUICK=1: under a minute.
netlab: bin/ipclab
	QUICK=$(QUICK) bash bench/netlab.sh

# The test programs without sanitizers (valgrind cannot run ASan's).
.PRECIOUS: $(REL)/tests/%.o
$(REL)/tests/%: $(REL)/tests/%.o $(REL)/tests/support.o $(REL_LIB)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(TEST_LDFLAGS) -lcmocka -lm

# The demos under valgrind, children included, then every test suite with
# the servers it forks (the ipclab it runs as a user would is the demos'
# own, and runs natively here): any invalid access or leak fails.
# IPCLAB_VALGRIND=1 tells the suites that everything runs ten times slower:
# they wait longer and make their heaviest loads lighter.
VG := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
valgrind: $(REL)/ipclab-dynamic $(TESTS:%=$(REL)/tests/%)
	@scripts/deps.sh valgrind
	$(VG) --trace-children=yes ./$(REL)/ipclab-dynamic demo
	@failed=""; for t in $(TESTS); do \
		echo "== valgrind $$t"; \
		IPCLAB_BIN=$(CURDIR)/$(REL)/ipclab-dynamic IPCLAB_VALGRIND=1 \
		  $(VG) $(REL)/tests/$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED under valgrind:$$failed"; exit 1; fi; \
	echo "all $(words $(TESTS)) test suites clean under valgrind"

deps:
	scripts/deps.sh test bench valgrind
deps-test:
	@scripts/deps.sh test
deps-bench:
	@scripts/deps.sh bench

# Each suite is its own program: cmocka prints its summary per suite, and
# every failing suite is named at the end.
test: deps-test
	@$(MAKE) --no-print-directory $(ASAN)/bin/ipclab $(TESTS:%=$(ASAN)/tests/%)
	@failed=""; for t in $(TESTS); do \
		echo "== $$t"; \
		IPCLAB_BIN=$(CURDIR)/$(ASAN)/bin/ipclab ASAN_OPTIONS=detect_leaks=1 \
		  $(ASAN)/tests/$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED suites:$$failed"; exit 1; fi; \
	echo "all $(words $(TESTS)) test suites passed"

# Fuzzing (fuzz/, docs in fuzz/run.sh): libFuzzer targets built with clang,
# ASan and UBSan.  `make fuzz FUZZ_SECONDS=N` runs each target N seconds and
# prints executions and crashes per target; it fails if any crashed.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(basename $(notdir $(wildcard fuzz/fuzz_*.c)))
FUZZ     := build/fuzz
FUZZ_CC  := clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIB := $(LIB_SRC:%.c=$(FUZZ)/%.o)
$(FUZZ)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC fuzz $<")
	$(Q)$(FUZZ_CC) $(WARN) $(INCS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ)/fuzz_%: $(FUZZ)/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(FUZZ_LDFLAGS) -o $@ $^ -lm
# Host names would go to DNS: this target resolves numeric hosts only.
$(FUZZ)/fuzz_address: FUZZ_LDFLAGS := -Wl,--wrap=getaddrinfo
.SECONDARY: $(FUZZ_LIB) $(FUZZ_TARGETS:%=$(FUZZ)/fuzz/%.o)
.PHONY: fuzz deps-fuzz
deps-fuzz:
	@scripts/deps.sh fuzz
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FUZZ)/%)
	@sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)

# The lab (lab/README.md): exercises generated from the reference solutions.
#   make lab              your exercise files in lab/work/ (an existing file is kept)
#   make lab-check        grade lab/work/; SOLUTION=1 grades lab/solution/
#   make lab-test         the checker checked: solutions 100 %, skeletons 0 %
#                         and never hang, wrong programs never pass
LAB_EX  := pipe fifo unix_stream unix_dgram tcp udp
SOLUTION ?=
.PHONY: lab lab-check lab-skel lab-test
build/lab/skel/%.c: lab/solution/%.c lab/mkskel.awk
	@mkdir -p $(@D)
	$(Q)awk -f lab/mkskel.awk $< >$@.tmp && mv $@.tmp $@
lab-skel: $(LAB_EX:%=build/lab/skel/%.c)
lab: lab-skel
	@mkdir -p lab/work
	@for x in $(LAB_EX); do \
		if [ -e lab/work/$$x.c ]; then echo "kept     lab/work/$$x.c (yours)"; \
		else cp build/lab/skel/$$x.c lab/work/$$x.c && echo "created  lab/work/$$x.c"; fi; \
	done
lab-check: $(if $(SOLUTION),,lab)
	@scripts/deps.sh lab
	@bash lab/check.sh $(if $(SOLUTION),--solution)
lab-test: lab-skel
	@scripts/deps.sh lab
	@bash lab/test_lab.sh

# The real system calls of each demo under strace, made stable and compared
# with the references in lab/traces/ (UPDATE=1 rewrites them).
UPDATE ?=
.PHONY: trace
trace: bin/ipclab
	@scripts/deps.sh lab
	@bash lab/trace.sh $(if $(UPDATE),--update)

# The lab's handout: one self-contained HTML page in build/handout/, with the
# reference run's plots (lab/figures/) or those of PLOTS=results/latest.
PLOTS ?=
.PHONY: handout handout-test
handout:
	@scripts/deps.sh lab
	@bash lab/handout.sh $(PLOTS)
# Every command the handout shows exists, every transcript matches, and the
# page passes a headless Chromium check (screenshots in build/handout/).
handout-test: bin/ipclab handout
	@perl lab/test_handout.pl lab/handout.md
	@bash lab/browser_check.sh
