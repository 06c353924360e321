import assert from "node:assert/strict";
import { signalListText } from "./signals.ts";

Deno.test("signalListText() prints the original's list byte for byte", () => {
  const expected = "1) SIGHUP\t2) SIGINT\t3) SIGQUIT\t4) SIGILL\t\n" +
    "5) SIGTRAP\t6) SIGABRT\t7) SIGBUS\t8) SIGFPE\t\n" +
    "9) SIGKILL\t10) SIGUSR1\t11) SIGSEGV\t12) SIGUSR2\t\n" +
    "13) SIGPIPE\t14) SIGALRM\t15) SIGTERM\t16) SIGSTKFLT\t\n" +
    "17) SIGCHLD\t18) SIGCONT\t19) SIGSTOP\t20) SIGTSTP\t\n" +
    "21) SIGTTIN\t22) SIGTTOU\t23) SIGURG\t24) SIGXCPU\t\n" +
    "25) SIGXFSZ\t26) SIGVTALRM\t27) SIGPROF\t28) SIGWINCH\t\n" +
    "29) SIGIO\t30) SIGPWR\t31) SIGSYS\t\n";
  assert.equal(signalListText(), expected);
});
