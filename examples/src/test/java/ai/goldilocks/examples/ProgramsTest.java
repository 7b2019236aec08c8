package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The programs of the examples jar, end to end with tiny budgets. */
class ProgramsTest {

  private static int run(String... args) {
    System.setProperty("java.awt.headless", "true");
    return new CommandLine(new Main()).execute(args);
  }

  @Test
  void benchmarkWritesLogsPlotsAndSummary(@TempDir Path out) throws Exception {
    assertEquals(0, run("benchmark", "--quick", "--warmup-steps", "5", "--steps", "3", "--arms", "goldilocks-cpu,uniform,dynamic-filter",
        "--out", out.toString()));
    JsonObject s = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    JsonObject arms = s.getAsJsonObject("arms");
    assertEquals(3, arms.size());
    for (String arm : new String[] {"goldilocks-cpu", "uniform", "dynamic-filter"}) {
      JsonObject a = arms.getAsJsonObject(arm);
      assertTrue(a.get("rolloutsSpent").getAsLong() >= 3 * 16 * 8, arm);
      assertTrue(a.has("finalValAccuracy") && a.has("zeroVarianceFraction") && a.has("updatesToReachUniformFinal"), arm);
      assertTrue(Files.size(out.resolve(arm).resolve("metrics.jsonl")) > 0, arm);
    }
    for (String png : new String[] {"validation-accuracy.png", "zero-variance-fraction.png", "training-reward.png", "gradient-norm.png"}) {
      byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(out.resolve(png)), 4);
      assertEquals((byte) 0x89, head[0], png);
      assertEquals('P', head[1], png);
    }
  }

  @Test
  void omrRunsOnTheBundledFixture(@TempDir Path out) throws Exception {
    assertEquals(0, run("omr", "--warmup-steps", "3", "--steps", "2", "--out", out.toString()));
    JsonObject s = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    assertEquals(400, s.getAsJsonObject("config").get("problems").getAsInt());
    assertEquals(2, s.getAsJsonObject("arms").size());
    assertTrue(Files.isRegularFile(out.resolve("validation-accuracy.png")));
  }

  @Test
  void measurementProgramsRunAtSmallSizes() {
    assertEquals(0, run("perf", "--questions", "20000", "--selections", "2000", "--json"));
    assertEquals(0, run("data-bench", "--rows", "3000", "--repeats", "1", "--json"));
    assertEquals(0, run("djl-bench", "--new-tokens", "8", "--repeats", "1", "--threads", "1", "--json"));
    assertEquals(0, run("simulate", "--seeds", "1", "--steps", "10", "--questions", "1000", "--samplers", "goldilocks-nd4j,oracle"));
    // a tiny Qwen2-layout checkpoint of the DJL module's tests (surefire runs in the module directory)
    assertEquals(0, run("hf-bench", "--checkpoint", "../goldilocks-djl/src/test/resources/hf/tiny-qwen2", "--new-tokens", "4",
        "--group-size", "2", "--prompt-tokens", "4", "--json"));
  }

  @Test
  void simulateAndUnknownOptionsExitCleanly() {
    assertEquals(0, run("simulate", "--seeds", "1", "--steps", "20", "--questions", "2000", "--samplers", "goldilocks,uniform", "--json"));
    assertEquals(2, run("simulate", "--samplers", "magic"));
  }

  /**
   * The same seed gives the same results (issue 10, item 6): two runs of {@code omr} and of
   * {@code simulate} in one JVM, compared on everything but wall-clock fields.
   */
  @Test
  void programsAreBitReproducibleForASeed(@TempDir Path out) throws Exception {
    String[] simulated = new String[2];
    for (int r = 0; r < 2; r++) {
      String run = r == 0 ? "a" : "b";
      assertEquals(0, run("omr", "--warmup-steps", "30", "--steps", "4", "--seed", "3", "--out", out.resolve(run).toString()));
      java.io.PrintStream stdout = System.out;
      java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
      System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
      try {
        assertEquals(0, run("simulate", "--seeds", "2", "--steps", "30", "--questions", "2000", "--samplers", "goldilocks,uniform,oracle",
            "--json"));
      } finally {
        System.setOut(stdout);
      }
      simulated[r] = withoutTimes(captured.toString(java.nio.charset.StandardCharsets.UTF_8));
    }
    assertTrue(simulated[0].contains("oracle"), simulated[0]);
    assertEquals(simulated[0], simulated[1]);
    assertEquals(withoutTimes(Files.readString(out.resolve("a/summary.json"))), withoutTimes(Files.readString(out.resolve("b/summary.json"))));
    for (String arm : new String[] {"goldilocks", "uniform"}) {
      String a = withoutTimes(Files.readString(out.resolve("a").resolve(arm).resolve("metrics.jsonl")));
      assertTrue(a.contains("\"gradNorm\""), a);
      assertEquals(a, withoutTimes(Files.readString(out.resolve("b").resolve(arm).resolve("metrics.jsonl"))), arm);
    }
  }

  /** Drops wall-clock fields (any key containing "seconds" or "Second") from JSON text. */
  static String withoutTimes(String json) {
    return json.replaceAll("\"([A-Za-z]*[sS]econds?[A-Za-z]*)\"\\s*:\\s*[-0-9.eE]+,?", "");
  }
}
