package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    String[] arms = {"goldilocks-djl", "goldilocks-cpu", "uniform", "dynamic-filter", "beta-thompson", "oracle", "goldilocks-cpu-text"};
    String[] args = {"benchmark", "--quick", "--warmup-steps", "20,10", "--steps", "3", "--held-out", "60", "--eval-every", "2",
        "--arms", String.join(",", arms), "--workers", "3", "--out", out.resolve("run").toString(), "--cache",
        out.resolve("cache").toString()};
    assertEquals(0, run(args));
    JsonObject s = JsonParser.parseString(Files.readString(out.resolve("run/summary.json"))).getAsJsonObject();
    assertEquals(3, s.getAsJsonObject("config").get("workers").getAsInt());
    assertTrue(s.getAsJsonObject("config").get("zeroPad").getAsBoolean(), "zero-padded operands are the default task");
    JsonObject warm = s.getAsJsonObject("warmStart");
    assertFalse(warm.get("cached").getAsBoolean());
    assertEquals(0, warm.get("skippedSteps").getAsInt(), "no warm-start step may be skipped");
    // 10 stage-2 steps cannot lift the hard bands to the stopping level: all run, one probe at the end
    JsonObject stage2 = warm.getAsJsonObject("stage2");
    assertEquals(10, stage2.get("stepsRun").getAsInt(), stage2.toString());
    assertEquals(10, stage2.get("weightsOf").getAsInt(), stage2.toString());
    assertFalse(stage2.get("reachedTarget").getAsBoolean());
    assertEquals(1, stage2.getAsJsonArray("probes").size());
    JsonObject probe = stage2.getAsJsonArray("probes").get(0).getAsJsonObject();
    assertEquals(10, probe.get("steps").getAsInt());
    assertEquals(6, probe.getAsJsonArray("meanPByBand").size());
    double hardP = probe.get("hardMeanP").getAsDouble();
    assertTrue(hardP >= 0 && hardP < 0.15, probe.toString());
    JsonObject frontier = s.getAsJsonObject("frontier");
    double mixed = frontier.get("mixedFraction").getAsDouble();
    double gap = frontier.get("passAtGMinusMeanAtG").getAsDouble();
    assertTrue(mixed >= 0 && mixed <= 1 && gap >= 0 && gap <= 1, frontier.toString());
    JsonObject armsOut = s.getAsJsonObject("arms");
    assertEquals(arms.length, armsOut.size());
    for (String arm : arms) {
      JsonObject a = armsOut.getAsJsonObject(arm);
      assertEquals(0, a.get("skippedSteps").getAsInt(), arm + ": no GRPO step may be skipped");
      assertTrue(a.get("rolloutsSpent").getAsLong() >= 3 * 16 * 8, arm);
      for (String f : new String[] {"initialMeanP", "finalMeanP", "finalHardMeanP", "easyBandFinal", "finalGreedy", "finalMeanAt8",
          "zeroVarianceFraction"}) {
        double v = a.get(f).getAsDouble();
        assertTrue(v >= 0 && v <= 1, arm + " " + f + " = " + v);
      }
      assertTrue(a.has("updatesToReachUniformFinal"), arm);
      assertEquals(arm.equals("oracle"), a.get("upperBound").getAsBoolean(), arm);
      assertTrue(a.getAsJsonObject("finalMeanPByBand").size() == 6, arm);
      assertTrue(Files.size(out.resolve("run").resolve(arm).resolve("metrics.jsonl")) > 0, arm);
      assertTrue(Files.readAllLines(out.resolve("run").resolve(arm).resolve("validation.jsonl")).size() >= 2, arm);
    }
    // uniform reaches its own final value by definition
    assertTrue(armsOut.getAsJsonObject("uniform").get("updatesToReachUniformFinal").getAsLong() <= 3);
    for (String png : new String[] {"mean-p-vs-updates.png", "mean-p-vs-rollouts.png", "speedup.png", "zero-variance-fraction.png",
        "training-reward.png", "gradient-norm.png"}) {
      byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(out.resolve("run").resolve(png)), 4);
      assertEquals((byte) 0x89, head[0], png);
      assertEquals('P', head[1], png);
    }
    // a second run with the same configuration, its arms one after the other, reuses the cached warm
    // start and gives the same numbers as the arms run three at a time
    args[args.length - 5] = "1";
    args[args.length - 3] = out.resolve("again").toString();
    assertEquals(0, run(args));
    JsonObject again = JsonParser.parseString(Files.readString(out.resolve("again/summary.json"))).getAsJsonObject();
    assertTrue(again.getAsJsonObject("warmStart").get("cached").getAsBoolean());
    assertEquals(1, again.getAsJsonObject("config").get("workers").getAsInt());
    assertEquals(stage2.toString(), again.getAsJsonObject("warmStart").getAsJsonObject("stage2").toString().replace("\"cached\":true",
        "\"cached\":false"), "the cached stage reports its own stop and probes");
    assertEquals(withoutTimes(s.getAsJsonObject("arms").toString()), withoutTimes(again.getAsJsonObject("arms").toString()));
  }

  @Test
  void benchmarkAggregatesSeeds(@TempDir Path out) throws Exception {
    // the earlier task (operands as they are) still runs, with its own warm start
    assertEquals(0, run("benchmark", "--quick", "--seeds", "1,2", "--warmup-steps", "10,5", "--steps", "2", "--held-out", "30",
        "--no-zero-pad", "--arms", "goldilocks-cpu,uniform", "--out", out.toString(), "--cache", out.resolve("cache").toString()));
    JsonObject s = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    assertEquals(2, s.getAsJsonObject("perSeed").size());
    for (String seed : new String[] {"1", "2"}) {
      assertFalse(s.getAsJsonObject("perSeed").getAsJsonObject(seed).getAsJsonObject("config").get("zeroPad").getAsBoolean());
    }
    JsonObject mean = s.getAsJsonObject("aggregate").getAsJsonObject("goldilocks-cpu").getAsJsonObject("finalMeanP");
    assertEquals(2, mean.getAsJsonArray("perSeed").size());
    double avg = (mean.getAsJsonArray("perSeed").get(0).getAsDouble() + mean.getAsJsonArray("perSeed").get(1).getAsDouble()) / 2;
    assertEquals(avg, mean.get("mean").getAsDouble(), 1e-5);
    assertTrue(Files.isRegularFile(out.resolve("seed-2/summary.json")));
    assertTrue(Files.isRegularFile(out.resolve("speedup.png")));
    // seeds run separately (in parallel) aggregate to the same numbers
    Files.delete(out.resolve("summary.json"));
    assertEquals(0, run("benchmark", "--quick", "--seeds", "1,2", "--aggregate-only", "--arms", "goldilocks-cpu,uniform",
        "--out", out.toString()));
    JsonObject again = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    for (String arm : new String[] {"goldilocks-cpu", "uniform"}) {
      JsonObject a = s.getAsJsonObject("aggregate").getAsJsonObject(arm);
      JsonObject b = again.getAsJsonObject("aggregate").getAsJsonObject(arm);
      for (String f : a.keySet()) {
        var ma = a.getAsJsonObject(f).get("mean");
        var mb = b.getAsJsonObject(f).get("mean");
        assertEquals(ma.isJsonNull(), mb.isJsonNull(), arm + " " + f);
        if (!ma.isJsonNull()) {
          assertEquals(ma.getAsDouble(), mb.getAsDouble(), 0.0, arm + " " + f);
        }
      }
    }
  }

  /** A misspelt teacher target is a usage error before any training (it used to fail in the arm, after the warm start). */
  @Test
  void benchmarkRefusesAnUnknownTeacherTargetAtOnce(@TempDir Path out) {
    assertEquals(2, run("benchmark", "--djl-teacher-target", "sucess-rate", "--out", out.resolve("run").toString(), "--cache",
        out.resolve("cache").toString()));
    assertFalse(Files.exists(out.resolve("run")), "nothing is written");
    assertFalse(Files.exists(out.resolve("cache")), "nothing is trained");
  }

  @Test
  void omrRunsOnTheBundledFixture(@TempDir Path out) throws Exception {
    assertEquals(0, run("omr", "--warmup-steps", "3", "--steps", "2", "--out", out.toString()));
    JsonObject s = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
    assertEquals(400, s.getAsJsonObject("config").get("problems").getAsInt());
    assertEquals(0, s.getAsJsonObject("config").get("skippedWarmStartSteps").getAsInt(), "no warm-start step may be skipped");
    assertEquals(2, s.getAsJsonObject("arms").size());
    for (String arm : new String[] {"goldilocks", "uniform"}) {
      JsonObject a = s.getAsJsonObject("arms").getAsJsonObject(arm);
      assertEquals(2, a.get("updates").getAsLong(), arm + ": no GRPO step may be skipped");
      assertEquals(2 * 16 * 8, a.get("rolloutsSpent").getAsLong(), arm);
      for (String f : new String[] {"initialValAccuracy", "finalValAccuracy", "finalValMeanAtK", "zeroVarianceFraction"}) {
        double v = a.get(f).getAsDouble();
        assertTrue(v >= 0 && v <= 1, arm + " " + f + " = " + v);
      }
      assertEquals(2, Files.readAllLines(out.resolve(arm).resolve("metrics.jsonl")).size(), arm);
    }
    assertTrue(Files.isRegularFile(out.resolve("validation-accuracy.png")));
  }

  @Test
  void serviceBenchPrintsThroughputAndLatencies() throws Exception {
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertEquals(0, run("service-bench", "--seconds", "1", "--clients", "2", "--batch", "8", "--group-size", "4",
          "--questions", "500", "--json"));
    } finally {
      System.setOut(stdout);
    }
    JsonObject r = JsonParser.parseString(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
    assertTrue(r.get("requestsPerSecond").getAsDouble() > 0, r.toString());
    JsonObject rewards = r.getAsJsonObject("rewards");
    JsonObject picks = r.getAsJsonObject("picks");
    // every step: each of the 2 clients asks for the picks once and posts half of the 8 groups
    assertEquals(4 * picks.get("count").getAsLong(), rewards.get("count").getAsLong(), r.toString());
    assertTrue(rewards.get("p99Micros").getAsDouble() >= rewards.get("p50Micros").getAsDouble());
  }

  /** Runs a program with {@code --json} and returns the JSON object it printed on stdout. */
  private static JsonObject runJson(String... args) {
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertEquals(0, run(args), String.join(" ", args));
    } finally {
      System.setOut(stdout);
    }
    return JsonParser.parseString(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
  }

  @Test
  void measurementProgramsPrintTheirMeasurements() {
    JsonObject perf = runJson("perf", "--questions", "20000", "--selections", "2000", "--json");
    assertEquals(20000, perf.get("questions").getAsInt());
    for (String k : new String[] {"K16", "K64"}) {
      JsonObject m = perf.getAsJsonObject(k);
      assertTrue(m.get("selectionsPerSecond").getAsDouble() > 0, perf.toString());
      assertTrue(m.get("p99Micros").getAsDouble() >= m.get("p50Micros").getAsDouble(), perf.toString());
    }
    // the host loop: every due update runs synchronously and with the bounded lag; unbounded, some may merge
    JsonObject loop = perf.getAsJsonObject("batchLoop");
    for (String k : new String[] {"synchronous", "asynchronousBounded", "asynchronousUnbounded"}) {
      JsonObject m = loop.getAsJsonObject(k);
      long due = m.get("dueUpdates").getAsLong();
      assertEquals(due, m.get("teacherUpdates").getAsLong() + m.get("teacherUpdatesMerged").getAsLong(), k + ": " + m);
      if (!k.equals("asynchronousUnbounded")) {
        assertEquals(0, m.get("teacherUpdatesMerged").getAsLong(), k + ": " + m);
      }
    }
    assertTrue(loop.getAsJsonObject("asynchronousBounded").get("maxTeacherLagSamples").getAsLong() <= 128, loop.toString());
    JsonObject data = runJson("data-bench", "--rows", "3000", "--repeats", "1", "--json");
    for (String k : new String[] {"parquet", "jsonl"}) {
      assertEquals(3000, data.getAsJsonObject(k).get("rowsKept").getAsInt(), k + ": every generated row is read back");
    }
    JsonObject djl = runJson("djl-bench", "--new-tokens", "8", "--repeats", "1", "--threads", "1", "--warmup-seconds", "0", "--json");
    assertEquals(0.0, djl.get("warmupSeconds").getAsDouble());
    assertEquals(411_264, djl.get("parameters").getAsLong());
    assertTrue(djl.getAsJsonObject("samplingWithCache").get("tokensPerSecond").getAsDouble() > 0, djl.toString());
    assertTrue(djl.get("grpoStepMillis").getAsDouble() > 0 && djl.get("sftStepMillis").getAsDouble() > 0, djl.toString());
    JsonObject sim = runJson("simulate", "--seeds", "1", "--steps", "10", "--questions", "1000", "--samplers", "goldilocks-nd4j,oracle",
        "--json");
    for (String k : new String[] {"goldilocks-nd4j", "oracle"}) {
      JsonObject a = sim.getAsJsonObject("samplers").getAsJsonObject(k);
      assertEquals(10.0, a.get("updates").getAsDouble(), k + ": every step ran");
      assertEquals(sim.getAsJsonObject("config").get("rolloutBudget").getAsDouble(), a.get("rolloutsSpent").getAsDouble(), k);
      double ratio = a.get("oracleUtilityRatio").getAsDouble();
      assertTrue(ratio > 0 && ratio <= 1.0 + 1e-9, k + " " + ratio);
    }
    // a tiny Qwen2-layout checkpoint of the DJL module's tests (surefire runs in the module directory)
    JsonObject hf = runJson("hf-bench", "--checkpoint", "../goldilocks-djl/src/test/resources/hf/tiny-qwen2", "--new-tokens", "4",
        "--group-size", "2", "--prompt-tokens", "4", "--json");
    assertTrue(hf.get("loadSeconds").getAsDouble() >= 0 && hf.get("rssBytesAfterLoad").getAsLong() > 0, hf.toString());
    assertTrue(hf.get("rssBytesHighWater").getAsLong() >= hf.get("rssBytesAfterLoad").getAsLong(), hf.toString());
    assertTrue(hf.getAsJsonObject("generateGroup2").get("tokensPerSecond").getAsDouble() > 0, hf.toString());
  }

  /** math-bench over the verifier's table: every verdict as the table says, the costly pairs stopped. */
  @Test
  void mathBenchChecksAndTimesTheVerifierTable() throws Exception {
    JsonObject m = runJson("math-bench", "--table", "../goldilocks-grpo/src/test/resources/ai/goldilocks/grpo/math/pairs.tsv",
        "--warmup", "0", "--rounds", "1", "--json");
    assertTrue(m.get("pairs").getAsInt() >= 400, m.toString());
    assertEquals(0, m.get("falsePositives").getAsInt(), m.toString());
    assertEquals(0, m.get("falseNegatives").getAsInt(), m.toString());
    assertTrue(m.get("timedOutPerPass").getAsLong() > 0, m.toString());
    assertTrue(m.get("p99Us").getAsDouble() >= m.get("medianUs").getAsDouble(), m.toString());
    Path bad = Files.createTempFile("pairs", ".tsv");
    try {
      Files.writeString(bad, "1\t1\tequal\n2\t2\tsame\n");
      assertEquals(1, run("math-bench", "--table", bad.toString()), "a line without equal|not-equal is refused");
    } finally {
      Files.delete(bad);
    }
  }

  @Test
  void simulateAndUnknownOptionsExitCleanly() {
    assertEquals(0, run("simulate", "--seeds", "1", "--steps", "20", "--questions", "2000", "--samplers", "goldilocks,uniform", "--json"));
    assertEquals(2, run("simulate", "--samplers", "magic"));
    assertEquals(2, run("simulate", "--family", "--worlds", "atlantis"));
    JsonObject fam = runJson("simulate", "--family", "--worlds", "topic-words,paraphrases", "--max-questions", "2000", "--seeds", "1",
        "--steps", "10", "--samplers", "goldilocks,uniform,oracle", "--json");
    for (String w : new String[] {"topic-words", "paraphrases"}) {
      JsonObject s = fam.getAsJsonObject("worlds").getAsJsonObject(w).getAsJsonObject("samplers");
      assertEquals(0.0, s.getAsJsonObject("uniform").get("gainShare").getAsDouble(), w);
      assertEquals(1.0, s.getAsJsonObject("oracle").get("gainShare").getAsDouble(), 1e-9, w);
      assertEquals(2000, fam.getAsJsonObject("worlds").getAsJsonObject(w).get("questions").getAsInt(), w);
    }
    JsonObject avg = fam.getAsJsonObject("average").getAsJsonObject("goldilocks").getAsJsonObject("all");
    assertEquals(2, avg.get("worlds").getAsInt());
    assertTrue(avg.has("gainShare") && avg.has("gainShareMin") && avg.has("teacherMaeUnseen"), avg.toString());
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
