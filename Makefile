# ipclab - see README.md.
#
#   make          build bin/ipclab (a static PIE; LINK=dynamic: against libc.so)
#   make demo     run every demo (builds first)
#   make test     build the tests with AddressSanitizer + UBSan and run them
#   make mutate   plant mechanical bugs in MUTATE (a file or folder) one at a
#                 time and list the ones the tests miss
#   make bench    the main job: demos, benchmarks and plots
#   make netlab   TCP and UDP across a lossy veth link between two namespaces (root)
#   make fuzz     run every libFuzzer target FUZZ_SECONDS (60) seconds each
#   make deps     install the Debian packages the project needs (as root;
#                 it lists them first).  No other target installs anything.
#   make install  bin/ipclab, its man page, bash completion and the scripts
#                 it runs, under $(DESTDIR)$(PREFIX) (default /usr/local)
#   make dist     ipclab-VERSION.tar.gz; `make distcheck` builds, tests and
#                 installs it in an empty directory
#
# The usual variables are honoured: CC, CPPFLAGS, CFLAGS, LDFLAGS, PREFIX,
# DESTDIR.  WERROR=1 makes warnings errors (CI and developers; a user's
# newer compiler may warn where ours does not, so it is off by default).

VERSION := 0.1
CC      ?= cc
CFLAGS  ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
WERROR  ?=
WARN    := -std=gnu11 -Wall -Wextra $(if $(filter-out 0,$(WERROR)),-Werror) -D_GNU_SOURCE
# The layers: src/ (the core, and what `ipclab load` shares with the
# benchmarks: rows, statistics, the environment record), bench/ (measuring),
# analysis/ (reading and explaining a run).  Code names another folder's
# header by its folder ("analysis/analysis.h"); only the tests reach into
# bench/ and analysis/ by bare name (TEST_INCS).
INCS    := -I. -Isrc -Iinet -Ififo
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c)) \
           $(wildcard pipe/*.c fifo/*.c unix_stream/*.c unix_dgram/*.c inet/*.c) \
           $(wildcard socketpair/*.c mqueue/*.c shm/*.c) \
           $(wildcard bench/*.c) $(wildcard analysis/*.c)
# ZeroMQ (zmq/): in every program but the static bin/ipclab, which cannot
# link libzmq (src/zmq_handoff.c says why); bin/ipclab-zmq is the driver
# with them, and bin/ipclab hands it the commands that name them.
ZMQ_SRC  := $(wildcard zmq/*.c)
ZMQ_LIBS := -lzmq
TESTS   := $(basename $(notdir $(wildcard tests/test_*.c)))
# (among them tests/test_kill_*.c: behaviours pinned where `make mutate`
# found planted bugs no suite caught -- signals on every blocking call, the
# units of measured figures, descriptors given back on a failed start, the
# text report's layout)

# `make V=1` shows the full compiler command lines.
Q       := $(if $(V),,@)
REL     := build/release
ASAN    := build/asan

.PHONY: all demo test valgrind bench deps deps-test deps-bench clean FORCE \
	install uninstall man dist distcheck
.PHONY: netlab
all: bin/ipclab bin/ipclab-zmq

# One object tree per flavour, so a sanitized build never mixes with a plain one.
# The user's CFLAGS come after ours, so that they win (-O3, -Wno-...).
REL_CC   = $(CC) $(WARN) $(INCS) $(CPPFLAGS) $(CFLAGS)
ASAN_CC  = $(CC) $(WARN) $(INCS) $(CPPFLAGS) -O1 -g $(SAN)
$(REL)/%.o: %.c $(REL)/cc-flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(REL_CC) -MMD -MP -c $< -o $@
$(ASAN)/%.o: %.c $(ASAN)/cc-flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(ASAN_CC) -MMD -MP -c $< -o $@

# How bin/ipclab is linked.  static (the default): a static PIE, with no
# dynamic loader to run at every start (what that saves is measured in
# every `make bench`: the process table, list against list-dynamic) while
# keeping address-space randomisation.
# dynamic: against libc.so, as most programs are.  `make valgrind` always
# uses a dynamic build: valgrind cannot follow malloc in a static one.
LINK    ?= static
# io_uring (--mode uring, bench latency --io uring): liburing, whose
# liburing.a is a thin layer of system calls, so it links into the static
# program as well as into the others.
URING_LIBS := -luring
ifeq ($(LINK),static)
LDLINK  := -static-pie $(URING_LIBS) -lm
else ifeq ($(LINK),dynamic)
LDLINK  := -Wl,-Bstatic $(URING_LIBS) -lm -Wl,-Bdynamic
else
$(error LINK=$(LINK): use LINK=static or LINK=dynamic)
endif
# The revision: git's, or in a release tarball the REVISION file `make dist`
# wrote (a tarball unpacked inside another git tree must not take its rev).
# safe.directory: under `sudo make install`, in a tree root does not own,
# git must still answer, or the install would rebuild as "unknown".
GIT_REV := $(shell if [ -e .git ]; then \
	git -c safe.directory='$(CURDIR)' describe --always --dirty 2>/dev/null; \
	elif [ -f REVISION ]; then cat REVISION; fi)
GIT_REV := $(or $(GIT_REV),unknown)

# liburing-dev and libzmq3-dev: `make` says what is missing before the
# compiler fails on a header.
.PHONY: deps-build
deps-build:
	@scripts/deps.sh --check build
$(REL)/cc-flags: | deps-build

# Stamps: a file holding the flags a step ran with, rewritten only when they
# change.  Every object depends on its tree's compile flags, the binary on
# the link flags: `make CFLAGS=-O3` after `make` rebuilds everything.
# src/version.c alone carries the version, the revision and the flags into
# the program (`ipclab --version`, the environment record of every result),
# so a new commit recompiles that one file.
stamp = @mkdir -p $(@D); [ "$$(cat $@ 2>/dev/null)" = '$(1)' ] || echo '$(1)' >$@
$(REL)/cc-flags: FORCE
	$(call stamp,$(REL_CC))
$(ASAN)/cc-flags: FORCE
	$(call stamp,$(ASAN_CC))
$(REL)/ld-flags: FORCE
	$(call stamp,$(CC) $(CFLAGS) $(LDFLAGS) $(LDLINK))
$(REL)/version-info $(ASAN)/version-info: FORCE
	$(call stamp,$(VERSION) $(GIT_REV))
$(REL)/src/version.o: $(REL)/version-info $(REL)/ld-flags
$(ASAN)/src/version.o: $(ASAN)/version-info
cstr = "$(subst ",\",$(subst \,\\,$(strip $(1))))"
$(REL)/src/version.o: INCS += -DIPCLAB_VERSION='"$(VERSION)"' -DIPCLAB_GIT_REV='"$(GIT_REV)"' \
	-DIPCLAB_CFLAGS='$(call cstr,$(CPPFLAGS) $(CFLAGS) $(LDFLAGS))' -DIPCLAB_LINK='"$(LINK)"'
$(ASAN)/src/version.o: INCS += -DIPCLAB_VERSION='"$(VERSION)"' -DIPCLAB_GIT_REV='"$(GIT_REV)"' \
	-DIPCLAB_CFLAGS='$(call cstr,$(CPPFLAGS) -O1 -g $(SAN))' -DIPCLAB_LINK='"dynamic"'

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
bin/ipclab: $(REL_LIB) $(REL)/src/main.o $(REL)/ld-flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@ ($(LINK))")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLINK) 2>$(REL)/link.log; rc=$$?; \
	  grep -v -e "in function .inet_address_parse.:$$" \
	    -e "Using 'getaddrinfo' in statically linked" $(REL)/link.log >&2; \
	  exit $$rc

# The same objects and ZeroMQ's linked against the shared libraries: the
# driver with the ZeroMQ transports, and the build valgrind and the
# benchmarks run.
bin/ipclab-zmq: $(REL_LIB) $(ZMQ_SRC:%.c=$(REL)/%.o) $(REL)/src/main.o $(REL)/ld-flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@ (dynamic, libzmq)")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(URING_LIBS) $(ZMQ_LIBS) -lm
$(REL)/ipclab-dynamic: $(REL_LIB) $(ZMQ_SRC:%.c=$(REL)/%.o) $(REL)/src/main.o $(REL)/ld-flags
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(URING_LIBS) $(ZMQ_LIBS) -lm

$(ASAN)/bin/ipclab: $(ASAN_LIB) $(ZMQ_SRC:%.c=$(ASAN)/%.o) $(ASAN)/src/main.o
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(URING_LIBS) $(ZMQ_LIBS) -lm

$(ASAN)/tests/%.o $(REL)/tests/%.o: INCS += -Ibench -Ianalysis
.PRECIOUS: $(ASAN)/tests/%.o
$(ASAN)/tests/%: $(ASAN)/tests/%.o $(ASAN)/tests/support.o $(ASAN_LIB) $(ZMQ_SRC:%.c=$(ASAN)/%.o)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(TEST_LDFLAGS) -lcmocka $(URING_LIBS) $(ZMQ_LIBS) -lm

# The suites that script system-call faults (tests/fault.h) are linked with
# these calls of the project's code wrapped by tests/fault.c; nothing else is.
FAULT_CALLS := read write send recv sendto recvmsg accept4 connect socket open \
	       poll select epoll_wait clock_gettime
FAULT_TESTS := test_faults test_io test_mux test_lograte test_edges
$(foreach d,$(ASAN) $(REL),$(FAULT_TESTS:%=$(d)/tests/%)): TEST_LDFLAGS = \
	$(foreach f,$(FAULT_CALLS),-Wl,--wrap=$(f))
$(FAULT_TESTS:%=$(ASAN)/tests/%): $(ASAN)/tests/fault.o
$(FAULT_TESTS:%=$(REL)/tests/%): $(REL)/tests/fault.o
# test_uring cuts the io_uring server's sends and receives short in the
# submission queue, and interrupts its io_uring_enter(): its own wrapper.
$(ASAN)/tests/test_uring $(REL)/tests/test_uring: TEST_LDFLAGS = \
	-Wl,--wrap=io_uring_submit_and_wait_timeout
$(ASAN)/tests/support.o: tests/support.c $(ASAN)/cc-flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(ASAN_CC) -Itests -MMD -MP -c $< -o $@
$(ASAN)/tests/%.o: tests/%.c $(ASAN)/cc-flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(ASAN_CC) -Itests -MMD -MP -c $< -o $@

demo: bin/ipclab
	./bin/ipclab demo

# The main job (bench/run.sh, docs/BENCHMARKS.md): the demos, the benchmarks
# and the plots, into results/<UTC time>/ (results/latest: the newest).
# QUICK=1 runs every step with few iterations (CI): 0:43 to 7:43 on a
# 2-vCPU VM, quiet to very busy.
QUICK ?=
bench: bin/ipclab bin/ipclab-zmq $(REL)/ipclab-dynamic
	@scripts/deps.sh --check bench
	QUICK=$(QUICK) IPCLAB_DYNAMIC=$(CURDIR)/$(REL)/ipclab-dynamic bash bench/run.sh

# Two hosts in one machine (bench/netlab.sh, docs/NETLAB.md): TCP and UDP
# across a veth link, clean, then lossy, delayed, reordering, duplicating.
# As root; otherwise it says so and does nothing.  QUICK=1: under a minute.
# STRICT=1: a row that failed fails the run (otherwise only a run that
# measured nothing does).
STRICT ?=
netlab: bin/ipclab $(REL)/netdelay
	QUICK=$(QUICK) IPCLAB_NETDELAY=$(CURDIR)/$(REL)/netdelay bash bench/netlab.sh \
		$(if $(filter-out 0,$(STRICT)),--strict)

# netdelay (bench/netdelay/): netlab's delay and reordering where the kernel
# has no tc netem; it holds packets a netfilter queue hands it
# (libnetfilter-queue).  test_netlab runs it and tests its hold queue.
NETDELAY_LIBS := -lnetfilter_queue -lnfnetlink
$(REL)/netdelay: $(REL)/bench/netdelay/netdelay.o $(REL)/bench/netdelay/holdq.o $(REL)/ld-flags
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(NETDELAY_LIBS)
$(ASAN)/netdelay: $(ASAN)/bench/netdelay/netdelay.o $(ASAN)/bench/netdelay/holdq.o
	$(Q)$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(NETDELAY_LIBS)
$(ASAN)/tests/test_netlab: $(ASAN)/bench/netdelay/holdq.o | $(ASAN)/netdelay
$(REL)/tests/test_netlab: $(REL)/bench/netdelay/holdq.o | $(REL)/netdelay

# The test programs without sanitizers (valgrind cannot run ASan's).
.PRECIOUS: $(REL)/tests/%.o
$(REL)/tests/%: $(REL)/tests/%.o $(REL)/tests/support.o $(REL_LIB) $(ZMQ_SRC:%.c=$(REL)/%.o)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LDFLAGS) -lcmocka $(URING_LIBS) $(ZMQ_LIBS) -lm

# The demos under valgrind, children included, then every test suite with
# the servers it forks (the ipclab it runs as a user would is the demos'
# own, and runs natively here): any invalid access or leak fails.
# IPCLAB_VALGRIND=1 tells the suites that everything runs ten times slower:
# they wait longer and make their heaviest loads lighter.
VG := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
valgrind: $(REL)/ipclab-dynamic $(TESTS:%=$(REL)/tests/%)
	@scripts/deps.sh --check valgrind
	$(VG) --trace-children=yes ./$(REL)/ipclab-dynamic demo
	@failed=""; for t in $(TESTS); do \
		echo "== valgrind $$t"; \
		IPCLAB_BIN=$(CURDIR)/$(REL)/ipclab-dynamic IPCLAB_VALGRIND=1 \
		  $(VG) $(REL)/tests/$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED under valgrind:$$failed"; exit 1; fi; \
	echo "all $(words $(TESTS)) test suites clean under valgrind"

# The one step that installs Debian packages (scripts/deps.sh names them
# first); the other targets only check and say what is missing.
deps:
	@scripts/deps.sh build test bench valgrind netlab lab fuzz doc
deps-test:
	@scripts/deps.sh test
deps-bench:
	@scripts/deps.sh bench

# Each suite is its own program: cmocka prints its summary per suite, and
# every failing suite is named at the end.  Every test runs under a deadline
# and a check of what it leaves behind (tests/support.h): a hang fails that
# test by name within seconds, so no outer time-out is needed.
test:
	@scripts/deps.sh --check test
	@$(MAKE) --no-print-directory $(ASAN)/bin/ipclab $(TESTS:%=$(ASAN)/tests/%)
	@failed=""; for t in $(TESTS); do \
		echo "== $$t"; \
		IPCLAB_BIN=$(CURDIR)/$(ASAN)/bin/ipclab ASAN_OPTIONS=detect_leaks=1 \
		  $(ASAN)/tests/$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED suites:$$failed"; exit 1; fi; \
	echo "all $(words $(TESTS)) test suites passed"

# A run's rankings checked against its own rounds (tests/test_rankings.c):
#   make check-run RUN=results/latest
RUN ?= results/latest
.PHONY: check-run
check-run: $(ASAN)/tests/test_rankings
	@IPCLAB_RUN_DIR=$(RUN) $(ASAN)/tests/test_rankings

# Mutation testing (scripts/mutate.sh): how many planted bugs the tests
# catch.  Mechanical changes (comparisons, && ||, + -, constants, dropped
# statements, swapped arguments) to MUTATE (files or folders), MUTATE_MAX
# of them (0: all) picked by MUTATE_SEED, each built and tested in a scratch
# copy of the tree (never this one) with the suites that use the file, or
# MUTATE_TESTS.  Lists the survivors as file:line and a score per folder,
# also in build/mutate/report.txt.
#   make mutate MUTATE=src/lograte.c
#   make mutate MUTATE="unix_dgram src/unixpath.c" MUTATE_MAX=30 MUTATE_TESTS="test_edges"
# MUTATE_ONLY=fifo/fifo.c:371,src/io.c:80 keeps the mutants of those lines;
# MUTATE_PER_FOLDER=N keeps at most N per folder (a sample that scores each).
# MUTATE=lab mutates the lab grader, judged by `make lab-test`.  A suite is
# run unmutated when it first kills a mutant; MUTATE_BASELINE=1 runs them all
# unmutated first.
MUTATE ?= src/lograte.c
MUTATE_ONLY ?=
MUTATE_MAX ?= 20
MUTATE_PER_FOLDER ?= 0
MUTATE_SEED ?= 1
MUTATE_TESTS ?=
MUTATE_BASELINE ?=
.PHONY: mutate
mutate:
	@scripts/deps.sh --check test
	@sh scripts/mutate.sh -n $(MUTATE_MAX) -f $(MUTATE_PER_FOLDER) -s $(MUTATE_SEED) \
	  $(if $(MUTATE_TESTS),-t "$(MUTATE_TESTS)") $(if $(MUTATE_ONLY),-l "$(MUTATE_ONLY)") \
	  $(if $(filter 1,$(MUTATE_BASELINE)),-b) $(MUTATE)

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
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(FUZZ_LDFLAGS) -o $@ $^ $(URING_LIBS) -lm
# Host names would go to DNS: this target resolves numeric hosts only.
$(FUZZ)/fuzz_address: FUZZ_LDFLAGS := -Wl,--wrap=getaddrinfo
.SECONDARY: $(FUZZ_LIB) $(FUZZ_TARGETS:%=$(FUZZ)/fuzz/%.o)
.PHONY: fuzz deps-fuzz
deps-fuzz:
	@scripts/deps.sh fuzz
fuzz:
	@scripts/deps.sh --check fuzz
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
	@scripts/deps.sh --check lab
	@bash lab/check.sh $(if $(SOLUTION),--solution)
lab-test: lab-skel
	@scripts/deps.sh --check lab
	@bash lab/test_lab.sh

# The quiz (lab/quiz/*.md, one question a file): `make quiz` asks and grades
# in a terminal; ANSWERS=FILE grades a file of answers ("03 b" a line), as
# tests and CI do; `make quiz-key` prints the answer key, from the same files.
ANSWERS ?=
.PHONY: quiz quiz-key handout-sections
# (In a terminal a wrong answer is no error of make's; with ANSWERS, the
# status says whether every answer was right.)
quiz:
	@perl lab/quiz.pl $(if $(ANSWERS),--answers $(ANSWERS),|| true)
quiz-key:
	@perl lab/quiz.pl --key-md
# The handout's parts made from the code (the grader's table of checks, its
# compile line), renewed in lab/handout.md; `make lab-test` fails if stale.
handout-sections:
	@perl lab/handout_sections.pl --update lab/handout.md

# The real system calls of each demo under strace, made stable and compared
# with the references in lab/traces/ (UPDATE=1 rewrites them).
UPDATE ?=
.PHONY: trace
trace: bin/ipclab bin/ipclab-zmq
	@scripts/deps.sh --check lab
	@bash lab/trace.sh $(if $(UPDATE),--update)

# The lab's handout: one self-contained HTML page in build/handout/, with the
# reference run's plots (lab/figures/) or those of PLOTS=results/latest.
PLOTS ?=
.PHONY: handout handout-test
handout:
	@scripts/deps.sh --check lab
	@bash lab/handout.sh $(PLOTS)
# Every command the handout shows exists, every transcript matches, and the
# page passes a headless Chromium check (screenshots in build/handout/).
handout-test: bin/ipclab handout
	@perl lab/test_handout.pl lab/handout.md
	@bash lab/browser_check.sh

# ---- the man page, installing, the release tarball -------------------------
# ipclab(1) is written once, in docs/ipclab.1.md, and turned into troff by
# pandoc; a test (tests/test_install.c) checks that it lists every option
# `--help` does.  A release tarball ships the page built, so that building
# from it needs no pandoc.
PANDOC  ?= pandoc
man: docs/ipclab.1
docs/ipclab.1: docs/ipclab.1.md $(REL)/version-number
	@if command -v $(PANDOC) >/dev/null; then \
	  echo "  PANDOC  $@"; \
	  $(PANDOC) -s -t man -M footer="ipclab $(VERSION)" -o $@ docs/ipclab.1.md; \
	elif [ -f $@ ]; then echo "  (no pandoc: $@ as shipped)"; touch $@; \
	else echo "pandoc is not installed, and it builds the man page: sudo apt-get install pandoc" >&2; \
	  exit 1; fi
$(REL)/version-number: FORCE
	$(call stamp,$(VERSION))

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/ipclab
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/ipclab
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# What an installed ipclab runs (`ipclab bench run`, `ipclab bench plot`):
# it looks for them in ../share/ipclab beside itself, so DATADIR must stay
# $(PREFIX)/share/ipclab unless IPCLAB_DATA_DIR names it at run time.
DATA_FILES := $(wildcard bench/*.sh bench/*.awk plots/*.gp)
DOC_FILES  := README.md $(filter-out docs/ipclab.1.md,$(wildcard docs/*.md))

# Every installed path is quoted for the shell ($(call sq,...)): DESTDIR
# or PREFIX may hold spaces (or quotes), and an unquoted one would make
# `install -d` create directories in the source tree, or `rm -rf` remove
# the wrong ones.
sq = '$(subst ','\'',$(1))'
# bin/ipclab-zmq when its sources are here (not in a tree of the program
# and its scripts alone).
ZMQ_BIN := $(if $(wildcard $(ZMQ_SRC)),bin/ipclab-zmq)
install: bin/ipclab $(ZMQ_BIN) docs/ipclab.1
	install -d $(call sq,$(DESTDIR)$(BINDIR)) $(call sq,$(DESTDIR)$(MANDIR)/man1) \
	  $(call sq,$(DESTDIR)$(BASHCOMPDIR)) $(call sq,$(DESTDIR)$(DATADIR)/bench) \
	  $(call sq,$(DESTDIR)$(DATADIR)/plots) $(call sq,$(DESTDIR)$(DOCDIR))
	install -m 755 bin/ipclab $(call sq,$(DESTDIR)$(BINDIR)/ipclab)
	$(if $(ZMQ_BIN),install -m 755 bin/ipclab-zmq $(call sq,$(DESTDIR)$(BINDIR)/ipclab-zmq))
	install -m 644 docs/ipclab.1 $(call sq,$(DESTDIR)$(MANDIR)/man1/ipclab.1)
	install -m 644 completions/ipclab.bash $(call sq,$(DESTDIR)$(BASHCOMPDIR)/ipclab)
	install -m 755 $(filter %.sh,$(DATA_FILES)) $(call sq,$(DESTDIR)$(DATADIR)/bench)
	$(if $(filter %.awk,$(DATA_FILES)),install -m 644 $(filter %.awk,$(DATA_FILES)) $(call sq,$(DESTDIR)$(DATADIR)/bench))
	install -m 644 $(filter %.gp,$(DATA_FILES)) $(call sq,$(DESTDIR)$(DATADIR)/plots)
	install -m 644 $(DOC_FILES) $(call sq,$(DESTDIR)$(DOCDIR))

uninstall:
	rm -f $(call sq,$(DESTDIR)$(BINDIR)/ipclab) $(call sq,$(DESTDIR)$(BINDIR)/ipclab-zmq) \
	  $(call sq,$(DESTDIR)$(MANDIR)/man1/ipclab.1) \
	  $(call sq,$(DESTDIR)$(BASHCOMPDIR)/ipclab)
	rm -rf $(call sq,$(DESTDIR)$(DATADIR)) $(call sq,$(DESTDIR)$(DOCDIR))

# `make dist`: the committed files (git ls-files, with what is not yet
# committed as it is now), the built man page, and the revision in
# REVISION, as ipclab-VERSION.tar.gz.  `make distcheck` unpacks it in an
# empty directory, builds, tests, installs and uninstalls it there (CI).
DIST := ipclab-$(VERSION)
dist: docs/ipclab.1
	@[ -e .git ] || { echo "make dist: run it in a git checkout (it packs git ls-files)" >&2; exit 1; }
	rm -rf build/dist && mkdir -p build/dist/$(DIST)
	git ls-files -z | xargs -0 cp -P --parents -t build/dist/$(DIST)
	cp docs/ipclab.1 build/dist/$(DIST)/docs/
	echo '$(GIT_REV)' >build/dist/$(DIST)/REVISION
	tar -C build/dist --owner=0 --group=0 --sort=name -czf $(DIST).tar.gz $(DIST)
	@echo "$(DIST).tar.gz: $$(tar -tzf $(DIST).tar.gz | wc -l) files, revision $(GIT_REV)"

distcheck: dist
	@set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
	  tar -C "$$d" -xzf $(DIST).tar.gz; cd "$$d/$(DIST)"; \
	  echo "== $$d/$(DIST): make, make test, make install, make uninstall"; \
	  $(MAKE) --no-print-directory; $(MAKE) --no-print-directory test; \
	  $(MAKE) --no-print-directory install DESTDIR="$$d/inst" PREFIX=/usr; \
	  cd "$$d"; "$$d/inst/usr/bin/ipclab" --version; "$$d/inst/usr/bin/ipclab" demo; \
	  grep -q '^\.TH "IPCLAB" "1"' "$$d/inst/usr/share/man/man1/ipclab.1"; \
	  $(MAKE) --no-print-directory -C "$$d/$(DIST)" uninstall DESTDIR="$$d/inst" PREFIX=/usr; \
	  left=$$(find "$$d/inst" -type f); \
	  if [ -n "$$left" ]; then echo "left after make uninstall: $$left" >&2; exit 1; fi; \
	  echo "distcheck: $(DIST).tar.gz builds, passes make test, installs and uninstalls"
