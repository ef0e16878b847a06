# ---------------------------------------------------------------------------
# Fuzz targets (included from Makefile.am).  With --enable-fuzzing
# (CC=clang) they are libFuzzer programs run by `make fuzz`; in every other
# build the same harnesses are linked to a small driver that replays the
# committed corpus in `make check`.
FUZZ_TARGETS = \
	tests/fuzz/fuzz_policy \
	tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_profile \
	tests/fuzz/fuzz_check \
	tests/fuzz/fuzz_user \
	tests/fuzz/fuzz_args \
	tests/fuzz/fuzz_json \
	tests/fuzz/fuzz_blocklist \
	tests/fuzz/fuzz_output \
	tests/fuzz/fuzz_mfa \
	tests/fuzz/fuzz_pamstack

FUZZ_NAMES = policy config profile check user args json blocklist output mfa pamstack
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/fuzz.h tests/fuzz/replay.c
fuzz_cflags = $(AM_CFLAGS) $(CRYPT_CFLAGS)
# fuzz_args, fuzz_json and fuzz_output link the tool's library
# (iampw-admin/libcli.la: everything but main()).
fuzz_admin_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/iampw-admin
fuzz_admin_cflags = $(fuzz_cflags) $(JSONC_CFLAGS) $(YAML_CFLAGS) $(PAM_CFLAGS)
fuzz_admin_ldadd = $(cli_ldadd)

if ENABLE_FUZZING
noinst_PROGRAMS = $(FUZZ_TARGETS)
fuzz_ldflags = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz_policy.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_policy_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_policy_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_policy_LDADD = lib/libiampw.la
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_config_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_config_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_config_LDADD = lib/libiampw.la
tests_fuzz_fuzz_profile_SOURCES = tests/fuzz/fuzz_profile.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_profile_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_profile_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_profile_LDADD = lib/libiampw.la
tests_fuzz_fuzz_check_SOURCES = tests/fuzz/fuzz_check.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_check_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_check_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_check_LDADD = lib/libiampw.la
tests_fuzz_fuzz_user_SOURCES = tests/fuzz/fuzz_user.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_user_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_user_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_user_LDADD = lib/libiampw.la
tests_fuzz_fuzz_args_SOURCES = tests/fuzz/fuzz_args.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_args_CPPFLAGS = $(fuzz_admin_cppflags)
tests_fuzz_fuzz_args_CFLAGS = $(fuzz_admin_cflags)
tests_fuzz_fuzz_args_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_args_LDADD = $(fuzz_admin_ldadd)
tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz_json.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_json_CPPFLAGS = $(fuzz_admin_cppflags)
tests_fuzz_fuzz_json_CFLAGS = $(fuzz_admin_cflags)
tests_fuzz_fuzz_json_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_json_LDADD = $(fuzz_admin_ldadd)
tests_fuzz_fuzz_blocklist_SOURCES = tests/fuzz/fuzz_blocklist.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_blocklist_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_blocklist_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_blocklist_LDADD = lib/libiampw.la
tests_fuzz_fuzz_output_SOURCES = tests/fuzz/fuzz_output.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_output_CPPFLAGS = $(fuzz_admin_cppflags)
tests_fuzz_fuzz_output_CFLAGS = $(fuzz_admin_cflags)
tests_fuzz_fuzz_output_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_output_LDADD = $(fuzz_admin_ldadd)
tests_fuzz_fuzz_mfa_SOURCES = tests/fuzz/fuzz_mfa.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_mfa_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_mfa_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_mfa_LDADD = lib/libiampw.la
tests_fuzz_fuzz_pamstack_SOURCES = tests/fuzz/fuzz_pamstack.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_pamstack_CPPFLAGS = $(fuzz_admin_cppflags)
tests_fuzz_fuzz_pamstack_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_pamstack_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_pamstack_LDADD = $(fuzz_admin_ldadd)

# Seconds per target; CI runs each for at least 60.
FUZZ_SECONDS = 60
# libFuzzer adds what it finds to the corpus directory it is given, so each
# run works on a copy and the committed seeds stay as they are.
fuzz: $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_NAMES); do \
		work=`mktemp -d`; \
		cp $(srcdir)/tests/fuzz/corpus/$$t/* "$$work"/; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		if ! ./tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=tests/fuzz/crash-$$t- "$$work" \
			> tests/fuzz/fuzz_$$t.out 2>&1; then \
			tail -n 60 tests/fuzz/fuzz_$$t.out; rm -rf "$$work"; \
			echo "fuzz_$$t: FAILED (input saved as tests/fuzz/crash-$$t-*)"; exit 1; \
		fi; \
		grep -E '^stat::number_of_executed_units|^Done' tests/fuzz/fuzz_$$t.out || true; \
		rm -rf "$$work"; \
	done
else
FUZZ_REPLAYS = \
	tests/fuzz/replay_policy \
	tests/fuzz/replay_config \
	tests/fuzz/replay_profile \
	tests/fuzz/replay_check \
	tests/fuzz/replay_user \
	tests/fuzz/replay_args \
	tests/fuzz/replay_json \
	tests/fuzz/replay_blocklist \
	tests/fuzz/replay_output \
	tests/fuzz/replay_mfa \
	tests/fuzz/replay_pamstack
if HAVE_TEST_DEPS
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)
endif
tests_fuzz_replay_policy_SOURCES = tests/fuzz/fuzz_policy.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_policy_CFLAGS = $(fuzz_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/policy"'
tests_fuzz_replay_policy_LDADD = lib/libiampw.la
tests_fuzz_replay_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_config_CFLAGS = $(fuzz_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/config"'
tests_fuzz_replay_config_LDADD = lib/libiampw.la
tests_fuzz_replay_profile_SOURCES = tests/fuzz/fuzz_profile.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_profile_CFLAGS = $(fuzz_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/profile"'
tests_fuzz_replay_profile_LDADD = lib/libiampw.la
tests_fuzz_replay_mfa_SOURCES = tests/fuzz/fuzz_mfa.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_mfa_CFLAGS = $(fuzz_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/mfa"'
tests_fuzz_replay_mfa_LDADD = lib/libiampw.la
tests_fuzz_replay_pamstack_SOURCES = tests/fuzz/fuzz_pamstack.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_pamstack_CPPFLAGS = $(fuzz_admin_cppflags)
tests_fuzz_replay_pamstack_CFLAGS = $(fuzz_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/pamstack"'
tests_fuzz_replay_pamstack_LDADD = $(fuzz_admin_ldadd)
tests_fuzz_replay_check_SOURCES = tests/fuzz/fuzz_check.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_check_CFLAGS = $(fuzz_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/check"'
tests_fuzz_replay_check_LDADD = lib/libiampw.la
tests_fuzz_replay_user_SOURCES = tests/fuzz/fuzz_user.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_user_CFLAGS = $(fuzz_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/user"'
tests_fuzz_replay_user_LDADD = lib/libiampw.la
tests_fuzz_replay_args_SOURCES = tests/fuzz/fuzz_args.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_args_CPPFLAGS = $(fuzz_admin_cppflags)
tests_fuzz_replay_args_CFLAGS = $(fuzz_admin_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/args"'
tests_fuzz_replay_args_LDADD = $(fuzz_admin_ldadd)
tests_fuzz_replay_json_SOURCES = tests/fuzz/fuzz_json.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_json_CPPFLAGS = $(fuzz_admin_cppflags)
tests_fuzz_replay_json_CFLAGS = $(fuzz_admin_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/json"'
tests_fuzz_replay_json_LDADD = $(fuzz_admin_ldadd)
tests_fuzz_replay_blocklist_SOURCES = tests/fuzz/fuzz_blocklist.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_blocklist_CFLAGS = $(fuzz_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/blocklist"'
tests_fuzz_replay_blocklist_LDADD = lib/libiampw.la
tests_fuzz_replay_output_SOURCES = tests/fuzz/fuzz_output.c tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_output_CPPFLAGS = $(fuzz_admin_cppflags)
tests_fuzz_replay_output_CFLAGS = $(fuzz_admin_cflags) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/output"'
tests_fuzz_replay_output_LDADD = $(fuzz_admin_ldadd)
fuzz:
	@echo "make fuzz: configure with CC=clang --enable-fuzzing first" >&2; exit 1
endif
.PHONY: fuzz
CLEANFILES += tests/fuzz/*.out
