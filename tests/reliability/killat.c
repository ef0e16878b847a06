/*
 * killat: run a command and SIGKILL it right after its Nth system call
 * returns, for the crash-consistency tests (tests/reliability/).
 *
 *   killat N CMD [ARG...]
 *
 * The command runs under ptrace(2); every system call it makes after the
 * execve counts (the execve itself is call 1).  When the Nth call has
 * returned, and before the command runs one more instruction, it gets
 * SIGKILL: whatever it had on disk at that moment is what a power cut or
 * an OOM kill would leave.  N = 0 only counts.
 *
 * Prints "killed N" when it killed the command, else "exited STATUS
 * calls=C" (C: how many calls it made, the largest N worth trying).
 * Exits 0, or 99 when tracing itself failed.  Threads and children of the
 * command are not followed: the programs tested here make none.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "killat: %s: %s\n", what, strerror(errno));
	exit(99);
}

int main(int argc, char **argv)
{
	unsigned long target, calls = 0;
	bool in_call = false;
	int status, sig = 0;
	pid_t pid;

	if (argc < 3) {
		fputs("usage: killat N CMD [ARG...]\n", stderr);
		return 99;
	}
	target = strtoul(argv[1], NULL, 10);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			die("PTRACE_TRACEME");
		raise(SIGSTOP);
		execvp(argv[2], argv + 2);
		die(argv[2]);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		die("waitpid");
	/* TRACESYSGOOD tells system-call stops from signals; EXITKILL: never orphan it. */
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL |
				  PTRACE_O_TRACEEXEC)) != 0)
		die("PTRACE_SETOPTIONS");
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) != 0)
			die("PTRACE_SYSCALL");
		sig = 0;
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			printf("exited %d calls=%lu\n",
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			       calls);
			return 0;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			in_call = !in_call;
			if (in_call)
				continue;
			calls++;
			if (target != 0 && calls == target) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				printf("killed %lu\n", calls);
				return 0;
			}
		} else if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
			/*
			 * The successful execve: its exit stop follows.  Up to
			 * here the calls were killat's own child's; start over.
			 */
			calls = 0;
			in_call = true;
		} else if (WSTOPSIG(status) != SIGTRAP) {
			sig = WSTOPSIG(status);	/* a real signal: deliver it */
		}
	}
}
