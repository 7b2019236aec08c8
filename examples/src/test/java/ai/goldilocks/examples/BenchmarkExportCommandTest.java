package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchmarkExportCommandTest {
  private static int run(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  private static List<JsonObject> rows(Path file) throws Exception {
    return Files.readAllLines(file).stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
  }

  @Test
  void writesTheBenchmarksQuestionsFromItsOwnGenerator(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("seed-3");
    assertEquals(0, run("benchmark-export", "--seed", "3", "--pool-size", "300", "--held-out", "60", "--warmup-steps", "4,3",
        "--out", out.toString()));

    List<ArithmeticTask> heldOut = BenchmarkRecipe.heldOutSet(60, 3, true);
    List<JsonObject> v = rows(out.resolve("heldout.jsonl"));
    assertEquals(60, v.size());
    for (int i = 0; i < v.size(); i++) {
      ArithmeticTask t = heldOut.get(i);
      JsonObject r = v.get(i);
      assertEquals(t.id(), r.get("id").getAsString());
      assertEquals(t.prompt(), r.get("text").getAsString());
      assertEquals(t.answer(), r.get("answer").getAsString());
      assertEquals(new StringBuilder(t.answer()).reverse().toString(), r.get("target").getAsString());
      assertEquals(t.maxDigits(), r.get("digits").getAsInt());
    }
    assertEquals(10, v.stream().filter(r -> r.get("digits").getAsInt() == 6).count(), "even across the six bands");

    List<JsonObject> pool = rows(out.resolve("pool.jsonl"));
    assertEquals(300, pool.size());
    assertEquals(BenchmarkRecipe.poolSet(300, 3, heldOut, true).get(299).prompt(), pool.get(299).get("text").getAsString());
    Set<String> heldOutPrompts = new HashSet<>();
    v.forEach(r -> heldOutPrompts.add(r.get("text").getAsString()));
    assertTrue(pool.stream().filter(r -> r.get("digits").getAsInt() > 1).noneMatch(r -> heldOutPrompts.contains(r.get("text").getAsString())),
        "no held-out question in the pool");
    assertEquals(BenchmarkRecipe.probeSet(3, true).size(), rows(out.resolve("probe.jsonl")).size());

    // the warm start's batches, step by step, as benchmark draws them
    List<JsonObject> stage1 = rows(out.resolve("warm-stage1.jsonl"));
    List<JsonObject> stage2 = rows(out.resolve("warm-stage2.jsonl"));
    assertEquals(4, stage1.size());
    assertEquals(3, stage2.size());
    Rng rng = BenchmarkRecipe.warmRng(3, 2);
    for (JsonObject step : stage2) {
      List<ArithmeticTask> expected = BenchmarkRecipe.warmTasks(rng, BenchmarkRecipe.STAGE2_HARD, true);
      JsonArray prompts = step.getAsJsonArray("prompts");
      JsonArray targets = step.getAsJsonArray("targets");
      assertEquals(BenchmarkRecipe.WARM_BATCH, prompts.size());
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(expected.get(i).prompt(), prompts.get(i).getAsString());
        assertEquals(new StringBuilder(expected.get(i).answer()).reverse().toString(), targets.get(i).getAsString());
      }
    }
    assertNotEquals(stage1.get(0).get("prompts"), stage2.get(0).get("prompts"), "each stage has its own stream");

    JsonObject m = JsonParser.parseString(Files.readString(out.resolve("manifest.json"))).getAsJsonObject();
    assertEquals(BenchmarkExportCommand.FORMAT, m.get("format").getAsInt());
    assertEquals("0123456789+-*=", m.getAsJsonObject("tokenizer").get("alphabet").getAsString());
    assertEquals(17, m.getAsJsonObject("tokenizer").get("vocabSize").getAsInt());
    assertEquals(128, m.getAsJsonObject("model").get("dModel").getAsInt());
    assertEquals(BenchmarkRecipe.STAGE2_STOP_HARD_P, m.getAsJsonObject("warmStart").get("stopHardMeanP").getAsDouble());
    assertEquals(3, m.getAsJsonObject("warmStart").get("stage2Steps").getAsInt());
    assertEquals(8, m.getAsJsonObject("grpo").get("groupSize").getAsInt());

    // the same seed writes the same bytes; the padded layout is the default
    Path again = dir.resolve("again");
    assertEquals(0, run("benchmark-export", "--seed", "3", "--pool-size", "300", "--held-out", "60", "--warmup-steps", "4,3",
        "--out", again.toString()));
    for (String f : List.of("pool.jsonl", "heldout.jsonl", "probe.jsonl", "warm-stage1.jsonl", "warm-stage2.jsonl", "manifest.json")) {
      assertArrayEquals(Files.readAllBytes(out.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
    }
    assertTrue(m.get("zeroPad").getAsBoolean());
  }

  @Test
  void refusesBadSizes(@TempDir Path dir) {
    assertNotEquals(0, run("benchmark-export", "--warmup-steps", "5", "--out", dir.toString()));
    assertNotEquals(0, run("benchmark-export", "--held-out", "0", "--out", dir.toString()));
    assertNotEquals(0, run("benchmark-export"), "--out is required");
    assertFalse(Files.exists(dir.resolve("pool.jsonl")));
  }
}
