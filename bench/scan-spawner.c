/*
 * scan-spawner: forks N idle children (unrelated processes for bench/scan.ts),
 * all in its own process group so the bench removes them with one kill(-pgid).
 * Usage: scan-spawner N   — prints "ready" once all N exist, then waits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 0;
    setpgid(0, 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            for (;;) pause();
        }
    }
    printf("ready\n");
    for (;;) pause();
    return 0;
}
