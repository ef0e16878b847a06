# ---------------------------------------------------------------------------
# Reliability tests (included from Makefile.am): hostile input, faults,
# load and concurrency, secret hygiene.  They run in the throwaway sandbox
# (tests/sandbox/sandbox.sh) against real users, real libpam and
# iampw-admin, with these helpers:
#   pamdrive     PAM transactions through real libpam (pam_start_confdir)
#   killat       SIGKILL a command after its Nth system call (ptrace)
#   profq        read a profile through the core's strict loader
#   faultshim.so LD_PRELOAD: fail, stop or delay one write-path call
#   freescan.so  LD_PRELOAD: count freed blocks that still hold a marker
# They need real root: make check-root runs them.
# tools/reliability-doc.sh turns their logs into a report: CI's is the
# artefact build/RELIABILITY.md (tools/test-all.sh), the committed
# docs/RELIABILITY.md is refreshed by a person with make reliability-doc.
RELIABILITY_TESTS = \
	tests/reliability/test_hostile.sh \
	tests/reliability/test_faults.sh \
	tests/reliability/test_load.sh \
	tests/reliability/test_secrets.sh
RELIABILITY_HELPERS = \
	tests/reliability/pamdrive \
	tests/reliability/killat \
	tests/reliability/profq
EXTRA_DIST += $(RELIABILITY_TESTS) tests/reliability/lib.sh docs/RELIABILITY.md \
	tools/reliability-doc.sh

# make reliability-doc [FUZZ_BUILDDIR=DIR]: rewrite docs/RELIABILITY.md
# from the logs of this tree's last run of the reliability tests (make
# check as root) and, with FUZZ_BUILDDIR, of `make fuzz` in DIR.  Run by a
# person, who commits the result; never by CI.
reliability-doc:
	@for t in $(RELIABILITY_TESTS); do \
		test -r "$$t.log" && continue; \
		echo "make reliability-doc: no $$t.log; first run, as root:" >&2; \
		echo "  make check TESTS='$(RELIABILITY_TESTS)'" >&2; \
		exit 1; \
	done
	$(srcdir)/tools/reliability-doc.sh . $(FUZZ_BUILDDIR) >RELIABILITY.md.tmp
	mv RELIABILITY.md.tmp $(srcdir)/docs/RELIABILITY.md
	@echo "make reliability-doc: wrote $(srcdir)/docs/RELIABILITY.md"
.PHONY: reliability-doc

if HAVE_TEST_DEPS
if !ENABLE_SANITIZERS
check_PROGRAMS += $(RELIABILITY_HELPERS)
check_LTLIBRARIES += tests/reliability/faultshim.la
check_LTLIBRARIES += tests/reliability/freescan.la
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
tests_reliability_freescan_la_SOURCES = tests/reliability/freescan.c
tests_reliability_freescan_la_CFLAGS = $(AM_CFLAGS)
tests_reliability_freescan_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
