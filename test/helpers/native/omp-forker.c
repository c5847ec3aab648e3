/*
 * A GNU OpenMP thread pool lost across fork (GCC PR 52303): the parent runs
 * a parallel region (libgomp keeps its pool of threads docked afterwards),
 * then forks; the child runs a parallel region too, and its only thread waits
 * at the pool's dock barrier for pool threads that fork did not copy. It
 * hangs for ever. The parent prints the child's pid and waits for it.
 *
 *   OMP_NUM_THREADS=4 omp-forker     (prints "child PID", then waits)
 */
#include <omp.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static double work(int n) {
  double s = 0;
#pragma omp parallel for reduction(+ : s)
  for (int i = 0; i < n; i++) s += i * 0.5;
  return s;
}

int main(void) {
  if (work(100000) <= 0) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    double s = work(100000); /* hangs here: the pool's threads are not in the child */
    _exit(s > 0 ? 0 : 1);
  }
  printf("child %d\n", (int)pid);
  fflush(stdout);
  int status;
  waitpid(pid, &status, 0);
  return 0;
}
