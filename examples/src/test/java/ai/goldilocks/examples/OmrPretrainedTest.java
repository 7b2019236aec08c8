package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.djl.HfTokenizer;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code omr} with a pretrained-checkpoint student and an LM teacher (issue 15): a tiny randomly
 * initialised Qwen2-shaped checkpoint in Hugging Face's layout with a tokenizer.json this test
 * writes, no download. GRPO steps with the LM teacher, checkpoints, and a resumed run that continues
 * exactly as an uninterrupted one.
 */
class OmrPretrainedTest {
  @TempDir
  static Path shared;
  static Path checkpoint;

  @BeforeAll
  static void writeCheckpoint() throws Exception {
    checkpoint = RandomCheckpointCommand.write(Files.createDirectories(shared.resolve("tiny-qwen2")), RandomCheckpointCommand.TINY, 5,
        true);
  }

  private static int run(String... args) {
    System.setProperty("java.awt.headless", "true");
    return new CommandLine(new Main()).execute(args);
  }

  /** Runs {@code omr} directly, so that its exception reaches the test. */
  private static void call(String... omrArgs) throws Exception {
    CommandLine.populateCommand(new OmrCommand(), omrArgs).call();
  }

  private static String[] args(Path out, int steps, String... more) {
    List<String> a = new java.util.ArrayList<>(List.of("omr", "--model", checkpoint.toString(), "--teacher-model", checkpoint.toString(),
        "--steps", Integer.toString(steps), "--batch", "2", "--group-size", "4", "--max-new-tokens", "12", "--eval-size", "6",
        "--eval-k", "2", "--eval-every", "2", "--teacher-update-every", "4", "--out", out.toString()));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  private static JsonObject summary(Path out) throws Exception {
    return JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
  }

  @Test
  void theCheckpointsTokenizerAndChatTemplateAreRead() throws Exception {
    try (HfTokenizer tok = HfTokenizer.fromCheckpoint(checkpoint)) {
      assertEquals(tok.tokenId("<|im_end|>").getAsInt(), tok.eosId());
      assertEquals(tok.tokenId("<|endoftext|>").getAsInt(), tok.padId());
      String text = "Solve 2x+1=7.\n\\boxed{3}";
      assertEquals(text, tok.decode(tok.encode(text)), "the character tokenizer round-trips");
      assertEquals(text.length(), tok.encode(text).length);
    }
  }

  @Test
  void grpoWithAPretrainedStudentAndAnLmTeacherWritesWhatTheFixtureRunWrites(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("hf");
    assertEquals(0, run(args(out, 4, "--checkpoint-every", "2")));
    JsonObject s = summary(out);
    JsonObject c = s.getAsJsonObject("config");
    assertEquals("hugging-face", c.get("student").getAsString());
    assertEquals("lm:" + checkpoint, c.get("teacher").getAsString());
    String prompt = c.getAsJsonObject("model").get("promptExample").getAsString();
    assertTrue(prompt.startsWith("<|im_start|>user\n<problem>") && prompt.endsWith("<|im_start|>assistant\n")
        && prompt.contains(OmrCommand.DEFAULT_INSTRUCTION), prompt);
    for (String arm : new String[] {"goldilocks", "uniform"}) {
      List<String> lines = Files.readAllLines(out.resolve(arm).resolve("metrics.jsonl"));
      assertEquals(4, lines.size(), arm + ": one metrics line per GRPO step, none skipped");
      for (String line : lines) {
        JsonObject m = JsonParser.parseString(line).getAsJsonObject();
        for (String f : new String[] {"rewardMean", "groupRewardStd", "zeroVarianceFraction", "gradNorm", "teacherMaeUnseen",
            "completionTokens", "entropy"}) {
          assertTrue(m.has(f), arm + " lacks " + f + ": " + line);
        }
        assertTrue(m.get("completionTokens").getAsLong() >= 8, line); // 2 x 4 completions of at least one token
        assertTrue(Double.isFinite(m.get("entropy").getAsDouble()), line);
      }
      JsonObject last = JsonParser.parseString(lines.get(3)).getAsJsonObject();
      assertEquals(4, last.get("policyVersion").getAsLong(), arm);
      if (arm.equals("goldilocks")) {
        // the LM teacher has trained on the picked questions (every 4 picks) and reports its error on unseen ones
        assertFalse(last.get("teacherMaeUnseen").isJsonNull(), line(lines));
      }
      assertTrue(Files.isRegularFile(out.resolve(arm).resolve("checkpoints/step-000000004/MANIFEST.sha256")), arm);
      List<String> evals = Files.readAllLines(out.resolve(arm).resolve("validation.jsonl"));
      assertEquals(3, evals.size(), arm + ": evaluations at updates 0, 2 and 4");
      assertTrue(evals.get(2).contains("\"meanAtK\""), evals.get(2));
    }
    // the same summary fields as a fixture run
    Path fixture = tmp.resolve("fixture");
    assertEquals(0, run("omr", "--warmup-steps", "3", "--steps", "2", "--batch", "4", "--out", fixture.toString()));
    JsonObject f = summary(fixture);
    assertEquals(f.getAsJsonObject("config").keySet(), c.keySet());
    for (String arm : new String[] {"goldilocks", "uniform"}) {
      assertEquals(f.getAsJsonObject("arms").getAsJsonObject(arm).keySet(), s.getAsJsonObject("arms").getAsJsonObject(arm).keySet());
    }
  }

  private static String line(List<String> lines) {
    return String.join("\n", lines);
  }

  @Test
  void aResumedRunContinuesExactlyAsAnUninterruptedOne(@TempDir Path tmp) throws Exception {
    Path whole = tmp.resolve("whole");
    Path parts = tmp.resolve("parts");
    assertEquals(0, run(args(whole, 4)));
    assertEquals(0, run(args(parts, 2, "--checkpoint-every", "2")));
    assertEquals(0, run(args(parts, 4, "--resume", parts.toString(), "--checkpoint-every", "2")));
    assertTrue(summary(parts).getAsJsonObject("config").get("resumed").getAsBoolean());
    for (String arm : new String[] {"goldilocks", "uniform"}) {
      String a = ProgramsTest.withoutTimes(Files.readString(whole.resolve(arm).resolve("metrics.jsonl")));
      String b = ProgramsTest.withoutTimes(Files.readString(parts.resolve(arm).resolve("metrics.jsonl")));
      assertEquals(4, b.lines().count(), arm);
      assertEquals(a, b, arm + ": the resumed run's step metrics equal the uninterrupted run's");
      assertEquals(Files.readString(whole.resolve(arm).resolve("validation.jsonl")),
          Files.readString(parts.resolve(arm).resolve("validation.jsonl")), arm);
    }
    assertEquals(ProgramsTest.withoutTimes(summary(whole).getAsJsonObject("arms").toString()),
        ProgramsTest.withoutTimes(summary(parts).getAsJsonObject("arms").toString()));
  }

  @Test
  void badCheckpointsAndResumesAreNamed(@TempDir Path tmp) throws Exception {
    Path noTokenizer = Files.createDirectories(tmp.resolve("no-tokenizer"));
    RandomCheckpointCommand.writeWeights(noTokenizer, RandomCheckpointCommand.TINY, 1, true);
    Exception e = assertThrows(Exception.class, () -> call("--model", noTokenizer.toString(), "--out", tmp.resolve("a").toString()));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    Path fresh = Files.createDirectories(tmp.resolve("fresh"));
    String[] resumeArgs = args(fresh, 2, "--resume", fresh.toString());
    Exception r = assertThrows(Exception.class, () -> call(java.util.Arrays.copyOfRange(resumeArgs, 1, resumeArgs.length)));
    assertTrue(r.getMessage().contains("no complete checkpoint"), r.getMessage());
  }
}
