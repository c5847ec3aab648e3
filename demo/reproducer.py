"""forkwatch demo reproducer (Python 3): a thread holds a lock across
os.fork(), and the child takes that lock, so the child blocks forever on a
futex before it could exec (it never execs). Run by `forkwatch demo`; it
only ever harms its own children.

Protocol (one line each, stdout): "ready" once the lock is held. On "fork"
(stdin): "forked PID"; a reaper thread waits for that child: "reaped PID
signal N" (or "exit N"), then forks a healthy child that execs `true`:
"forked-again PID exit N" (the parent moving on). On end of stdin it kills
its hung children, reaps every child and exits. The hung child asks the kernel to SIGKILL it when
the parent dies (PR_SET_PDEATHSIG, where ctypes is available).
"""
import os
import signal
import sys
import threading
import warnings

warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+ warns about fork() with threads: that is the point here

held_lock = threading.Lock()
holder_ready = threading.Event()
hung_children = []
reapers = []
quitting = threading.Event()


def lock_holder():
    with held_lock:
        holder_ready.set()
        threading.Event().wait()


def set_parent_death_signal():
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def report_wait(what, pid):
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        print(f"{what} {pid} signal {os.WTERMSIG(status)}", flush=True)
    else:
        print(f"{what} {pid} exit {os.WEXITSTATUS(status)}", flush=True)


def reaper(pid):
    report_wait("reaped", pid)
    hung_children.remove(pid)
    if quitting.is_set():
        return
    again = os.fork()
    if again == 0:
        try:
            os.execvp("true", ["true"])
        finally:
            os._exit(127)
    report_wait("forked-again", again)


def fork_hung():
    pid = os.fork()
    if pid == 0:
        set_parent_death_signal()
        held_lock.acquire()  # never returns: the thread that holds it does not exist in the child
        os._exit(0)
    hung_children.append(pid)
    print(f"forked {pid}", flush=True)
    t = threading.Thread(target=reaper, args=(pid,), daemon=True)
    reapers.append(t)
    t.start()


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the demo ends us through stdin
    threading.Thread(target=lock_holder, daemon=True).start()
    holder_ready.wait()
    print("ready", flush=True)
    for line in sys.stdin:
        if line.startswith("fork"):
            fork_hung()
    quitting.set()
    for pid in list(hung_children):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for t in reapers:
        t.join()


main()
