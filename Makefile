# SPDX-License-Identifier: GPL-2.0-only
# embargo: `sudo make run` and `sudo make test` are the two entry points (see README.md).

BUILD     ?= build
SAN       := $(BUILD)/san
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
LLVM_STRIP ?= llvm-strip
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# `make install` (PREFIX, DESTDIR); the Debian package uses PREFIX=/usr.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system

# Debian 12 packages the build, the tests and `make run` need.
DEB_PKGS  := make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libyaml-dev \
	     libssl-dev libsystemd-dev libcmocka-dev libclang-rt-14-dev pkg-config python3 \
	     libestr0 libfastjson4 liblognorm5 dpkg-dev debhelper lintian \
	     qemu-system-x86 busybox-static libbpf-tools gdb liblzma-dev zstd flatpak

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-missing-field-initializers
CPPFLAGS  ?=
# includes name their folder ("rules/match.h"): the layering shows at every include
CPPFLAGS  += -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) -DEMBARGO_VERSION='"$(VERSION)"'
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 $(WARN) -fno-strict-aliasing
LDLIBS    := -lbpf -lelf -lz -llzma -lssl -lcrypto -lyaml -lsystemd -lpthread
SANFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

BPF_SRC   := $(wildcard bpf/*.bpf.c)
BPF_OBJ   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRC))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRC))
USER_SRC  := $(wildcard user/*/*.c)
USER_OBJ  := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(USER_SRC))
SAN_OBJ   := $(patsubst user/%.c,$(SAN)/obj/%.o,$(USER_SRC))
# the unit tests' library: everything but main() and the sensor (sensor.c and fileprogs.c,
# which need the BPF skeleton), so a unit test builds without clang -target bpf, bpftool or BTF
UNIT_LIB  := $(SAN)/libembargo-unit.a
UNIT_OBJ  := $(filter-out %/cli/main.o %/sensor/sensor.o %/sensor/fileprogs.o,$(SAN_OBJ))
UNIT_SRC  := $(wildcard tests/unit/*/test_*.c)
UNIT_BIN  := $(patsubst %.c,$(SAN)/%,$(notdir $(UNIT_SRC)))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all deps run test unit bench clean format receivers install uninstall kernels \
	test-kernels test-kernels-full bench-kernels
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJ) $(SKELS) $(BUILD)/vmlinux.h

all: $(BUILD)/embargo

# Installs only what is missing; `apt-get update` runs only when something is. Targets that
# need the packages depend on the stamp: the check runs once, and again when this file (the
# list) changes, not at every `make test`; `make deps` checks now.
DEPS_STAMP := $(BUILD)/deps.stamp

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing missing Debian packages:" $$missing; \
		apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@mkdir -p $(BUILD) && touch $(DEPS_STAMP)

$(DEPS_STAMP): Makefile
	@$(MAKE) -s deps

# vmlinux.h is generated from the running kernel's BTF rather than vendored: every machine
# this builds on (developers, CI, users' boxes) has /sys/kernel/btf/vmlinux, and CO-RE makes
# the object portable anyway. Vendoring would add 130k lines that drift from the kernel.
# VMLINUX_BTF names another kernel's (test_build builds against each kernel of the matrix).
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
$(BUILD)/vmlinux.h:
	$(call msg,VMLINUX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/embargo/*.h) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I$(BUILD) -Iinclude -Ibpf -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Objects carry the version (git describe): they are rebuilt when it changes, or a test built
# now would compare its version with a library object's from an older commit.
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@

.PHONY: FORCE
FORCE:

# -MMD -MP: each object lists the headers it really includes (build/**/*.d)
$(BUILD)/obj/%.o: user/%.c $(BUILD)/version.stamp
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# only the sensor includes the skeleton (sensor.c, and fileprogs.c which picks its programs)
SKEL_USERS := sensor/sensor sensor/fileprogs
$(patsubst %,$(BUILD)/obj/%.o,$(SKEL_USERS)) $(patsubst %,$(SAN)/obj/%.o,$(SKEL_USERS)): $(SKELS)

$(BUILD)/embargo: $(USER_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The same code with ASan/UBSan, for the tests.
$(SAN)/obj/%.o: user/%.c $(BUILD)/version.stamp
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -std=gnu11 $(WARN) $(SANFLAGS) -MMD -MP -c $< -o $@

$(SAN)/embargo: $(SAN_OBJ)
	$(call msg,LINK-SAN,$@)
	$(Q)$(CC) $(SANFLAGS) $^ $(LDLIBS) -o $@

$(UNIT_LIB): $(UNIT_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# tests/unit mirrors user/: tests/unit/FOLDER/test_NAME.c becomes $(SAN)/test_NAME
.SECONDEXPANSION:
$(SAN)/test_%: $$(wildcard tests/unit/*/test_%.c) $(UNIT_LIB) $(BUILD)/version.stamp
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(SAN)/deps
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit -std=gnu11 $(WARN) $(SANFLAGS) -MMD -MP \
		-MF $(SAN)/deps/test_$*.d $< $(UNIT_LIB) $(LDLIBS) -lcmocka -o $@

run: $(DEPS_STAMP) all
	$(BUILD)/embargo watch --rules rules

# `make unit` builds every unit test; `make unit T=match` builds and runs tests/unit/*/test_match.c
ifdef T
unit: $(SAN)/test_$(T)
	@$(SAN)/test_$(T)
else
unit: $(UNIT_BIN)
endif

# Programs the integration tests run.
$(BUILD)/test/firstact: tests/integration/bin/firstact.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -static $(WARN) $< -o $@

$(BUILD)/test/dlroute: tests/integration/bin/dlroute.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -static $(WARN) $< -o $@

$(BUILD)/test/nop: tests/bench/nop.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -static $(WARN) $< -o $@

$(BUILD)/test/marked: tests/integration/bin/marked.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARN) $< -o $@

# Real receivers for the output tests (tests/integration/receivers.py). rsyslog and
# rsyslog-openssl are downloaded and unpacked under build/receivers, never installed: the
# package would start a system logger on the machine and change its logging. `apt-get update`
# runs only if `apt-get download` fails. systemd-journald is the systemd package's own.
RECEIVERS    := $(BUILD)/receivers
RSYSLOG_DEBS := rsyslog rsyslog-openssl

receivers: $(RECEIVERS)/root/usr/sbin/rsyslogd

$(RECEIVERS)/root/usr/sbin/rsyslogd:
	$(call msg,DEB,$(RSYSLOG_DEBS))
	$(Q)set -e; mkdir -p $(RECEIVERS)/debs; cd $(RECEIVERS)/debs; need=; \
	for p in $(RSYSLOG_DEBS); do ls $${p}_*.deb > /dev/null 2>&1 || need="$$need $$p"; done; \
	if [ -n "$$need" ]; then \
		apt-get download -q $$need || { apt-get update -q && apt-get download -q $$need; }; \
	fi
	$(Q)rm -rf $(RECEIVERS)/root.tmp
	$(Q)for d in $(RECEIVERS)/debs/*.deb; do dpkg-deb -x $$d $(RECEIVERS)/root.tmp || exit 1; done
	$(Q)rm -rf $(RECEIVERS)/root && mv $(RECEIVERS)/root.tmp $(RECEIVERS)/root && touch $@

# Debian's kernels of tests/kernels/kernels.list and an initramfs for each, in the cache
# /var/cache/embargo-kernels (EMBARGO_KERNEL_CACHE), never in /boot: tests/kernels/boot runs
# a command in one under qemu, on this machine's root. No apt call when the cache is complete.
kernels: $(DEPS_STAMP)
	@tests/kernels/fetch

# The integration tests inside each kernel of the matrix (part of `make test`); the whole
# suite on Debian 12's 6.1 with test-kernels-full (too long under emulation for make test).
test-kernels: $(DEPS_STAMP) all $(BUILD)/test/marked $(BUILD)/test/firstact $(BUILD)/test/nop \
	$(BUILD)/test/dlroute
	@tests/kernels/matrix

test-kernels-full: $(DEPS_STAMP) all $(BUILD)/test/marked $(BUILD)/test/firstact $(BUILD)/test/nop receivers \
	$(BUILD)/test/dlroute
	@tests/kernels/matrix --full 6.1 6.1

# Every test, unit and integration; the runner ends with one `N passed, N failed` line.
test: $(DEPS_STAMP) all $(SAN)/embargo $(UNIT_BIN) $(BUILD)/test/marked $(BUILD)/test/firstact \
	$(BUILD)/test/nop $(BUILD)/test/dlroute receivers
	@tests/run-all --fuzz-corpus $(UNIT_BIN)

$(BUILD)/bench/nop: tests/bench/nop.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -static $< -o $@

$(BUILD)/bench/execbench: tests/bench/execbench.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARN) $< -o $@

$(BUILD)/bench/forkstorm: tests/bench/forkstorm.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -static $(WARN) $< -o $@

# Never part of `make test`: timings belong here, not in tests. run-bench compares exec
# overhead with the peers that are installed (execsnoop, auditd, bpftrace); measure gives
# losses at the highest exec rate, CPU per exec, RSS, time to ready and alert latency.
bench: $(DEPS_STAMP) all $(BUILD)/bench/nop $(BUILD)/bench/execbench $(BUILD)/bench/forkstorm $(BUILD)/test/firstact
	@tests/bench/run-bench
	@tests/bench/measure
	@tests/bench/enforce-delay
	@$(MAKE) -s bench-kernels

# Kernel time per exec in embargo's BPF programs beside execsnoop's, on this kernel and in
# each kernel of the matrix (tests/kernels); under emulation only the ratio means much.
bench-kernels: $(DEPS_STAMP) all $(BUILD)/bench/nop $(BUILD)/bench/forkstorm
	@tests/bench/bpf-cost
	@for k in $$(sed -n 's/^\([0-9][0-9.]*\) .*/\1/p' tests/kernels/kernels.list); do \
		echo "== kernel $$k (qemu)"; \
		tests/kernels/boot $$k --timeout 900 -- tests/bench/bpf-cost --rounds 3 || \
			echo "bpf-cost: kernel $$k: could not run (exit $$?)"; \
	done

# --- fuzzing (libFuzzer, clang) ---------------------------------------------------------
# `make fuzz` explores from the seeds for FUZZ_SECONDS; new inputs go to build/, not the tree.
# `make fuzz-corpus` runs each seed once (make test): any crash, leak or UB fails it.
FUZZ          := $(BUILD)/fuzz
FUZZ_SECONDS  ?= 120
FUZZ_FLAGS    := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
		 -fno-sanitize-recover=all -std=gnu11 $(WARN)
FUZZ_CPPFLAGS := -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) -DEMBARGO_VERSION='"fuzz"'
# the rules loader and what it links: no libbpf, no skeletons
FUZZ_RULES_SRC := event/event rules/rule rules/rules rules/rules_parse rules/rules_guard lib/config lib/buf rules/fields rules/fields_process \
		  process/entity lib/hmap lib/host lib/users lib/fsdev rules/match packages/protect \
		  packages/pkgdb lib/homes lib/treewalk lib/log
FUZZ_RULES_OBJ := $(patsubst %,$(FUZZ)/obj/%.o,$(FUZZ_RULES_SRC))
FUZZ_RULES_CORPUS := tests/fuzz/corpus/rules
# findings (crash-*, leak-*, timeout-*) land in build/fuzz/, not in the work tree
FUZZ_RUN_FLAGS := -timeout=10 -artifact_prefix=$(FUZZ)/

.PHONY: fuzz fuzz-corpus

$(FUZZ)/obj/%.o: user/%.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CPPFLAGS) $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

$(FUZZ)/fuzz_rules: tests/fuzz/fuzz_rules.c $(FUZZ_RULES_OBJ)
	$(call msg,LINK-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CPPFLAGS) $(FUZZ_FLAGS) $^ -lyaml -lcrypto -lbpf -o $@

# the ELF reader: seeds are made from this system's binaries (none is committed)
FUZZ_ELF_OBJ  := $(patsubst %,$(FUZZ)/obj/%.o,process/elfinfo lib/strscan)
FUZZ_ELF_SEEDS := $(FUZZ)/seeds-elf

$(FUZZ)/fuzz_elf: tests/fuzz/fuzz_elf.c $(FUZZ_ELF_OBJ)
	$(call msg,LINK-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CPPFLAGS) $(FUZZ_FLAGS) $^ -lelf -o $@

$(FUZZ_ELF_SEEDS): tests/fuzz/make-elf-seeds
	$(Q)tests/fuzz/make-elf-seeds $@ > /dev/null

# the dpkg status parser and the inventory diff: only pkgdb.c
FUZZ_DPKG_OBJ := $(patsubst %,$(FUZZ)/obj/%.o,packages/pkgdb lib/homes lib/treewalk lib/fsdev \
		   lib/hmap lib/log)
FUZZ_DPKG_CORPUS := tests/fuzz/corpus/dpkg

$(FUZZ)/fuzz_dpkg: tests/fuzz/fuzz_dpkg.c $(FUZZ_DPKG_OBJ)
	$(call msg,LINK-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CPPFLAGS) $(FUZZ_FLAGS) $^ -lbpf -o $@

# the settings-file loader: config.c and buf.c
FUZZ_CONFIG_OBJ := $(patsubst %,$(FUZZ)/obj/%.o,lib/config lib/buf)
FUZZ_CONFIG_CORPUS := tests/fuzz/corpus/config

$(FUZZ)/fuzz_config: tests/fuzz/fuzz_config.c $(FUZZ_CONFIG_OBJ)
	$(call msg,LINK-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CPPFLAGS) $(FUZZ_FLAGS) $^ -lyaml -o $@

# a download's content markers (.deb Package:, .flatpakref Name=, an AppImage's desktop id)
FUZZ_MARKERS_OBJ := $(patsubst %,$(FUZZ)/obj/%.o,process/markers process/appimage)
FUZZ_MARKERS_CORPUS := tests/fuzz/corpus/markers

$(FUZZ)/fuzz_markers: tests/fuzz/fuzz_markers.c $(FUZZ_MARKERS_OBJ)
	$(call msg,LINK-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CPPFLAGS) $(FUZZ_FLAGS) $^ -lz -llzma -o $@

FUZZ_BINS := $(FUZZ)/fuzz_rules $(FUZZ)/fuzz_elf $(FUZZ)/fuzz_dpkg $(FUZZ)/fuzz_config \
	     $(FUZZ)/fuzz_markers

fuzz: $(FUZZ_BINS) $(FUZZ_ELF_SEEDS)
	$(Q)mkdir -p $(FUZZ)/corpus-rules $(FUZZ)/corpus-elf $(FUZZ)/corpus-dpkg
	$(FUZZ)/fuzz_rules $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
		-dict=tests/fuzz/rules.dict $(FUZZ)/corpus-rules $(FUZZ_RULES_CORPUS)
	$(FUZZ)/fuzz_elf $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
		$(FUZZ)/corpus-elf $(FUZZ_ELF_SEEDS)
	$(FUZZ)/fuzz_dpkg $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
		$(FUZZ)/corpus-dpkg $(FUZZ_DPKG_CORPUS)
	$(Q)mkdir -p $(FUZZ)/corpus-config
	$(FUZZ)/fuzz_config $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
		$(FUZZ)/corpus-config $(FUZZ_CONFIG_CORPUS)
	$(Q)mkdir -p $(FUZZ)/corpus-markers
	$(FUZZ)/fuzz_markers $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
		$(FUZZ)/corpus-markers $(FUZZ_MARKERS_CORPUS)

# Each seed on its own (libFuzzer runs a file argument once, exits non-zero on a finding),
# so the count is per file and a failure names its input.
fuzz-corpus: $(FUZZ_BINS) $(FUZZ_ELF_SEEDS)
	@passed=0; failed=0; \
	for f in $(sort $(wildcard $(FUZZ_RULES_CORPUS)/*)) $(FUZZ_ELF_SEEDS)/* \
		 $(sort $(wildcard $(FUZZ_DPKG_CORPUS)/*)) \
		 $(sort $(wildcard $(FUZZ_CONFIG_CORPUS)/*)) \
		 $(sort $(wildcard $(FUZZ_MARKERS_CORPUS)/*)); do \
		case "$$f" in \
		$(FUZZ_ELF_SEEDS)/*) bin=$(FUZZ)/fuzz_elf;; \
		$(FUZZ_DPKG_CORPUS)/*) bin=$(FUZZ)/fuzz_dpkg;; \
		$(FUZZ_CONFIG_CORPUS)/*) bin=$(FUZZ)/fuzz_config;; \
		$(FUZZ_MARKERS_CORPUS)/*) bin=$(FUZZ)/fuzz_markers;; \
		*) bin=$(FUZZ)/fuzz_rules;; \
		esac; \
		if out=$$($$bin $(FUZZ_RUN_FLAGS) "$$f" 2>&1); then \
			passed=$$((passed + 1)); \
		else \
			printf '%s\n' "$$out" | tail -n 40; echo "FAILED: $$f"; \
			failed=$$((failed + 1)); \
		fi; \
	done; \
	echo "fuzz corpus: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ] && [ $$passed -gt 0 ]
# --- end fuzzing -------------------------------------------------------------------------

format:
	clang-format -i $(wildcard bpf/*.[ch] include/embargo/*.h user/*/*.[ch] tests/unit/*/*.c)

# The service's files. The settings file is not replaced when it exists: it is the admin's.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/embargo/rules \
		$(DESTDIR)$(SYSCONFDIR)/embargo/rules.d $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BUILD)/embargo $(DESTDIR)$(SBINDIR)/embargo
	install -m 0644 rules/*.yaml $(DESTDIR)$(DATADIR)/embargo/rules/
	sed -e 's|@DATADIR@|$(DATADIR)|g' dist/embargo.conf > $(BUILD)/embargo.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/embargo/embargo.conf ] || \
		install -m 0644 $(BUILD)/embargo.conf $(DESTDIR)$(SYSCONFDIR)/embargo/embargo.conf
	sed -e 's|/usr/sbin/embargo|$(SBINDIR)/embargo|g' -e 's|/etc/embargo|$(SYSCONFDIR)/embargo|g' \
		dist/embargo.service > $(BUILD)/embargo.service
	install -m 0644 $(BUILD)/embargo.service $(DESTDIR)$(UNITDIR)/embargo.service
	install -m 0644 dist/embargo-enforce.conf $(DESTDIR)$(DATADIR)/embargo/embargo-enforce.conf
	install -m 0644 dist/embargo.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/embargo
	install -m 0644 man/embargo.8 $(DESTDIR)$(MANDIR)/man8/embargo.8
	install -m 0644 man/embargo-rules.5 $(DESTDIR)$(MANDIR)/man5/embargo-rules.5

# Everything install put there except the settings and local rules (the admin's).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/embargo $(DESTDIR)$(UNITDIR)/embargo.service \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/embargo $(DESTDIR)$(MANDIR)/man8/embargo.8 \
		$(DESTDIR)$(MANDIR)/man5/embargo-rules.5
	rm -rf $(DESTDIR)$(DATADIR)/embargo

clean:
	rm -rf $(BUILD)

# the headers each object and unit test includes, as the compiler found them (kept apart
# from the test binaries' names: build/san/test_% must never match a .d file); a .d file is
# only ever made by the compiler, never remade as a makefile
-include $(shell find $(BUILD)/obj $(SAN)/obj $(SAN)/deps $(FUZZ)/obj -name '*.d' -type f 2>/dev/null)
%.d: ;
