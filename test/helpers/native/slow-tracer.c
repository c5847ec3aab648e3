/*
 * slow-tracer: a fake debugger for the "tracer killed mid-capture" tests.
 * Called like gdb or eu-stack (it takes the pid after "-p", or the last
 * argument), it PTRACE_ATTACHes and then never detaches: it sleeps until
 * forkwatch's timeout SIGKILLs it. Built with -DWAIT_FOR_STOP it first waits
 * for the attach stop (the tracee sits in a signal-delivery-stop, state t);
 * without, the SIGSTOP the attach queued is left for the tracee to take.
 * Either way the kernel detaches on the tracer's death and the tracee then
 * stops (state T): the harm forkwatch must notice and undo.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    pid_t pid = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p") && i + 1 < argc) pid = (pid_t)atoi(argv[++i]);
    }
    if (pid == 0 && argc > 1) pid = (pid_t)atoi(argv[argc - 1]);
    if (pid <= 0) {
        fprintf(stderr, "slow-tracer: no pid\n");
        return 2;
    }
    if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) != 0) {
        perror("slow-tracer: ptrace");
        return 1;
    }
#ifdef WAIT_FOR_STOP
    int status;
    waitpid(pid, &status, __WALL);
#endif
    printf("attached %d\n", (int)pid);
    fflush(stdout);
    for (;;) pause();
    return 0;
}
