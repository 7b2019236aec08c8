package ai.goldilocks.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.objective.GrpoObjective;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on {@link TinyPolicy}: one rollout path, checkpoints, resume, failing fast. */
class GrpoTrainerTest {
  private static final String FIXTURES = "/ai/goldilocks/grpo/trainer/";

  private static List<String> withoutSeconds(Path metrics) throws IOException {
    return Files.readAllLines(metrics).stream().map(l -> l.replaceAll(",\"seconds\":[^}]*", "")).toList();
  }

  private static List<String> fixtureLines(String name) throws IOException {
    try (InputStream in = GrpoTrainerTest.class.getResourceAsStream(FIXTURES + name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    }
  }

  private static byte[] state(Sampler s) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    s.saveState(b);
    return b.toByteArray();
  }

  private static double[] weights(TinyPolicy p) {
    return java.util.Arrays.stream(p.theta).flatMapToDouble(java.util.Arrays::stream).toArray();
  }

  /** The trajectory of a seed is the one the trainer wrote before it was split (issue 30), with and without filtering. */
  @Test
  void writesTheSameStepsAsBeforeTheSplit(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("plain"));
    Files.createDirectories(dir.resolve("filtered"));
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      TrainerFixtures.trainer(p, s, dir.resolve("plain")).build().run(4, null);
    }
    assertEquals(fixtureLines("metrics-before-split.jsonl"), withoutSeconds(dir.resolve("plain/metrics.jsonl")));
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      TrainerFixtures.trainer(p, s, dir.resolve("filtered")).dynamicFilter(2.0, 3).build().run(4, null);
    }
    assertEquals(fixtureLines("metrics-filtered-before-split.jsonl"), withoutSeconds(dir.resolve("filtered/metrics.jsonl")));
  }

  @Test
  void resumesFromACheckpointOfThePreviousFormatAsIfNeverInterrupted(@TempDir Path dir) throws IOException {
    Path ckpt = dir.resolve("old/step-000000002");
    for (String f : List.of("MANIFEST.sha256", "trainer.properties", "sampler.state", "policy/tiny.bin")) {
      Files.createDirectories(ckpt.resolve(f).getParent());
      try (InputStream in = getClass().getResourceAsStream(FIXTURES + "checkpoint-format-1/step-000000002/" + f)) {
        Files.copy(in, ckpt.resolve(f));
      }
    }
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      GrpoTrainer t = TrainerFixtures.trainer(p, s, dir).build();
      assertEquals(List.of(), t.restoreCheckpoint(ckpt), "the format-1 configuration reads back equal to today's");
      assertEquals(2, t.stepCount());
      assertEquals(32, t.rolloutsSpent());
      t.run(4, null);
    }
    assertEquals(fixtureLines("metrics-before-split.jsonl").subList(2, 4), withoutSeconds(dir.resolve("metrics.jsonl")));
  }

  @Test
  void resumeAfterInterruptEqualsAnUninterruptedRunWithFiltering(@TempDir Path a, @TempDir Path b) throws IOException {
    double[] weightsA;
    byte[] stateA;
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      TrainerFixtures.trainer(p, s, a).dynamicFilter(2.0, 3).build().run(6, null);
      weightsA = weights(p);
      stateA = state(s);
    }
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      TrainerFixtures.trainer(p, s, b).dynamicFilter(2.0, 3).build().run(5, null); // step 5's work is lost
    }
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      GrpoTrainer t = TrainerFixtures.trainer(p, s, b).dynamicFilter(2.0, 3).build();
      Path latest = GrpoTrainer.latestCheckpoint(b.resolve("ckpt")).orElseThrow();
      assertTrue(latest.endsWith("step-000000004"), latest.toString());
      assertEquals(List.of(), t.restoreCheckpoint(latest));
      t.run(6, null);
      assertArrayEquals(weightsA, weights(p), 0);
      assertArrayEquals(stateA, state(s));
    }
    assertEquals(withoutSeconds(a.resolve("metrics.jsonl")), withoutSeconds(b.resolve("metrics.jsonl")));
  }

  @Test
  void checkpointsRecordTheTypedConfigurationAndARestoreNamesEachFieldThatDiffers(@TempDir Path dir) throws IOException {
    Path ckpt;
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      ckpt = TrainerFixtures.trainer(p, s, dir).build().saveCheckpoint();
    }
    Properties props = new Properties();
    try (InputStream in = Files.newInputStream(ckpt.resolve("trainer.properties"))) {
      props.load(in);
    }
    assertEquals("2", props.getProperty("format"));
    assertEquals("0.02", props.getProperty("config.objective.beta"));
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      GrpoTrainer t = TrainerFixtures.trainer(p, s, dir.resolve("other")).sampling(new SamplingConfig(0.7, 1.0, 3, java.util.Set.of(0, 2)))
          .dynamicFilter(2.0, 3).objective(GrpoObjective.builder().beta(0.02).build()).build();
      List<String> diff = t.restoreCheckpoint(ckpt);
      assertEquals(List.of("sampling: temperature=1.0, topP=1.0, maxNewTokens=3, stopTokens=eos -> temperature=0.7, topP=1.0, "
          + "maxNewTokens=3, stopTokens=[0, 2]", "dynamicFilter: off -> overSample=2.0, maxRounds=3"), diff);
    }
  }

  /** A learning-rate schedule changes the policy's configuration after build: a checkpoint records it as it is then. */
  @Test
  void aCheckpointRecordsThePolicysConfigurationAsItIsWhenWritten(@TempDir Path dir) throws IOException {
    Path ckpt;
    try (TinyPolicy.WithCheckpoints p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      GrpoTrainer t = TrainerFixtures.trainer(p, s, dir).build();
      p.setLearningRate(0.25);
      ckpt = t.saveCheckpoint();
    }
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      assertEquals(List.of("policy: TinyPolicy[learningRate=0.25] -> TinyPolicy[learningRate=0.5]"),
          TrainerFixtures.trainer(p, s, dir.resolve("other")).build().restoreCheckpoint(ckpt));
    }
  }

  @Test
  void aPolicyWithoutCheckpointSupportIsRefusedAtBuildNotAtTheFirstCheckpoint(@TempDir Path dir) {
    try (TinyPolicy p = new TinyPolicy(0.5); Sampler s = TrainerFixtures.sampler()) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> TrainerFixtures.trainer(p, s, dir).build());
      assertTrue(e.getMessage().contains(TinyPolicy.class.getName()) && e.getMessage().contains("checkpoint"), e.getMessage());
      assertFalse(Files.exists(dir.resolve("ckpt")));
      assertFalse(p.supportsCheckpoints());
      assertTrue(TrainerFixtures.policy().supportsCheckpoints());
    }
  }

  /** A policy whose checkpoint write fails after writing part of its files. */
  static final class FailingSave extends TinyPolicy.WithCheckpoints {
    FailingSave() {
      super(0.5);
    }

    @Override
    public void saveCheckpoint(Path dir) throws IOException {
      super.saveCheckpoint(dir);
      throw new IOException("disk full");
    }
  }

  @Test
  void aFailedCheckpointLeavesNoTemporaryDirectory(@TempDir Path dir) throws IOException {
    try (TinyPolicy p = new FailingSave(); Sampler s = TrainerFixtures.sampler()) {
      GrpoTrainer t = TrainerFixtures.trainer(p, s, dir).build();
      t.step();
      IOException e = assertThrows(IOException.class, t::step);
      assertEquals("disk full", e.getMessage());
      try (Stream<Path> files = Files.list(dir.resolve("ckpt"))) {
        assertEquals(List.of(), files.toList(), "no .tmp directory and no checkpoint left");
      }
    }
  }

  @Test
  void keepsTheNewestCheckpointsOnlyWhenAsked(@TempDir Path dir) throws IOException {
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      TrainerFixtures.trainer(p, s, dir).keepLastCheckpoints(2).build().run(8, null);
    }
    try (Stream<Path> files = Files.list(dir.resolve("ckpt"))) {
      assertEquals(List.of("step-000000006", "step-000000008"), files.map(f -> f.getFileName().toString()).sorted().toList());
    }
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      TrainerFixtures.trainer(p, s, dir.resolve("all")).build().run(6, null);
    }
    try (Stream<Path> files = Files.list(dir.resolve("all/ckpt"))) {
      assertEquals(3, files.count(), "the default keeps every checkpoint");
    }
  }

  /** A run resumed from step 2 while step 8 of the abandoned run is still there: pruning never removes what it just wrote. */
  @Test
  void pruningNeverDeletesTheCheckpointJustWritten(@TempDir Path dir) throws IOException {
    Path stale = Files.createDirectories(dir.resolve("ckpt/step-000000008"));
    Files.writeString(stale.resolve("MANIFEST.sha256"), "");
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      TrainerFixtures.trainer(p, s, dir).keepLastCheckpoints(1).build().run(4, null);
    }
    try (Stream<Path> files = Files.list(dir.resolve("ckpt"))) {
      assertEquals(List.of("step-000000004", "step-000000008"), files.map(f -> f.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void aPolicyThatReturnsOneCompletionTooFewIsRejectedNamingTheQuestionAndTheCounts(@TempDir Path dir) throws IOException {
    for (boolean filtered : new boolean[] {false, true}) {
      try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
        p.missingCompletions = 1;
        Files.createDirectories(dir.resolve("f" + filtered));
        GrpoTrainer.Builder b = TrainerFixtures.trainer(p, s, dir.resolve("f" + filtered));
        GrpoTrainer t = (filtered ? b.dynamicFilter(2.0, 3) : b).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::step);
        assertTrue(e.getMessage().matches(".*3 completions for question 'q\\d+', the group size is 4.*"), e.getMessage());
        assertEquals(0, s.metrics().feedbackAccepted(), "nothing reached the sampler");
        assertEquals(0, t.rolloutsSpent());
        assertEquals(0, p.version());
        assertEquals(0, t.stepCount());
      }
    }
  }

  @Test
  void theFilterPathTrainsOnlyInformativeGroupsAndCountsEveryRollout(@TempDir Path dir) throws IOException {
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      List<StepMetrics> ms = TrainerFixtures.trainer(p, s, dir).dynamicFilter(2.0, 3).build().run(3, null);
      long dropped = 0;
      for (StepMetrics m : ms) {
        dropped += m.groupsDropped();
        assertTrue(m.groupRewardStd() > 0, "a kept group's rewards differ");
      }
      assertEquals(4 * s.metrics().feedbackAccepted(), ms.get(2).rolloutsSpent());
      assertTrue(dropped > 0, "this set-up has zero-variance groups to drop");
    }
  }

  /** The arithmetic is real: rewarding completions that contain 'b' makes 'b' more likely. */
  @Test
  void trainingRaisesTheRewardedTokensProbability(@TempDir Path dir) throws IOException {
    try (TinyPolicy p = TrainerFixtures.policy(); Sampler s = TrainerFixtures.sampler()) {
      GrpoTrainer t = TrainerFixtures.trainer(p, s, dir).objective(GrpoObjective.builder().build()).build();
      t.run(30, null);
      for (double[] row : p.theta) {
        assertTrue(row[1] > row[2] && row[1] > row[3], java.util.Arrays.toString(row));
      }
    }
  }

  @Test
  void theMetricsFilesFolderIsCreated(@TempDir Path dir) throws IOException {
    try (TinyPolicy p = new TinyPolicy(0.5); Sampler s = TrainerFixtures.sampler()) {
      GrpoTrainer.builder(p, s, TrainerFixtures.HAS_B).batchSize(2).groupSize(2).metricsFile(dir.resolve("a/b/metrics.jsonl")).build()
          .step();
    }
    assertEquals(1, Files.readAllLines(dir.resolve("a/b/metrics.jsonl")).size());
  }

  @Test
  void aBatchLargerThanThePoolIsRefusedAtBuild() {
    try (TinyPolicy p = new TinyPolicy(0.5); Sampler s = ai.goldilocks.core.sampler.UniformSampler.builder(TrainerFixtures.pool(3)).build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> GrpoTrainer.builder(p, s, TrainerFixtures.HAS_B).batchSize(4).build());
      assertTrue(e.getMessage().contains("batchSize 4 exceeds the sampler's pool of 3"), e.getMessage());
    }
  }
}
