# `make bench` (issue 7, SPEC §8): the performance figures, measured in a
# throwaway sandbox host (tests/sandbox/sandbox.sh), printed as a table
# and written to docs/BENCHMARKS.md.  Nothing here is asserted by a test.
#
# Included from Makefile.am.  Plain make rules (no automake programs), so
# the drivers are built only by `make bench`, with the project's flags.
# Needs root, valgrind, and network access once (apt-get download of the
# peer module; see bench/setup.sh).

BENCH_DRIVERS = bench/chauthtok$(EXEEXT) bench/account$(EXEEXT) bench/gen$(EXEEXT) \
	bench/auth$(EXEEXT) bench/screen$(EXEEXT)
BENCH_CC = $(LIBTOOL) $(AM_V_lt) --tag=CC --mode=link $(CC) $(DEFS) \
	$(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) $(AM_CFLAGS) $(CFLAGS) \
	$(PAM_CFLAGS) $(CRYPT_CFLAGS) $(AM_LDFLAGS) $(LDFLAGS)

EXTRA_DIST += bench/bench.mk bench/benchutil.h bench/chauthtok.c bench/account.c \
	bench/gen.c bench/auth.c bench/screen.c bench/run.sh bench/setup.sh
CLEANFILES += $(BENCH_DRIVERS)

bench/chauthtok$(EXEEXT): $(srcdir)/bench/chauthtok.c $(srcdir)/bench/benchutil.h config.h
	@$(MKDIR_P) bench
	$(AM_V_CCLD)$(BENCH_CC) -o $@ $(srcdir)/bench/chauthtok.c $(PAM_LIBS) $(CRYPT_LIBS)
bench/account$(EXEEXT): $(srcdir)/bench/account.c $(srcdir)/bench/benchutil.h config.h
	@$(MKDIR_P) bench
	$(AM_V_CCLD)$(BENCH_CC) -o $@ $(srcdir)/bench/account.c $(PAM_LIBS)
bench/auth$(EXEEXT): $(srcdir)/bench/auth.c $(srcdir)/bench/benchutil.h config.h
	@$(MKDIR_P) bench
	$(AM_V_CCLD)$(BENCH_CC) -o $@ $(srcdir)/bench/auth.c $(PAM_LIBS)
bench/gen$(EXEEXT): $(srcdir)/bench/gen.c $(srcdir)/bench/benchutil.h config.h lib/libiampw.la
	@$(MKDIR_P) bench
	$(AM_V_CCLD)$(BENCH_CC) -o $@ $(srcdir)/bench/gen.c lib/libiampw.la $(CRYPT_LIBS)
bench/screen$(EXEEXT): $(srcdir)/bench/screen.c $(srcdir)/bench/benchutil.h config.h lib/libiampw.la
	@$(MKDIR_P) bench
	$(AM_V_CCLD)$(BENCH_CC) $(NETTLE_CFLAGS) -o $@ $(srcdir)/bench/screen.c lib/libiampw.la

# The module and the admin tool are measured as built here.
bench: all $(BENCH_DRIVERS)
	@if test "`id -u`" != 0; then echo "make bench: run as root (it uses a sandbox)" >&2; exit 1; fi
	$(SHELL) $(srcdir)/bench/setup.sh bench/out
	top_builddir=`pwd` top_srcdir=`cd $(srcdir) && pwd` \
		$(SHELL) $(srcdir)/tests/sandbox/sandbox.sh -- \
		$(SHELL) `cd $(srcdir) && pwd`/bench/run.sh
	@echo "make bench: results in $(srcdir)/docs/BENCHMARKS.md"

clean-local: clean-bench
clean-bench:
	-rm -rf bench/out

.PHONY: bench clean-bench
