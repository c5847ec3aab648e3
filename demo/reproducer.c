/*
 * forkwatch demo reproducer (C): a multi-threaded parent whose
 * pthread_atfork child handler takes a mutex another thread holds at fork
 * time, so the child it forks hangs forever before exec (the illumos #1667
 * shape, on glibc). Built and run by `forkwatch demo`; it only ever harms its
 * own children.
 *
 * Protocol (one line each, stdout): "ready" once the lock is held and the
 * threads run. On "fork" (stdin) it forks a child with the deadlock armed:
 * "forked PID"; a reaper thread waits for that child: "reaped PID signal N"
 * (or "exit N"), then forks a healthy child that execs `true`:
 * "forked-again PID exit N" (the parent moving on). On end of stdin it kills
 * its hung child, reaps every child and exits. The hung child asks the kernel to SIGKILL it when
 * the forking thread dies (PR_SET_PDEATHSIG), so no child outlives the demo.
 * It ignores SIGINT (a terminal's Ctrl-C reaches the demo's whole process
 * group; the demo ends it by closing its stdin, so its children are reaped).
 * Argv after the first argument is ignored (the demo puts a marker there).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int holder_ready = 0;
static volatile int arm_deadlock = 0;
static volatile pid_t hung_child = 0;
static volatile int quitting = 0;
static pthread_t reaper_thread;
static int have_reaper = 0;

__attribute__((noinline)) static void take_held_lock_in_child(void) {
    pthread_mutex_lock(&held_lock); /* never returns: its owner does not exist in the child */
}

/* Run by fork() in the child, before fork returns there. */
__attribute__((noinline)) static void atfork_child_handler(void) {
    if (!arm_deadlock) return;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    take_held_lock_in_child();
}

/* Holds the lock across every fork, as a crypto or NSS thread would. */
static void *lock_holder(void *arg) {
    (void)arg;
    pthread_mutex_lock(&held_lock);
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

static void report_wait(const char *what, pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {}
    if (WIFSIGNALED(status)) printf("%s %d signal %d\n", what, (int)pid, WTERMSIG(status));
    else printf("%s %d exit %d\n", what, (int)pid, WEXITSTATUS(status));
}

/* Waits for the hung child; once someone kills it, the parent forks (healthily) again. */
static void *reaper(void *arg) {
    pid_t pid = (pid_t)(long)arg;
    report_wait("reaped", pid);
    hung_child = 0;
    if (quitting) return NULL;
    pid_t again = fork();
    if (again == 0) {
        execlp("true", "true", (char *)NULL);
        _exit(127);
    }
    report_wait("forked-again", again);
    return NULL;
}

static void fork_hung(void) {
    arm_deadlock = 1;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("true", "true", (char *)NULL); /* only reached if the handler did not block */
        _exit(127);
    }
    arm_deadlock = 0;
    if (pid < 0) {
        perror("fork");
        return;
    }
    if (have_reaper) pthread_join(reaper_thread, NULL); /* one hung child at a time */
    hung_child = pid;
    printf("forked %d\n", (int)pid);
    have_reaper = pthread_create(&reaper_thread, NULL, reaper, (void *)(long)pid) == 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the whole process group: the demo ends this one through its stdin */
    pthread_atfork(NULL, NULL, atfork_child_handler);
    pthread_t t;
    pthread_create(&t, NULL, lock_holder, NULL);
    pthread_mutex_lock(&ready_lock);
    while (!holder_ready) pthread_cond_wait(&ready_cond, &ready_lock);
    pthread_mutex_unlock(&ready_lock);
    for (int i = 0; i < 3; i++) pthread_create(&t, NULL, idle_worker, NULL);
    printf("ready\n");
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        if (!strncmp(line, "fork", 4)) fork_hung();
    }
    quitting = 1;
    if (hung_child > 0) kill(hung_child, SIGKILL);
    if (have_reaper) pthread_join(reaper_thread, NULL);
    return 0;
}
