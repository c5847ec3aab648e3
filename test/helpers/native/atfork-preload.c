/*
 * atfork-preload: an LD_PRELOAD library that makes every fork() of the
 * process it is loaded into deadlock in the child, the way a crypto or NSS
 * library's atfork handler does (illumos #1667, on glibc): its constructor
 * starts a thread that takes a mutex and holds it forever, and its
 * pthread_atfork child handler locks that mutex, whose owner does not exist
 * in the child. Armed only when FORKWATCH_ATFORK_DEADLOCK=1 is in the
 * environment, so javac, jcmd and anything else that inherits LD_PRELOAD by
 * accident is unaffected.
 *
 * Built by test/helpers/jvm.ts (buildNative('atfork-preload', {shared: true}));
 * loaded into the suite's Java program (test/helpers/java/ForkDeadlock.java).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t forkwatch_held_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int holder_ready = 0;

/* Exported, not static: the frames keep their names in a stack even when
 * the library is stripped of its local symbols. */
__attribute__((noinline)) void forkwatch_preload_take_lock(void) {
    pthread_mutex_lock(&forkwatch_held_lock); /* never returns in the child */
}

__attribute__((noinline)) void forkwatch_preload_atfork_child(void) {
    forkwatch_preload_take_lock();
}

static void *hold_lock_forever(void *arg) {
    (void)arg;
    pthread_mutex_lock(&forkwatch_held_lock);
    pthread_mutex_lock(&ready_lock);
    holder_ready = 1;
    pthread_cond_signal(&ready_cond);
    pthread_mutex_unlock(&ready_lock);
    for (;;) pause();
    return NULL;
}

__attribute__((constructor)) static void forkwatch_preload_init(void) {
    const char *armed = getenv("FORKWATCH_ATFORK_DEADLOCK");
    if (armed == NULL || strcmp(armed, "1") != 0) return;
    pthread_t t;
    if (pthread_create(&t, NULL, hold_lock_forever, NULL) != 0) return;
    pthread_setname_np(t, "lock-holder");
    pthread_mutex_lock(&ready_lock);
    while (!holder_ready) pthread_cond_wait(&ready_cond, &ready_lock);
    pthread_mutex_unlock(&ready_lock);
    pthread_atfork(NULL, NULL, forkwatch_preload_atfork_child);
}
