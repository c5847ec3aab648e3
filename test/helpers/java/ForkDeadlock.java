/*
 * The suite's stand-in for a Jenkins controller whose SCM polling hangs in a
 * post-fork deadlock. Each argument is a thread name (default
 * "SCM polling for demo-job", as Jenkins' SCMTrigger names its threads); each
 * thread runs `new ProcessBuilder("true").start()` then waitFor(). Run with
 * -Djdk.lang.Process.launchMechanism=FORK and LD_PRELOAD=atfork-preload.so
 * (FORKWATCH_ATFORK_DEADLOCK=1): the forked children hang in the preload's
 * atfork child handler, so start() does not return until the child is killed.
 *
 * Prints tab-separated lines for test/helpers/jvm.ts:
 *   ready <jvm pid>
 *   forking <thread name> <native-ish thread id>
 *   started <thread name> <child pid>      (start() returned: polling resumes)
 *   exited <thread name> <exit status>
 *   failed <thread name> <exception>
 */
import java.util.ArrayList;
import java.util.List;

public final class ForkDeadlock {
    public static void main(String[] args) throws Exception {
        String[] names = args.length > 0 ? args : new String[] {"SCM polling for demo-job"};
        say("ready", String.valueOf(ProcessHandle.current().pid()));
        List<Thread> threads = new ArrayList<>();
        for (String name : names) {
            Thread t = new Thread(() -> poll(name), name);
            t.start();
            threads.add(t);
            // One fork at a time: each child then holds only its own fail pipe's write end.
            Thread.sleep(300);
        }
        for (Thread t : threads) t.join();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void poll(String name) {
        try {
            say("forking", name, String.valueOf(Thread.currentThread().getId()));
            Process p = new ProcessBuilder("true").start();
            say("started", name, String.valueOf(p.pid()));
            say("exited", name, String.valueOf(p.waitFor()));
        } catch (Exception e) {
            say("failed", name, e.toString());
        }
    }

    private static synchronized void say(String... fields) {
        System.out.println(String.join("\t", fields));
        System.out.flush();
    }
}
