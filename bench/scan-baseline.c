/*
 * scan-baseline: the floor for forkwatch's discovery scan (bench/scan.ts).
 * Reads, for every pid under /proc, the files discovery reads (stat and
 * cmdline: a target selected by pid or cmdline needs no more), each with one
 * open/read/close into a reused buffer (a short read is the end, as in
 * src/proc/read.ts), and parses stat's ppid and start time
 * so the work is not optimised away. Prints, per pass, the wall time in ms,
 * the processes read and the CPU time (user + system) in ms.  Usage: scan-baseline [ROOT] [PASSES]
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

/* stat and cmdline are one record each: a read shorter than asked is the end (no read(2) returning 0). */
static long read_file(const char *path) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -1;
    long n = 0, got;
    while (n < (long)sizeof buf && (got = read(fd, buf + n, sizeof buf - n)) > 0) {
        n += got;
        if (got < (long)sizeof buf - (n - got)) break;
    }
    close(fd);
    return n;
}

static double now_ms(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long one_pass(const char *root, unsigned long *checksum) {
    DIR *d = opendir(root);
    if (!d) return -1;
    char path[512];
    long count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "%s/%s/stat", root, e->d_name);
        long n = read_file(path);
        if (n <= 0) continue;
        buf[n < (long)sizeof buf ? n : (long)sizeof buf - 1] = 0;
        char *close_paren = strrchr(buf, ')');
        if (!close_paren) continue;
        char state;
        long ppid;
        unsigned long long start = 0;
        if (sscanf(close_paren + 2, "%c %ld", &state, &ppid) == 2) {
            char *p = close_paren + 2;
            for (int field = 3; field < 22 && p; field++) p = strchr(p + 1, ' ');
            if (p) start = strtoull(p + 1, NULL, 10);
            *checksum += (unsigned long)ppid + start;
        }
        snprintf(path, sizeof path, "%s/%s/cmdline", root, e->d_name);
        n = read_file(path);
        if (n > 0) *checksum += (unsigned char)buf[0];
        count++;
    }
    closedir(d);
    return count;
}

int main(int argc, char **argv) {
    const char *root = argc > 1 ? argv[1] : "/proc";
    int passes = argc > 2 ? atoi(argv[2]) : 1;
    unsigned long checksum = 0;
    for (int i = 0; i < passes; i++) {
        double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        long count = one_pass(root, &checksum);
        printf("%.3f %ld %.3f\n", now_ms(CLOCK_MONOTONIC) - t0, count, now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0);
    }
    fprintf(stderr, "checksum %lu\n", checksum);
    return 0;
}
