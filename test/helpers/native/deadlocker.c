/*
 * deadlocker: a multi-threaded parent whose pthread_atfork child handler
 * locks a mutex that another thread holds at fork time, so the children it
 * forks with the handler armed hang forever before exec (the illumos #1667
 * shape, on glibc). Beside them it makes decoys that must NOT be flagged as
 * deadlocked: an exec'd long-running child, a forked busy worker, a forked
 * sleeping worker, a forked worker blocked in accept(), and a zombie.
 * With --spinning N it also forks N children whose child handler waits
 * instead for a flag (a hand-rolled spin lock, spinning then sleeping 10 ms)
 * that another thread of the parent set before the fork (and holds):
 * they never return from fork() either, and are in no lock wait.
 *
 * Usage: deadlocker [--hung N] [--spinning N] [--exec] [--busy] [--sleeper]
 *                   [--accepter] [--zombie] [--threads N] [--label TEXT]
 * --label TEXT is ignored: it only puts TEXT in the argv (hence the cmdline);
 * so is everything after "--" (a cmdline shaped like an agent's: -secret HEX)
 * that the parent and its never-exec'd children share, e.g. hostile markup.
 * Prints one line per child: "<role> <pid>", then "ready", then waits forever
 * (until killed). Roles: hung, spinning, exec, busy, sleeper, accepter, zombie.
 * Built and started by test/helpers/deadlocker.ts; never run by forkwatch.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int holder_ready = 0;
static volatile int arm_deadlock = 0;
static volatile int arm_spin = 0;
/* A spin "lock" the holder thread owns across every fork: set before the first, never cleared. */
static volatile int owner_flag = 0;

/* Runs in the child right after fork(), before anything else. */
__attribute__((noinline)) static void take_held_lock_in_child(void) {
    pthread_mutex_lock(&held_lock); /* never returns: its owner does not exist here */
}

/* Spins for the flag, sleeping 10 ms between rounds (polite on a 2-core box): never returns in a child. */
__attribute__((noinline)) static void spin_until_clear(void) {
    while (owner_flag) {
        for (int i = 0; i < 1000 && owner_flag; i++) __asm__ __volatile__("" ::: "memory");
        usleep(10000);
    }
}

__attribute__((noinline)) static void atfork_child_handler(void) {
    if (arm_deadlock) take_held_lock_in_child();
    if (arm_spin) spin_until_clear();
}

/* The thread that holds the lock across every fork (as a crypto/NSS thread would). */
static void *lock_holder(void *arg) {
    (void)arg;
    pthread_mutex_lock(&held_lock);
    owner_flag = 1;
    pthread_mutex_lock(&ready_lock);
    holder_ready = 1;
    pthread_cond_signal(&ready_cond);
    pthread_mutex_unlock(&ready_lock);
    for (;;) pause();
    return NULL;
}

static void *idle_worker(void *arg) {
    (void)arg;
    for (;;) pause();
    return NULL;
}

/* Forks with one of the child handler's behaviours armed (arm_deadlock, arm_spin) for that fork only. */
static pid_t fork_hung(volatile int *arm) {
    *arm = 1;
    pid_t pid = fork();
    if (pid == 0) {
        /* Only reached if the handler did not block: exec as Jenkins would. */
        execlp("true", "true", (char *)NULL);
        _exit(127);
    }
    *arm = 0;
    return pid;
}

static pid_t fork_exec_child(void) {
    pid_t pid = fork();
    if (pid == 0) {
        execlp("sleep", "sleep", "100000", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static pid_t fork_busy(void) {
    pid_t pid = fork();
    if (pid == 0) {
        volatile unsigned long n = 0;
        for (;;) {
            n++;
            /* busy, yet polite on a 2-core box: 1-3 ms of counting, then 2 ms asleep. With a 10 ms nap,
             * on a host loaded with other work, it used less than 5% of a CPU between forkwatch's two
             * samples, and forkwatch took it for stuck: a busy decoy must look busy under any load */
            if ((n & 0xfffff) == 0) usleep(2000);
        }
    }
    return pid;
}

static pid_t fork_sleeper(void) {
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) sleep(1000);
    }
    return pid;
}

static pid_t fork_accepter(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
        perror("accepter socket");
        exit(2);
    }
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) {
            int c = accept(fd, NULL, NULL);
            if (c >= 0) close(c);
        }
    }
    close(fd);
    return pid;
}

static pid_t fork_zombie(void) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    return pid; /* never reaped */
}

int main(int argc, char **argv) {
    int hung = 0, spinning = 0, exec_child = 0, busy = 0, sleeper = 0, accepter = 0, zombie = 0, threads = 4;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hung") && i + 1 < argc) hung = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--spinning") && i + 1 < argc) spinning = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--label") && i + 1 < argc) i++; /* ignored: argv text only */
        else if (!strcmp(argv[i], "--")) break; /* the rest is argv text only (e.g. an agent's -secret) */
        else if (!strcmp(argv[i], "--exec")) exec_child = 1;
        else if (!strcmp(argv[i], "--busy")) busy = 1;
        else if (!strcmp(argv[i], "--sleeper")) sleeper = 1;
        else if (!strcmp(argv[i], "--accepter")) accepter = 1;
        else if (!strcmp(argv[i], "--zombie")) zombie = 1;
        else {
            fprintf(stderr, "deadlocker: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_atfork(NULL, NULL, atfork_child_handler);

    pthread_t t;
    pthread_create(&t, NULL, lock_holder, NULL);
    pthread_mutex_lock(&ready_lock);
    while (!holder_ready) pthread_cond_wait(&ready_cond, &ready_lock);
    pthread_mutex_unlock(&ready_lock);
    for (int i = 0; i < threads; i++) pthread_create(&t, NULL, idle_worker, NULL);

    for (int i = 0; i < hung; i++) printf("hung %d\n", (int)fork_hung(&arm_deadlock));
    for (int i = 0; i < spinning; i++) printf("spinning %d\n", (int)fork_hung(&arm_spin));
    if (exec_child) printf("exec %d\n", (int)fork_exec_child());
    if (busy) printf("busy %d\n", (int)fork_busy());
    if (sleeper) printf("sleeper %d\n", (int)fork_sleeper());
    if (accepter) printf("accepter %d\n", (int)fork_accepter());
    if (zombie) printf("zombie %d\n", (int)fork_zombie());
    printf("ready\n");
    for (;;) pause();
    return 0;
}
