# ---------------------------------------------------------------------------
# Reliability tests (included from Makefile.am): hostile input, faults,
# load and concurrency, secret hygiene.  They run in the throwaway sandbox
# (tests/sandbox/sandbox.sh) against real users, real libpam and
# iampw-admin, with these helpers:
#   pamdrive     PAM transactions through real libpam (pam_start_confdir)
#   killat       SIGKILL a command after its Nth system call (ptrace)
#   profq        read a profile through the core's strict loader
#   faultshim.so LD_PRELOAD: fail, stop or delay one write-path call
# They need real root: make check-root runs them.  tools/test-all.sh turns
# their logs into docs/RELIABILITY.md.
RELIABILITY_TESTS = \
	tests/reliability/test_hostile.sh \
	tests/reliability/test_faults.sh \
	tests/reliability/test_load.sh \
	tests/reliability/test_secrets.sh
RELIABILITY_HELPERS = \
	tests/reliability/pamdrive \
	tests/reliability/killat \
	tests/reliability/profq
EXTRA_DIST += $(RELIABILITY_TESTS) tests/reliability/lib.sh docs/RELIABILITY.md

if HAVE_TEST_DEPS
if !ENABLE_SANITIZERS
check_PROGRAMS += $(RELIABILITY_HELPERS)
check_LTLIBRARIES += tests/reliability/faultshim.la
ROOT_TESTS += $(RELIABILITY_TESTS)
endif
endif

tests_reliability_pamdrive_SOURCES = tests/reliability/pamdrive.c
tests_reliability_pamdrive_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS)
tests_reliability_pamdrive_LDADD = $(PAM_LIBS)
tests_reliability_killat_SOURCES = tests/reliability/killat.c
tests_reliability_profq_SOURCES = tests/reliability/profq.c
tests_reliability_profq_CFLAGS = $(AM_CFLAGS) $(CRYPT_CFLAGS)
tests_reliability_profq_LDADD = lib/libiampw.la
tests_reliability_faultshim_la_SOURCES = tests/reliability/faultshim.c
tests_reliability_faultshim_la_CFLAGS = $(AM_CFLAGS)
# -rpath: libtool builds a shared module only for an installable path.
tests_reliability_faultshim_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_reliability_faultshim_la_LIBADD = -ldl
