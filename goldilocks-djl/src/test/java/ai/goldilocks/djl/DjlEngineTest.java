package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * No network, ever: a child JVM, started without DJL's offline settings and, where the machine
 * allows it, in a network namespace with no interfaces ({@code unshare -rn}), runs the module's
 * entry points while a security manager fails any connection attempt.
 */
class DjlEngineTest {

  private static boolean unshareWorks() {
    try {
      Process p = new ProcessBuilder("unshare", "-rn", "true").redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void theModuleWorksWithoutNetworkAndNeverTriesToConnect() throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> cmd = new ArrayList<>();
    boolean isolated = unshareWorks();
    if (isolated) {
      cmd.add("unshare");
      cmd.add("-rn");
    }
    cmd.add(java);
    cmd.add("-cp");
    // the module's own classes are on the module path when the tests run as a module; the child
    // runs everything from the class path
    String modulePath = System.getProperty("jdk.module.path");
    cmd.add(System.getProperty("java.class.path") + (modulePath == null || modulePath.isEmpty() ? "" : File.pathSeparator + modulePath));
    cmd.add(OfflineSmoke.class.getName());
    cmd.add(HfTokenizerTest.tokenizerFile().toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("DJL_OFFLINE");
    pb.environment().remove("OPT_OUT_TRACKING");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child timed out");
    assertEquals(0, p.exitValue(), "child failed (network namespace: " + isolated + "):\n" + out);
    assertTrue(out.contains("OFFLINE-OK offline=true"), out);
  }
}
